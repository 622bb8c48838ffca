#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""virt-sandbox(1) as built: man renders it without a warning, it has every
option `virt-sandbox --help` lists and the sections a distribution's man
page has.  Usage: check-man-page.py MAN-PAGE VIRT-SANDBOX"""
import os
import re
import subprocess
import sys

page, program = sys.argv[1], sys.argv[2]
env = dict(os.environ, LC_ALL="C", MANWIDTH="80", MANPAGER="cat", PAGER="cat")
env.pop("MAN_KEEP_FORMATTING", None)
failures = []

rendered = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                          env=env, timeout=60)
if rendered.returncode != 0 or rendered.stderr.strip():
    failures.append(f"man --warnings -l {page}: status {rendered.returncode}:\n{rendered.stderr}")
# Plain text: drop overstrikes in case man kept them.
text = re.sub(r".\x08", "", rendered.stdout)
if len(text) < 2000:
    failures.append(f"the rendered page is only {len(text)} characters")

helptext = subprocess.run([program, "--help"], capture_output=True, text=True, env=env,
                          check=True, timeout=60).stdout
options = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", helptext.split("Options:", 1)[1]))
options.discard("--")
if len(options) < 30:
    failures.append(f"only {len(options)} options found in --help: {sorted(options)}")
for option in sorted(options):
    if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text):
        failures.append(f"{option} (in --help) is not in the man page")

for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "ENVIRONMENT",
                "FILES", "EXAMPLES", "SEE ALSO"):
    if not re.search(rf"^{section}$", text, re.M):
        failures.append(f"no section {section}")
for needle in ("LIBVIRT_DEFAULT_URI", "LIBVIRT_SANDBOX_DEBUG", "LIBVIRT_SANDBOX_INIT_DIR",
               "G_MESSAGES_DEBUG", "address=IP[/PREFIX][%BROADCAST]", "route=NET[/PREFIX]%GATEWAY",
               "/run/libvirt-sandbox", "/var/cache/libvirt-sandbox", "virsh net-start default"):
    if needle not in text:
        failures.append(f"'{needle}' is not in the man page")

for f in failures:
    print("FAIL:", f)
print(f"{len(options)} options checked" if not failures else f"{len(failures)} failures")
sys.exit(1 if failures else 0)
