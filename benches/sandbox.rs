// SPDX-License-Identifier: LGPL-2.1-or-later
//! Sandbox benchmarks, each against its floor measured in the same run and
//! interleaved (A B A B …) because these machines are noisy:
//!
//!   cargo bench --bench sandbox [-- [lxc] [qemu] [console] [9p] [cache] [fs] [RUNS]]
//!
//! (no case names: all of them; RUNS defaults to 10, and for the QEMU cases
//! to 7 (round trip) or 3 (console, 9p))
//!
//! - `lxc`: `virt-sandbox -c lxc:/// /bin/true` vs this process creating a
//!   minimal `/bin/true` container through the `virt` crate and waiting until
//!   it is gone;
//! - `qemu`: `virt-sandbox -c qemu:///system /bin/true` vs QEMU booting the same
//!   kernel (PVH vmlinux + qboot, TCG) with a busybox init that powers off,
//!   no libvirt, with a plain kernel command line and with the sandbox's; also
//!   the time until libvirt no longer has the sandbox's domain;
//! - `console`: `cat` of 100 MB through the sandbox's stdout, MB/s (net of
//!   the start-up time of /bin/true);
//! - `9p`: reading a 100 MB host file inside the VM (its root is the host's
//!   over virtio-9p), MB/s net of the start-up time;
//! - `cache`: the kernel/initrd cache: cold (rebuilt in a fresh directory)
//!   and warm lookups;
//! - `fs`: real workloads on the host's files, in one fresh sandbox each on
//!   qemu virtio-fs, qemu 9p, LXC, and on the host (see [`bench_fs`]), with
//!   the issue's targets (MET/MISSED);
//! - the peak RSS of the `virt-sandbox` process.
//!
//! The built CLI comes from `$VIRT_SANDBOX` (default `build/virt-sandbox`),
//! its guest helpers from `$LIBVIRT_SANDBOX_INIT_DIR` (default `build/`).
//! Needs root and a running libvirtd (build-aux/start-libvirtd.sh).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libvirt_sandbox::boot::{self, cache, kernel, vmlinux};
use libvirt_sandbox::builder::{initrd, machine};
use virt::connect::Connect;

