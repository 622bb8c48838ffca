#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""meson setup refuses a cargo or rustc older than Cargo.toml's
rust-version, with a message that names both versions: it is run on this
source tree with a stand-in cargo (then rustc) one minor release too old
first on PATH.  Usage: check-toolchain-version.py MESON SRCDIR"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

meson, srcdir = sys.argv[1], sys.argv[2]
failures = []
with open(os.path.join(srcdir, "Cargo.toml")) as f:
    wanted = re.search(r'^rust-version\s*=\s*"(\d+)\.(\d+)', f.read(), re.M)
major, minor = int(wanted[1]), int(wanted[2])
old = f"{major}.{minor - 1}.0"
real = {tool: shutil.which(tool) for tool in ("cargo", "rustc")}

for stale in ("cargo", "rustc"):
    tmp = tempfile.mkdtemp(prefix="toolchain-version-")
    bindir = os.path.join(tmp, "bin")
    os.mkdir(bindir)
    for tool in ("cargo", "rustc"):
        path = os.path.join(bindir, tool)
        with open(path, "w") as f:
            if tool == stale:
                # What `cargo --version` / `rustc --version` print, too old.
                f.write(f"#!/bin/sh\necho '{tool} {old} (0000000 2025-01-01)'\n")
            else:
                f.write(f"#!/bin/sh\nexec {real[tool]} \"$@\"\n")
        os.chmod(path, 0o755)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"])
    result = subprocess.run([meson, "setup", os.path.join(tmp, "build"), srcdir],
                            capture_output=True, text=True, env=env, timeout=300)
    output = result.stdout + result.stderr
    needle = f"cargo and rustc {major}.{minor} or newer are needed"
    if result.returncode == 0:
        failures.append(f"meson setup accepted {stale} {old} (rust-version {major}.{minor})")
    elif needle not in output:
        failures.append(f"meson setup with {stale} {old} failed without saying '{needle}':\n"
                        + output[-2000:])
    else:
        print(f"{stale} {old}: refused: "
              + next(line for line in output.splitlines() if needle in line).strip())
    shutil.rmtree(tmp)

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
