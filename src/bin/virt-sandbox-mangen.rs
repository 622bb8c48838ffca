// SPDX-License-Identifier: LGPL-2.1-or-later
//! Writes a man page on stdout (meson runs it at build time and installs
//! the pages): `virt-sandbox-mangen` (or `virt-sandbox-mangen
//! virt-sandbox`) writes virt-sandbox(1), `virt-sandbox-mangen
//! virt-sandbox-service` writes virt-sandbox-service(1). NAME, SYNOPSIS,
//! DESCRIPTION, OPTIONS (and, for virt-sandbox-service, COMMANDS: each
//! subcommand's synopsis, description and options) come from the clap
//! definition the program parses with (`cli`, `service_cli/args.rs`), the
//! other sections (exit status, environment, files, examples, see also)
//! from the hand-written `man-sections.roff` beside it. No date: the page
//! is the same for every build of one version.

mod cli;
/// The options both programs take (used by `cli` and `service_args`).
#[path = "common/mod.rs"]
mod common;
#[path = "service_cli/args.rs"]
mod service_args;

use std::io::Write;

/// The hand-written sections of virt-sandbox(1), in roff.
const SECTIONS: &str = include_str!("cli/man-sections.roff");
/// The hand-written sections of virt-sandbox-service(1), in roff.
const SERVICE_SECTIONS: &str = include_str!("service_cli/man-sections.roff");

/// The pages this program writes: the program's name, its clap definition
/// and its hand-written sections.
fn pages() -> [(&'static str, clap::Command, &'static str); 2] {
    [
        ("virt-sandbox", cli::command(), SECTIONS),
        (
            "virt-sandbox-service",
            service_args::command(),
            SERVICE_SECTIONS,
        ),
    ]
}

fn man(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd)
        .section("1")
        .manual("libvirt-sandbox")
        .source(format!("libvirt-sandbox {}", env!("CARGO_PKG_VERSION")))
}

/// One of clap_mangen's sections without its `.SH` line, to go below a
/// `.SS` of ours.
fn section_body(
    render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>,
) -> std::io::Result<String> {
    let mut roff = Vec::new();
    render(&mut roff)?;
    let roff = String::from_utf8(roff).map_err(std::io::Error::other)?;
    let mut body = String::with_capacity(roff.len());
    let mut heading = true;
    for line in roff.split_inclusive('\n') {
        if heading && line.starts_with(".SH ") {
            heading = false;
        } else {
            body.push_str(line);
        }
    }
    Ok(body)
}

/// COMMANDS: per subcommand, its synopsis, description and options.
fn render_commands(cmd: &clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(b".SH COMMANDS\n")?;
    let program = cmd.get_name();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        writeln!(out, ".SS {name}")?;
        let page = man(sub.clone().bin_name(format!("{program} {name}")));
        out.write_all(section_body(|w| page.render_synopsis_section(w))?.as_bytes())?;
        out.write_all(b".PP\n")?;
        out.write_all(section_body(|w| page.render_description_section(w))?.as_bytes())?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            out.write_all(section_body(|w| page.render_options_section(w))?.as_bytes())?;
        }
    }
    Ok(())
}

fn render(cmd: clap::Command, sections: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let with_commands = cmd.has_subcommands();
    let page = man(cmd.clone());
    page.render_title(out)?;
    page.render_name_section(out)?;
    page.render_synopsis_section(out)?;
    page.render_description_section(out)?;
    page.render_options_section(out)?;
    if with_commands {
        render_commands(&cmd, out)?;
    }
    out.write_all(sections.as_bytes())?;
    page.render_version_section(out)
}

fn main() -> std::process::ExitCode {
    let wanted = std::env::args().nth(1);
    let wanted = wanted.as_deref().unwrap_or("virt-sandbox");
    let Some((_, cmd, sections)) = pages().into_iter().find(|(name, ..)| *name == wanted) else {
        eprintln!(
            "virt-sandbox-mangen: no man page for '{wanted}' (virt-sandbox or virt-sandbox-service)"
        );
        return std::process::ExitCode::from(2);
    };
    let mut page = Vec::new();
    let written =
        render(cmd, sections, &mut page).and_then(|()| std::io::stdout().write_all(&page));
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
        page_of(cli::command(), SECTIONS)
    }

    fn page_of(cmd: clap::Command, sections: &str) -> String {
        let mut page = Vec::new();
        render(cmd, sections, &mut page).unwrap();
        String::from_utf8(page).unwrap().replace("\\-", "-")
    }

    /// The page has the hand-written sections every page has, and `more`.
    fn assert_sections(page: &str, more: &[&str]) {
        let every = [
            "EXIT STATUS",
            "ENVIRONMENT",
            "FILES",
            "EXAMPLES",
            "SEE ALSO",
        ];
        for section in every.iter().chain(more) {
            assert!(
                page.contains(&format!(".SH \"{section}\""))
                    || page.contains(&format!(".SH {section}")),
                "{section}"
            );
        }
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
        assert_sections(&page, &[]);
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

    #[test]
    fn service_page_has_every_command_and_option() {
        let cmd = service_args::command();
        let page = page_of(cmd.clone(), SERVICE_SECTIONS);
        for sub in cmd.get_subcommands() {
            let name = sub.get_name();
            assert!(
                page.contains(&format!(".SS {name}\n")),
                "command {name} missing"
            );
            assert!(
                page.contains(&format!("virt-sandbox-service {name}")),
                "synopsis of {name} missing"
            );
            for arg in sub.get_arguments() {
                if let Some(long) = arg.get_long() {
                    assert!(
                        page.contains(&format!("--{long}")),
                        "{name} --{long} missing"
                    );
                }
            }
        }
        assert_sections(&page, &["COMMANDS"]);
        for needle in [
            "/etc/libvirt-sandbox/services/",
            "/var/lib/libvirt/filesystems/",
            "/etc/systemd/system/",
            "host-bind:DST=SRC",
            "address=IP[/PREFIX][%BROADCAST]",
        ] {
            assert!(page.contains(needle), "{needle} missing");
        }
    }
}