const CONSOLE_BYTES: u64 = 100_000_000;

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
fn lxc_floor(conn: &Connect, run: usize) -> Result<Duration, String> {
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

/// The same container created by `virsh create`, then waited for until
/// libvirt no longer has it (the floor the original's notes quote).
fn lxc_virsh_floor(conn: &Connect, run: usize) -> Result<Duration, String> {
    let name = format!("bench-virsh-{}-{run}", std::process::id());
    let xml = std::env::temp_dir().join(format!("{name}.xml"));
    std::fs::write(&xml, floor_xml(&name)).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let status = Command::new("virsh")
        .args(["-q", "-c", "lxc:///", "create"])
        .arg(&xml)
        .stdout(Stdio::null())
        .status();
    let _ = std::fs::remove_file(&xml);
    match status {
        Ok(s) if s.success() => {}
        other => return Err(format!("virsh create failed: {other:?}")),
    }
    while conn
        .lookup_domain_by_name(&name)
        .and_then(|d| d.is_active())
        .unwrap_or(false)
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(start.elapsed())
}

/// Runs `virt-sandbox -c URI ARGS`; its wall time, and how many bytes it
/// printed.
fn cli(virt_sandbox: &Path, uri: &str, args: &[&str]) -> Result<(Duration, u64), String> {
    let start = Instant::now();
    let mut child = Command::new(virt_sandbox)
        .args(["-c", uri])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", virt_sandbox.display()))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        match stdout.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => total += n as u64,
            Err(e) => return Err(format!("reading its output: {e}")),
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let elapsed = start.elapsed();
    if !status.success() {
        return Err(format!("virt-sandbox exited with {status}"));
    }
    Ok((elapsed, total))
}

/// Waits until libvirt has no running domain named `sandbox-*` (the CLI's
/// default name) any more: a VM sandbox's CLI exits as soon as it has the
/// exit status, and libvirt tears the VM down afterwards. Waiting keeps that
/// teardown out of the next measurement.
fn wait_for_sandboxes_gone(conn: &Connect) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let domains = conn
            .list_all_domains(virt::sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE)
            .map_err(|e| e.to_string())?;
        if !domains
            .iter()
            .any(|d| d.name().is_ok_and(|n| n.starts_with("sandbox-")))
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("a sandbox domain is still running after 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The CLI's round trip of `/bin/true` on qemu:///system (what its user
/// waits for), and the time until libvirt no longer has the domain.
fn qemu_round_trip(virt_sandbox: &Path, conn: &Connect) -> Result<(Duration, Duration), String> {
    let start = Instant::now();
    let (exited, _) = cli(virt_sandbox, "qemu:///system", &["/bin/true"])?;
    wait_for_sandboxes_gone(conn)?;
    Ok((exited, start.elapsed()))
}

/// A busybox initrd whose /init powers the machine off at once.
fn floor_initrd(path: &Path) -> Result<(), String> {
    let busybox = std::fs::read("/bin/busybox")
        .map_err(|e| format!("the QEMU floor needs busybox-static (/bin/busybox): {e}"))?;
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut cpio = initrd::CpioWriter::new(std::io::BufWriter::new(file));
    let io = |e: std::io::Error| e.to_string();
    cpio.dir("bin").map_err(io)?;
    cpio.file("bin/busybox", 0o755, &busybox).map_err(io)?;
    cpio.file(
        "init",
        0o755,
        b"#!/bin/busybox sh\n/bin/busybox poweroff -f\n",
    )
    .map_err(io)?;
    cpio.finish().map_err(io)?;
    Ok(())
}

/// QEMU booting `kernel` with the busybox initrd and `cmdline` until it
/// powered off.
fn qemu_floor(kernel: &Path, initrd: &Path, cmdline: &str) -> Result<Duration, String> {
    let mut cmd = Command::new("qemu-system-x86_64");
    cmd.args([
        "-machine",
        "q35",
        "-accel",
        "tcg",
        "-m",
        "512",
        "-nodefaults",
    ])
    .args(["-no-reboot", "-display", "none", "-serial", "none"]);
    if let Some(firmware) = boot::default_firmware() {
        cmd.arg("-bios").arg(firmware);
    }
    cmd.arg("-kernel")
        .arg(kernel)
        .arg("-initrd")
        .arg(initrd)
        .arg("-append")
        .arg(cmdline);
    let start = Instant::now();
    let status = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run qemu-system-x86_64: {e}"))?;
    let elapsed = start.elapsed();
    if !status.success() {
        return Err(format!("qemu exited with {status}"));
    }
    Ok(elapsed)
}

struct Stats {
    name: String,
    samples: Vec<Duration>,
    failures: Vec<String>,
}

impl Stats {
    fn new(name: &str) -> Self {
        Stats {
            name: name.to_owned(),
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
    /// One line of figures, with the ratio of the median to each floor's.
    fn print(&self, floors: &[&Stats]) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let min = self.samples.iter().min().copied().unwrap_or_default();
        let max = self.samples.iter().max().copied().unwrap_or_default();
        let ratio: String = floors
            .iter()
            .map(|f| format!("  {:.2}x {}", ms(self.median()) / ms(f.median()), f.name))
            .collect();
        println!(
            "{:<31} n={:<3} min {:8.1} ms  median {:8.1} ms  max {:8.1} ms{ratio}",
            self.name,
            self.samples.len(),
            ms(min),
            ms(self.median()),
            ms(max)
        );
        for f in &self.failures {
            println!("{:<31} failed run: {f}", self.name);
        }
    }
}

fn bench_lxc(virt_sandbox: &Path, runs: usize) {
    let conn = Connect::open(Some("lxc:///")).expect("cannot connect to lxc:///");
    let _ = lxc_floor(&conn, usize::MAX); // warm-up
    let mut floor = Stats::new("lxc floor (virt)");
    let mut virsh = Stats::new("lxc virsh create+wait");
    let mut ours = Stats::new("lxc virt-sandbox");
    for run in 0..runs {
        floor.record(lxc_floor(&conn, run));
        virsh.record(lxc_virsh_floor(&conn, run));
        ours.record(cli(virt_sandbox, "lxc:///", &["/bin/true"]).map(|r| r.0));
    }
    println!("LXC round trip of /bin/true, {runs} interleaved runs each:");
    floor.print(&[]);
    virsh.print(&[&floor]);
    ours.print(&[&floor, &virsh]);
}

fn bench_qemu(virt_sandbox: &Path, runs: usize) {
    let boot = (|| -> Result<(PathBuf, PathBuf), String> {
        let kernel = kernel::select(None, None, None).map_err(|e| e.to_string())?;
        let cache = cache::cache_root().map_err(|e| e.to_string())?;
        let image = vmlinux::boot_image(&kernel, &cache).map_err(|e| e.to_string())?;
        let initrd = std::env::temp_dir().join(format!("bench-floor-{}.cpio", std::process::id()));
        floor_initrd(&initrd)?;
        Ok((image.path, initrd))
    })();
    let (kernel, initrd) = match boot {
        Ok(b) => b,
        Err(e) => {
            println!("QEMU: skipped: {e}");
            return;
        }
    };
    let conn = match Connect::open(Some("qemu:///system")) {
        Ok(c) => c,
        Err(e) => {
            println!("QEMU: skipped: cannot connect to qemu:///system: {e}");
            return;
        }
    };
    let _ = qemu_round_trip(virt_sandbox, &conn); // warm the caches
    // The floor as the issue defines it (a plain command line), and the same
    // boot with the sandbox's kernel options, which skip some boot work: the
    // second ratio shows what libvirt and our init cost on top of the kernel.
    let sandbox_cmdline = machine::cmdline(false);
    let mut floor = Stats::new("qemu floor (bare)");
    let mut tuned = Stats::new("qemu floor (our kernel options)");
    let mut ours = Stats::new("qemu virt-sandbox");
    let mut gone = Stats::new("qemu virt-sandbox, domain gone");
    for _ in 0..runs {
        floor.record(qemu_floor(&kernel, &initrd, "quiet panic=-1"));
        tuned.record(qemu_floor(&kernel, &initrd, &sandbox_cmdline));
        let trip = qemu_round_trip(virt_sandbox, &conn);
        ours.record(trip.clone().map(|t| t.0));
        gone.record(trip.map(|t| t.1));
    }
    let _ = std::fs::remove_file(&initrd);
    println!("QEMU round trip of /bin/true (TCG), {runs} interleaved runs each:");
    floor.print(&[]);
    tuned.print(&[&floor]);
    ours.print(&[&floor, &tuned]);
    gone.print(&[&floor, &tuned]);
}

fn bench_console(virt_sandbox: &Path, uri: &str, runs: usize) {
    let cat = format!("head -c {CONSOLE_BYTES} /dev/zero");
    let mut rates = Vec::new();
    for _ in 0..runs {
        let base = cli(virt_sandbox, uri, &["/bin/true"]);
        let full = cli(virt_sandbox, uri, &["--", "/bin/sh", "-c", &cat]);
        match (base, full) {
            (Ok((b, _)), Ok((f, bytes))) if bytes == CONSOLE_BYTES && f > b => {
                rates.push(bytes as f64 / 1e6 / (f - b).as_secs_f64());
            }
            (b, f) => println!("console {uri}: failed run: {b:?} {f:?}"),
        }
    }
    rates.sort_by(f64::total_cmp);
    if let (Some(min), Some(max)) = (rates.first(), rates.last()) {
        println!(
            "console {uri:<16} n={:<3} min {min:8.1} MB/s  median {:8.1} MB/s  max {max:8.1} MB/s \
             (100 MB through stdout, net of /bin/true's round trip)",
            rates.len(),
            rates[rates.len() / 2]
        );
    }
}

/// Reading a 100 MB host file inside a VM: its root is the host's over 9p.
fn bench_9p(virt_sandbox: &Path, runs: usize) {
    let file = std::env::temp_dir().join(format!("bench-9p-{}", std::process::id()));
    let data: Vec<u8> = (0..CONSOLE_BYTES).map(|i| (i % 251) as u8).collect();
    if let Err(e) = std::fs::write(&file, &data) {
        println!("9p: skipped: cannot write {}: {e}", file.display());
        return;
    }
    let read = format!("cat '{}' > /dev/null", file.display());
    let mut rates = Vec::new();
    for _ in 0..runs {
        let base = cli(virt_sandbox, "qemu:///system", &["/bin/true"]);
        let full = cli(
            virt_sandbox,
            "qemu:///system",
            &["--", "/bin/sh", "-c", &read],
        );
        match (base, full) {
            (Ok((b, _)), Ok((f, _))) if f > b => {
                rates.push(CONSOLE_BYTES as f64 / 1e6 / (f - b).as_secs_f64());
            }
            (b, f) => println!("9p read: failed or too noisy run: {b:?} {f:?}"),
        }
    }
    let _ = std::fs::remove_file(&file);
    rates.sort_by(f64::total_cmp);
    if let (Some(min), Some(max)) = (rates.first(), rates.last()) {
        println!(
            "9p read qemu:///system   n={:<3} min {min:8.1} MB/s  median {:8.1} MB/s  max {max:8.1} MB/s \
             (100 MB host file, net of /bin/true's round trip)",
            rates.len(),
            rates[rates.len() / 2]
        );
    }
}

fn bench_cache(runs: usize) {
    let kernel = match kernel::select(None, None, None) {
        Ok(k) => k,
        Err(e) => {
            println!("cache: skipped: {e}");
            return;
        }
    };
    let init_dir = std::env::var_os("LIBVIRT_SANDBOX_INIT_DIR").map(PathBuf::from);
    let init = init_dir.unwrap_or_default().join(machine::INIT_QEMU);
    let cold_root = std::env::temp_dir().join(format!("bench-cache-{}", std::process::id()));
    let mut cold = Stats::new("cache cold (build)");
    let mut warm = Stats::new("cache warm (hit)");
    for _ in 0..runs.min(3) {
        let _ = std::fs::remove_dir_all(&cold_root);
        let start = Instant::now();
        let built = vmlinux::boot_image(&kernel, &cold_root)
            .and_then(|_| boot::initrd::ensure_initrd(&kernel, &init, &cold_root));
        cold.record(built.map(|_| start.elapsed()).map_err(|e| e.to_string()));
    }
    for _ in 0..runs {
        let start = Instant::now();
        let hit = vmlinux::boot_image(&kernel, &cold_root)
            .and_then(|_| boot::initrd::ensure_initrd(&kernel, &init, &cold_root));
        warm.record(hit.map(|_| start.elapsed()).map_err(|e| e.to_string()));
    }
    let _ = std::fs::remove_dir_all(&cold_root);
    println!("Kernel (vmlinux) + initrd cache:");
    cold.print(&[]);
    warm.print(&[]);
}

/// The workload script of `bench_fs`: each step prints `KEY MICROSECONDS`.
/// `$DOC` is the tree walked, `$RAM` a RAM directory for its copy, `$BIG`
/// the 100 MB host file, `$OUT` a directory of a writable host bind.
const FS_SCRIPT: &str = r#"
t() { k=$1; shift; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo "$k $(( (e - s) / 1000 ))"; }
readall() { find "$1" -type f -print0 | xargs -0 cat > /dev/null; }
py() { python3 -c 'import json, decimal, email.parser, http.client, xml.dom.minidom'; }
t walk1 ls -lR "$DOC"
t walk2 ls -lR "$DOC"
t readall readall "$DOC"
t pycold py
t pywarm py
t read100 cat "$BIG"
t write100 dd if=/dev/zero of="$OUT/out" bs=1M count=100 conv=fsync
rm -f "$OUT/out"
cp -a "$DOC" "$RAM/doc"
ls -lR "$RAM/doc" >/dev/null 2>&1 # warm-up: the RAM copy's figure is its second walk
t ramwalk2 ls -lR "$RAM/doc"
t ramreadall readall "$RAM/doc"
rm -rf "$RAM/doc"
"#;

/// A place `bench_fs` runs its workload: name, URI (None: the host), CLI
/// options, the script's variables.
type FsColumn<'a> = (
    &'a str,
    Option<&'a str>,
    Vec<&'a str>,
    Vec<(&'a str, String)>,
);

/// One run of [`FS_SCRIPT`]: on `uri` through the CLI (with `options`),
/// or on the host (`uri` None). Returns its figures in seconds by key.
fn fs_run(
    virt_sandbox: &Path,
    uri: Option<&str>,
    options: &[&str],
    env: &[(&str, String)],
) -> Result<std::collections::BTreeMap<String, f64>, String> {
    let assignments: String = env.iter().map(|(k, v)| format!("{k}='{v}' ")).collect();
    let script = format!("{assignments}; export DOC RAM BIG OUT; {FS_SCRIPT}");
    let mut cmd = match uri {
        Some(uri) => {
            let mut cmd = Command::new(virt_sandbox);
            cmd.args(["-c", uri])
                .args(options)
                .args(["--", "/bin/sh", "-c", &script]);
            cmd
        }
        None => {
            let mut cmd = Command::new("/bin/sh");
            cmd.args(["-c", &script]);
            cmd
        }
    };
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run the workload: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the workload failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_owned(), v.trim().parse::<f64>().ok()? / 1e6))
        })
        .collect())
}

