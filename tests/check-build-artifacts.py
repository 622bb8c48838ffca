#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a distribution ships from this build: no build machine's paths
(the source directory, cargo's home, the cargo target directory) in the
library, the programs and the guest init helpers; debug info (.debug_line
or .debug_info) in each of them, except in the helpers when the build
strips them (release, minsize, -Dstrip=true); a pkg-config file with
Requires.private, as libvirt-gobject-1.0.pc has.
Usage: check-build-artifacts.py SRCDIR TARGETDIR HELPER-STRIP PCFILE FILE..."""
import os
import re
import subprocess
import sys

srcdir, targetdir, helper_strip, pcfile, *files = sys.argv[1:]
failures = []


def paths_of(path):
    """A path and the one it resolves to, without a trailing slash."""
    return {p.rstrip("/") for p in (path, os.path.realpath(path))}


home = os.environ.get("HOME", "/root")
forbidden = {
    "the source directory": paths_of(srcdir),
    "cargo's home": paths_of(os.environ.get("CARGO_HOME", os.path.join(home, ".cargo"))),
    "the cargo target directory": paths_of(targetdir),
}
for f in files:
    name = os.path.basename(f)
    strings = subprocess.run(["strings", "-a", f], capture_output=True, text=True, check=True,
                             timeout=120).stdout
    for what, prefixes in forbidden.items():
        for prefix in prefixes:
            hits = [line for line in strings.splitlines() if prefix in line]
            if hits:
                failures.append(f"{name}: {len(hits)} strings hold {what} ({prefix}), "
                                f"e.g. {hits[0][:160]!r}")
    sections = subprocess.run(["readelf", "-S", "-W", f], capture_output=True, text=True,
                              check=True, timeout=60).stdout
    debug = set(re.findall(r"\] (\.debug_(?:line|info))\s", sections))
    helper = name.startswith("libvirt-sandbox-init-")
    if helper and helper_strip != "none":
        print(f"{name}: this build strips the helpers ({helper_strip}); debug sections: "
              f"{sorted(debug) or 'none'}")
    elif not debug:
        failures.append(f"{name}: no .debug_line or .debug_info section (readelf -S)")
    else:
        print(f"{name}: {', '.join(sorted(debug))}; no build paths")

# The pkg-config file: Requires.private as libvirt-gobject's has, and
# every package it names is one pkg-config knows.
fields = dict(re.findall(r"^([A-Za-z.]+):\s*(.*)$", open(pcfile).read(), re.M))
private = [p.strip() for p in re.split(r"[,\s]+", fields.get("Requires.private", "")) if p.strip()]
if not private:
    failures.append(f"{pcfile}: no Requires.private")
gobject_pc = subprocess.run(["pkg-config", "--print-requires-private", "libvirt-gobject-1.0"],
                            capture_output=True, text=True, check=True).stdout.split()
if "libvirt" in gobject_pc and "libvirt" not in private:
    failures.append(f"{pcfile}: Requires.private {private} lacks libvirt, which "
                    f"libvirt-gobject-1.0.pc lists ({gobject_pc})")
for package in private:
    if subprocess.run(["pkg-config", "--exists", package]).returncode != 0:
        failures.append(f"{pcfile}: Requires.private names {package}, unknown to pkg-config")
env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcfile))
name = os.path.basename(pcfile)[:-3]
shown = subprocess.run(["pkg-config", "--print-requires-private", name], capture_output=True,
                       text=True, env=env)
if shown.returncode != 0 or sorted(shown.stdout.split()) != sorted(private):
    failures.append(f"pkg-config --print-requires-private {name}: {shown.stdout!r} "
                    f"{shown.stderr!r}, expected {private}")
else:
    print(f"{name}.pc: Requires.private: {', '.join(private)}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
