#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""build-aux/cargo-build.sh, run against a stand-in cargo that records what
it is given: the build's Rust flags (the --remap-path-prefix ones, and
crt-static for the guest init helpers) are added to a distribution's
RUSTFLAGS or CARGO_ENCODED_RUSTFLAGS, before them, never instead of them;
with neither set they go to cargo's build.rustflags by --config; the
helpers' strip setting follows HELPER-STRIP unless
CARGO_PROFILE_RELEASE_STRIP is set; a second run with nothing changed does
not run cargo, nor need it (meson install). Then the real build: running
the script as meson install does (same arguments) leaves its stamp alone.
Usage: check-cargo-build-script.py SCRIPT SRCDIR -- REAL-ARGUMENTS..."""
import json
import os
import subprocess
import sys
import tempfile

script, srcdir = sys.argv[1], sys.argv[2]
real_args = sys.argv[sys.argv.index("--") + 1:]
failures = []
US = "\x1f"

FAKE_CARGO = r'''#!/usr/bin/python3
import json, os, sys
args = sys.argv[1:]
record = {"args": args, "cwd": os.getcwd()}
for var in ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_PROFILE_RELEASE_STRIP"):
    record[var] = os.environ.get(var)
with open(os.environ["FAKE_CARGO_LOG"], "a") as log:
    log.write(json.dumps(record) + "\n")
target = args[args.index("--target-dir") + 1]
if "--target" in args:
    out = os.path.join(target, args[args.index("--target") + 1], "release")
    names = ["libvirt-sandbox-init-lxc", "libvirt-sandbox-init-qemu"]
else:
    out = os.path.join(target, "release")
    names = ["liblibvirt_sandbox_capi.a", "virt-sandbox", "virt-sandbox-mangen", "virt-sandbox-service"]
os.makedirs(out, exist_ok=True)
for name in names:
    with open(os.path.join(out, name), "w") as f:
        f.write(name + "\n")
'''

tmp = tempfile.mkdtemp(prefix="cargo-build-script-")
cargo = os.path.join(tmp, "cargo")
with open(cargo, "w") as f:
    f.write(FAKE_CARGO)
os.chmod(cargo, 0o755)
log = os.path.join(tmp, "log")
base_env = {k: v for k, v in os.environ.items()
            if k not in ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS")
            and not k.startswith(("CARGO_PROFILE_", "CARGO_BUILD_"))}
base_env["FAKE_CARGO_LOG"] = log
host = "x86_64-unknown-linux-gnu"


def run(case, helper_strip="none", **env):
    """Runs the script in a fresh output directory (or `case`'s again);
    returns the cargo calls it made."""
    out = os.path.join(tmp, case)
    os.makedirs(out, exist_ok=True)
    open(log, "w").close()
    result = subprocess.run(
        ["sh", script, cargo, srcdir, os.path.join(out, "target"), "release", out,
         "/usr/libexec", host, "0.9.0", helper_strip],
        env={**base_env, **env}, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        failures.append(f"{case}: exit {result.returncode}: {result.stderr.strip()}")
    with open(log) as f:
        # The case's own directory, named alike in every case.
        return [json.loads(line.replace(out, "OUT")) for line in f]


def flags(call):
    """The Rust flags a cargo call gets, and from where."""
    if call["RUSTFLAGS"] is not None:
        return "RUSTFLAGS", call["RUSTFLAGS"].split()
    if call["CARGO_ENCODED_RUSTFLAGS"] is not None:
        return "CARGO_ENCODED_RUSTFLAGS", call["CARGO_ENCODED_RUSTFLAGS"].split(US)
    args = call["args"]
    if "--config" in args:
        value = args[args.index("--config") + 1]
        assert value.startswith("build.rustflags="), value
        return "--config", json.loads(value[len("build.rustflags="):])
    return "none", []


# Neither variable: ours, through --config (cargo appends it to the
# build.rustflags of its config files).
calls = run("plain")
ours = {}
if len(calls) != 2:
    failures.append(f"plain: {len(calls)} cargo calls, expected 2 (host parts, helpers)")
else:
    for call in calls:
        kind = "helpers" if "--target" in call["args"] else "host"
        where, got = flags(call)
        ours[kind] = got
        if where != "--config":
            failures.append(f"plain {kind}: flags through {where}, expected --config")
        remaps = [f for f in got if f.startswith("--remap-path-prefix=")]
        if not any(f.startswith(f"--remap-path-prefix={srcdir}=") for f in remaps):
            failures.append(f"plain {kind}: no --remap-path-prefix for {srcdir}: {got}")
        if len(remaps) != 3:
            failures.append(f"plain {kind}: {len(remaps)} remaps, expected 3 (source, "
                            f"cargo home, target dir): {got}")
        crt = "target-feature=+crt-static" in got
        if crt != (kind == "helpers"):
            failures.append(f"plain {kind}: crt-static {'given' if crt else 'missing'}: {got}")
        strip = call["CARGO_PROFILE_RELEASE_STRIP"]
        if strip != ("none" if kind == "helpers" else None):
            failures.append(f"plain {kind}: CARGO_PROFILE_RELEASE_STRIP={strip}")

# A distribution's flags: kept, after ours (so its own remaps win).
distro = ["-C", "debuginfo=2", f"--remap-path-prefix={srcdir}=/usr/src/distro", "-Copt-level=2"]
for var, value in (("RUSTFLAGS", " ".join(distro)), ("CARGO_ENCODED_RUSTFLAGS", US.join(distro))):
    for call in run(var.lower(), **{var: value}):
        kind = "helpers" if "--target" in call["args"] else "host"
        where, got = flags(call)
        if where != "CARGO_ENCODED_RUSTFLAGS":
            failures.append(f"{var} {kind}: flags through {where}")
        if got != ours.get(kind, []) + distro:
            failures.append(f"{var} {kind}: cargo got {got}, expected ours "
                            f"{ours.get(kind)} then the distribution's {distro}")
print(f"RUSTFLAGS and CARGO_ENCODED_RUSTFLAGS: {distro} kept, after the build's own")

# Release/minsize builds strip the helpers; the caller's setting wins.
for helper_strip, env, expected in (("debuginfo", {}, "debuginfo"),
                                    ("debuginfo", {"CARGO_PROFILE_RELEASE_STRIP": "none"}, "none"),
                                    ("none", {"CARGO_PROFILE_RELEASE_STRIP": "symbols"}, "symbols")):
    case = f"strip-{helper_strip}-{env.get('CARGO_PROFILE_RELEASE_STRIP', 'unset')}"
    got = [c["CARGO_PROFILE_RELEASE_STRIP"] for c in run(case, helper_strip, **env)
           if "--target" in c["args"]]
    if got != [expected]:
        failures.append(f"{case}: the helpers' build got CARGO_PROFILE_RELEASE_STRIP={got}, "
                        f"expected {expected}")

# Up to date: no cargo run, and none needed (sudo meson install).
calls = run("rustflags", RUSTFLAGS=" ".join(distro))
if calls:
    failures.append(f"a second run with nothing changed ran cargo {len(calls)} times")
os.rename(cargo, cargo + ".away")
run("rustflags", RUSTFLAGS=" ".join(distro))
os.rename(cargo + ".away", cargo)
# ... but changed flags are a rebuild.
if len(run("rustflags", RUSTFLAGS="-C debuginfo=1")) != 2:
    failures.append("changed RUSTFLAGS did not run cargo again")

# The real build, as meson install runs the script: nothing to do.
stamp = os.path.join(real_args[4], "cargo-build.stamp")
before = os.stat(stamp)
result = subprocess.run(["sh", script, *real_args], capture_output=True, text=True, timeout=3600)
after = os.stat(stamp)
if result.returncode != 0:
    failures.append(f"the real build's script: exit {result.returncode}: {result.stderr}")
if (before.st_ino, before.st_mtime_ns) != (after.st_ino, after.st_mtime_ns):
    failures.append(f"running the script again on the built tree rewrote {stamp}: it ran cargo "
                    f"(a source newer than the build, or flag variables unlike the build's?) "
                    f"(meson install would too)")
else:
    print(f"the built tree is up to date: {stamp} untouched, cargo not run")

subprocess.run(["rm", "-rf", tmp])
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