/// `fs`: the issue's workloads on the host's `/usr/share/doc` and a 100 MB
/// host file, in a fresh sandbox on each of qemu virtio-fs, qemu 9p and
/// LXC, and on the host: `ls -lR` first walk (cold: a fresh guest) and
/// second walk, reading every file, each against a copy of the tree in the
/// sandbox's RAM (tmpfs, walked in the same sandbox); Python 3 start-up with
/// five stdlib imports, cold and warm; reading the 100 MB host file and
/// writing 100 MB into a host bind (MB/s); and the `/bin/true` round trip,
/// virtio-fs against 9p. Then the targets, MET or MISSED.
fn bench_fs(virt_sandbox: &Path, runs: usize) {
    let work = PathBuf::from(format!("/var/local/bench-fs-{}", std::process::id()));
    let bind = work.join("bind");
    let big = work.join("big");
    let setup = std::fs::create_dir_all(&bind).and_then(|()| {
        use std::os::unix::fs::PermissionsExt;
        let data: Vec<u8> = (0..CONSOLE_BYTES).map(|i| (i % 251) as u8).collect();
        std::fs::write(&big, data)?;
        std::fs::set_permissions(&work, std::fs::Permissions::from_mode(0o755))?;
        std::fs::set_permissions(&big, std::fs::Permissions::from_mode(0o644))?;
        std::fs::set_permissions(&bind, std::fs::Permissions::from_mode(0o777))
    });
    if let Err(e) = setup {
        println!("fs: skipped: cannot prepare {}: {e}", work.display());
        return;
    }
    let bind_opt = format!("host-bind:/mnt={}", bind.display());
    let env = |ram: &str, out: &str| {
        vec![
            ("DOC", "/usr/share/doc".to_owned()),
            ("RAM", ram.to_owned()),
            ("BIG", big.display().to_string()),
            ("OUT", out.to_owned()),
        ]
    };
    let host_ram = PathBuf::from(format!("/dev/shm/bench-fs-ram-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&host_ram);
    let vm = |backend: &'static str| {
        vec![
            "--memory",
            "1536M",
            "--fs-backend",
            backend,
            "-m",
            bind_opt.as_str(),
        ]
    };
    let columns: Vec<FsColumn> = vec![
        (
            "qemu virtiofs",
            Some("qemu:///system"),
            vm("virtiofs"),
            env("/tmp", "/mnt"),
        ),
        (
            "qemu 9p",
            Some("qemu:///system"),
            vm("p9"),
            env("/tmp", "/mnt"),
        ),
        (
            "lxc",
            Some("lxc:///"),
            vec!["-m", bind_opt.as_str()],
            env("/tmp", "/mnt"),
        ),
        (
            "host",
            None,
            vec![],
            env(&host_ram.display().to_string(), &bind.display().to_string()),
        ),
    ];
    let mut results = Vec::new();
    for (name, uri, options, env) in &columns {
        match fs_run(virt_sandbox, *uri, options, env) {
            Ok(r) => results.push((*name, r)),
            Err(e) => println!("fs {name}: failed: {e}"),
        }
    }
    // The round trip of /bin/true, interleaved.
    let mut trip_vfs = Stats::new("qemu /bin/true, virtiofs");
    let mut trip_9p = Stats::new("qemu /bin/true, 9p");
    for _ in 0..runs {
        for (stats, backend) in [(&mut trip_vfs, "virtiofs"), (&mut trip_9p, "p9")] {
            let args = ["--fs-backend", backend, "/bin/true"];
            stats.record(cli(virt_sandbox, "qemu:///system", &args).map(|r| r.0));
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    let _ = std::fs::remove_dir_all(&host_ram);

    let get = |col: &str, key: &str| {
        results
            .iter()
            .find(|(n, _)| *n == col)
            .and_then(|(_, r)| r.get(key).copied())
    };
    let mb_s = |secs: f64| CONSOLE_BYTES as f64 / 1e6 / secs;
    println!("File-system workloads (/usr/share/doc, 100 MB host file), one fresh sandbox each:");
    print!("{:<34}", "");
    for (name, _) in &results {
        print!("{name:>16}");
    }
    println!();
    let rows = [
        ("ls -lR, first walk (s)", "walk1", false),
        ("ls -lR, second walk (s)", "walk2", false),
        ("read every file (s)", "readall", false),
        ("RAM copy: ls -lR (s)", "ramwalk2", false),
        ("RAM copy: read every file (s)", "ramreadall", false),
        ("python3 + 5 imports, cold (s)", "pycold", false),
        ("python3 + 5 imports, warm (s)", "pywarm", false),
        ("100 MB host file read (MB/s)", "read100", true),
        ("100 MB write into a bind (MB/s)", "write100", true),
    ];
    for (label, key, rate) in rows {
        print!("{label:<34}");
        for (name, _) in &results {
            match get(name, key) {
                Some(v) if rate => print!("{:>16.1}", mb_s(v)),
                Some(v) => print!("{v:>16.3}"),
                None => print!("{:>16}", "-"),
            }
        }
        println!();
    }
    for (name, _) in &results {
        if let (Some(w1), Some(w2), Some(r), Some(ram), Some(ramr)) = (
            get(name, "walk1"),
            get(name, "walk2"),
            get(name, "readall"),
            get(name, "ramwalk2"),
            get(name, "ramreadall"),
        ) {
            println!(
                "{name:<16} against its RAM copy: first walk {:.2}x, second walk {:.2}x, read-all {:.2}x",
                w1 / ram,
                w2 / ram,
                r / ramr
            );
        }
    }
    trip_9p.print(&[]);
    trip_vfs.print(&[&trip_9p]);
    let target = |label: &str, value: Option<f64>, limit: f64, at_most: bool| match value {
        Some(v) => {
            let met = if at_most { v <= limit } else { v >= limit };
            let op = if at_most { "<=" } else { ">=" };
            println!(
                "target {label:<42} {v:6.2}x ({op} {limit}x) {}",
                if met { "MET" } else { "MISSED" }
            );
        }
        None => println!("target {label:<42} not measured"),
    };
    let vfs = "qemu virtiofs";
    let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);
    target(
        "virtiofs first walk / RAM copy",
        ratio(get(vfs, "walk1"), get(vfs, "ramwalk2")),
        3.0,
        true,
    );
    target(
        "virtiofs second walk / RAM copy",
        ratio(get(vfs, "walk2"), get(vfs, "ramwalk2")),
        1.5,
        true,
    );
    target(
        "virtiofs read-all / RAM copy",
        ratio(get(vfs, "readall"), get(vfs, "ramreadall")),
        2.0,
        true,
    );
    target(
        "virtiofs 100 MB read, MB/s / 9p's",
        ratio(get("qemu 9p", "read100"), get(vfs, "read100")),
        2.0,
        false,
    );
    let trip = (!trip_vfs.samples.is_empty() && !trip_9p.samples.is_empty())
        .then(|| trip_vfs.median().as_secs_f64() / trip_9p.median().as_secs_f64());
    target("virtiofs /bin/true round trip / 9p's", trip, 1.05, true);
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    // RUNS when given; else 10, fewer for the slow QEMU cases.
    let explicit_runs: Option<usize> = args.iter().find_map(|a| a.parse().ok());
    let runs = explicit_runs.unwrap_or(10);
    let slow_runs = |default: usize| explicit_runs.unwrap_or(default);
    let wanted = |case: &str| {
        !args.iter().any(|a| a.parse::<usize>().is_err()) || args.iter().any(|a| a == case)
    };
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

    // The first child: its peak RSS is the only one getrusage has seen yet.
    if cli(&virt_sandbox, "lxc:///", &["/bin/true"]).is_ok() {
        let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN);
        if let Ok(usage) = usage {
            println!(
                "peak RSS of virt-sandbox (lxc:/// /bin/true): {} KiB",
                usage.max_rss()
            );
        }
    }
    if wanted("lxc") {
        bench_lxc(&virt_sandbox, runs);
    }
    if wanted("console") {
        bench_console(&virt_sandbox, "lxc:///", runs.min(5));
        bench_console(&virt_sandbox, "qemu:///system", slow_runs(3));
    }
    if wanted("9p") {
        bench_9p(&virt_sandbox, slow_runs(3));
    }
    if wanted("cache") {
        bench_cache(runs);
    }
    if wanted("qemu") {
        bench_qemu(&virt_sandbox, slow_runs(7));
    }
    if wanted("fs") {
        bench_fs(&virt_sandbox, slow_runs(5));
    }
}
