// SPDX-License-Identifier: LGPL-2.1-or-later
//! Start-up latency of an LXC sandbox against its floor, interleaved A B A B …
//!
//!   cargo bench --bench startup [-- RUNS]
//!
//! - `virt-sandbox`: wall time of `virt-sandbox -c lxc:/// /bin/true`, the built
//!   CLI (`$VIRT_SANDBOX`, default `build/virt-sandbox`; the guest helpers from
//!   `$LIBVIRT_SANDBOX_INIT_DIR`, default `build/`).
//! - `floor`: this process creating a minimal transient container whose init is
//!   `/bin/true` through the `virt` crate, and waiting until it is gone.
//!
//! Needs a running libvirtd (build-aux/start-libvirtd.sh) and root.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use virt::connect::Connect;

const URI: &str = "lxc:///";

fn floor_xml(name: &str) -> String {
    format!(
        "<domain type='lxc'><name>{name}</name><memory unit='KiB'>524288</memory>\
         <os><type>exe</type><init>/bin/true</init></os>\
         <features><privnet/></features>\
         <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot>\
         <devices><filesystem type='mount'><source dir='/'/><target dir='/'/><readonly/>\
         </filesystem><console type='pty'/></devices></domain>"
    )
}

/// One minimal container from creation until libvirt no longer has it.
/// `Err` when libvirt failed the start (a known race of libvirt 9.0 with an
/// init that exits at once: "Timed out while reading log output").
fn floor_once(conn: &Connect, run: usize) -> Result<Duration, String> {
    let name = format!("bench-floor-{}-{run}", std::process::id());
    let start = Instant::now();
    let domain = conn
        .create_domain_xml(&floor_xml(&name), 0)
        .map_err(|e| e.to_string())?;
    // A transient domain disappears when its init ends; 1 ms polling adds at
    // most 1 ms to a ~300 ms figure.
    while domain.is_active().unwrap_or(false) {
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(start.elapsed())
}

fn cli_once(virt_sandbox: &PathBuf) -> Result<Duration, String> {
    let start = Instant::now();
    let status = Command::new(virt_sandbox)
        .args(["-c", URI, "/bin/true"])
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", virt_sandbox.display()))?;
    let elapsed = start.elapsed();
    if !status.success() {
        return Err(format!("virt-sandbox exited with {status}"));
    }
    Ok(elapsed)
}

struct Stats {
    name: &'static str,
    samples: Vec<Duration>,
    failures: Vec<String>,
}

impl Stats {
    fn new(name: &'static str) -> Self {
        Stats {
            name,
            samples: Vec::new(),
            failures: Vec::new(),
        }
    }
    fn record(&mut self, result: Result<Duration, String>) {
        match result {
            Ok(d) => self.samples.push(d),
            Err(e) => self.failures.push(e),
        }
    }
    fn median(&self) -> Duration {
        let mut s = self.samples.clone();
        s.sort();
        s.get(s.len() / 2).copied().unwrap_or_default()
    }
    fn print(&self, floor: Option<&Stats>) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let min = self.samples.iter().min().copied().unwrap_or_default();
        let max = self.samples.iter().max().copied().unwrap_or_default();
        let ratio = floor
            .map(|f| {
                format!(
                    "  ratio to floor {:.2}x",
                    ms(self.median()) / ms(f.median())
                )
            })
            .unwrap_or_default();
        println!(
            "{:<14} n={:<3} min {:7.1} ms  median {:7.1} ms  max {:7.1} ms{ratio}",
            self.name,
            self.samples.len(),
            ms(min),
            ms(self.median()),
            ms(max)
        );
        for f in &self.failures {
            println!("{:<14} failed run: {f}", self.name);
        }
    }
}

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(|a| a.parse().expect("RUNS must be a number"))
        .unwrap_or(10);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let virt_sandbox = std::env::var_os("VIRT_SANDBOX")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("build/virt-sandbox"));
    if std::env::var_os("LIBVIRT_SANDBOX_INIT_DIR").is_none() {
        // SAFETY: single-threaded at this point; only children read it.
        unsafe { std::env::set_var("LIBVIRT_SANDBOX_INIT_DIR", root.join("build")) };
    }
    // is_active() on a vanished transient domain is the expected end; keep
    // libvirt from printing it.
    virt::error::clear_error_callback();
    let conn = Connect::open(Some(URI)).expect("cannot connect to lxc:/// (is libvirtd running?)");

    // One warm-up of each, not counted: page cache, libvirt's first-use work.
    let _ = floor_once(&conn, usize::MAX);
    let _ = cli_once(&virt_sandbox);

    let mut floor = Stats::new("floor");
    let mut cli = Stats::new("virt-sandbox");
    for run in 0..runs {
        floor.record(floor_once(&conn, run));
        cli.record(cli_once(&virt_sandbox));
    }
    println!("LXC start-up, /bin/true, {runs} interleaved runs each:");
    floor.print(None);
    cli.print(Some(&floor));
}
