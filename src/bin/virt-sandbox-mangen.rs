// SPDX-License-Identifier: LGPL-2.1-or-later
//! Writes the man page virt-sandbox(1) on stdout (meson runs it at build
//! time and installs the page): NAME, SYNOPSIS, DESCRIPTION and OPTIONS
//! from the command's clap definition (`cli`, the one `virt-sandbox`
//! parses with), then the hand-written sections of `cli/man-sections.roff`
//! (exit status, environment, files, examples, see also). No date: the
//! page is the same for every build of one version.

mod cli;

use std::io::Write;

/// The hand-written sections, in roff.
const SECTIONS: &str = include_str!("cli/man-sections.roff");

fn render(out: &mut dyn Write) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cli::command())
        .section("1")
        .manual("libvirt-sandbox")
        .source(format!("libvirt-sandbox {}", env!("CARGO_PKG_VERSION")));
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    out.write_all(SECTIONS.as_bytes())?;
    man.render_version_section(out)
}

fn main() -> std::process::ExitCode {
    let mut page = Vec::new();
    let written = render(&mut page).and_then(|()| std::io::stdout().write_all(&page));
    match written {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("virt-sandbox-mangen: cannot write the man page: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page as man shows it once roff's escapes are undone (enough for
    /// option names: `\-` is a hyphen).
    fn page() -> String {
        let mut page = Vec::new();
        render(&mut page).unwrap();
        String::from_utf8(page).unwrap().replace("\\-", "-")
    }

    #[test]
    fn every_option_is_in_the_page() {
        let page = page();
        for arg in cli::command().get_arguments() {
            if let Some(long) = arg.get_long() {
                assert!(page.contains(&format!("--{long}")), "--{long} missing");
            }
            if let Some(short) = arg.get_short() {
                assert!(page.contains(&format!("-{short}")), "-{short} missing");
            }
        }
        for section in [
            "EXIT STATUS",
            "ENVIRONMENT",
            "FILES",
            "EXAMPLES",
            "SEE ALSO",
        ] {
            assert!(
                page.contains(&format!(".SH \"{section}\""))
                    || page.contains(&format!(".SH {section}")),
                "{section}"
            );
        }
    }

    #[test]
    fn sub_syntax_is_in_the_page() {
        let page = page();
        for syntax in [
            "host-bind:DST=SRC",
            "host-image:DST=IMAGE[,format=FMT]",
            "guest-bind:DST=SRC",
            "ram:DST=SIZE",
            "address=IP[/PREFIX][%BROADCAST]",
            "route=NET[/PREFIX]%GATEWAY",
            "source=NETWORK",
            "mac=MAC",
            "filter.PARAM=VALUE",
            "file:TAG=PATH[,format=FMT]",
            "static,label=LABEL",
            "inherit",
            "GUEST-PATH[=HOST-PATH]",
        ] {
            assert!(page.contains(syntax), "{syntax} missing");
        }
    }
}
