// SPDX-License-Identifier: LGPL-2.1-or-later
//! Chooses the sandbox's `<seclabel>` from the config and the security
//! drivers the libvirt host offers (SELinux or AppArmor).

use crate::builder::SecLabel;
use crate::config::Config;
use crate::error::{SandboxError, error};

/// The security models of a capabilities document (`<secmodel><model>`).
pub(crate) fn host_models(capabilities: &str) -> Vec<String> {
    capabilities
        .split("<secmodel>")
        .skip(1)
        .filter_map(|block| {
            let block = block.split("</secmodel>").next()?;
            let start = block.find("<model>")? + "<model>".len();
            let end = block[start..].find("</model>")? + start;
            Some(block[start..end].trim().to_owned())
        })
        .collect()
}

/// The user and group libvirt runs QEMU as for domains of `virt_type`
/// (`kvm` or `qemu`): the DAC model's `<baselabel>` in the host's
/// capabilities (`+64055:+64055`), if it has one.
pub(crate) fn dac_label(capabilities: &str, virt_type: &str) -> Option<(u32, u32)> {
    let block = capabilities
        .split("<secmodel>")
        .skip(1)
        .filter_map(|b| b.split("</secmodel>").next())
        .find(|b| b.contains("<model>dac</model>"))?;
    block.split("<baselabel").skip(1).find_map(|label| {
        let (attrs, rest) = label.split_once('>')?;
        if !attrs.contains(&format!("type='{virt_type}'"))
            && !attrs.contains(&format!("type=\"{virt_type}\""))
        {
            return None;
        }
        let text = rest.split('<').next()?.trim();
        let (user, group) = text.split_once(':')?;
        let id = |s: &str| s.trim_start_matches('+').parse::<u32>().ok();
        Some((id(user)?, id(group)?))
    })
}

/// The label to apply, or none when the host cannot confine and nothing
/// specific was asked for (the default dynamic label).
pub(crate) fn choose(config: &Config, models: &[String]) -> crate::Result<Option<SecLabel>> {
    let model = models
        .iter()
        .find(|m| *m == "selinux" || *m == "apparmor")
        .cloned();
    let label = config.security_label();
    let dynamic = config.security_dynamic();
    if !dynamic && label.is_none() {
        return Err(error(
            SandboxError::InvalidSecurity,
            "a static security label needs a label: use 'static,label=USER:ROLE:TYPE:LEVEL'",
        ));
    }
    let Some(model) = model else {
        if dynamic && label.is_none() {
            return Ok(None);
        }
        return Err(error(
            SandboxError::InvalidSecurity,
            format!(
                "the security label '{}' cannot be applied: this host's libvirt has no \
                 SELinux or AppArmor security driver (its models: {}); run without --security",
                label.as_deref().unwrap_or("(dynamic)"),
                if models.is_empty() {
                    "none".to_owned()
                } else {
                    models.join(", ")
                }
            ),
        ));
    };
    Ok(Some(SecLabel {
        model,
        dynamic,
        label,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigInteractive;
    use glib::prelude::*;

    const CAPS: &str = "<capabilities><host><cpu><model>qemu64</model></cpu>\
        <secmodel><model>none</model><doi>0</doi></secmodel>\
        <secmodel><model>selinux</model><doi>0</doi></secmodel></host></capabilities>";

    #[test]
    fn reads_qemus_dac_label() {
        let caps = "<capabilities><host><secmodel><model>none</model><doi>0</doi></secmodel>\
            <secmodel><model>dac</model><doi>0</doi>\
            <baselabel type='kvm'>+64055:+107</baselabel>\
            <baselabel type='qemu'>+64055:+64055</baselabel></secmodel></host></capabilities>";
        assert_eq!(dac_label(caps, "kvm"), Some((64055, 107)));
        assert_eq!(dac_label(caps, "qemu"), Some((64055, 64055)));
        assert_eq!(dac_label(caps, "lxc"), None);
        assert_eq!(dac_label(CAPS, "qemu"), None);
    }

    #[test]
    fn reads_models_and_chooses() {
        assert_eq!(host_models(CAPS), ["none", "selinux"]);
        let config = ConfigInteractive::new("s");
        let base: &Config = config.upcast_ref();
        // Default: dynamic; nothing on a host without a driver.
        assert_eq!(choose(base, &["none".into()]).unwrap(), None);
        let dynamic = choose(base, &host_models(CAPS)).unwrap().unwrap();
        assert!(dynamic.dynamic && dynamic.model == "selinux" && dynamic.label.is_none());

        base.set_security_opts("static,label=system_u:system_r:svirt_t:s0:c1,c2")
            .unwrap();
        let fixed = choose(base, &["apparmor".into()]).unwrap().unwrap();
        assert!(!fixed.dynamic);
        assert_eq!(
            fixed.label.as_deref(),
            Some("system_u:system_r:svirt_t:s0:c1,c2")
        );
        let err = choose(base, &["none".into()]).unwrap_err();
        assert!(err.matches(SandboxError::InvalidSecurity), "{err}");
        assert!(err.message().contains("no SELinux or AppArmor"), "{err}");
    }
}
