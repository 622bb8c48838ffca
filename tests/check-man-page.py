#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""virt-sandbox(1) or virt-sandbox-service(1) as built: man renders it
without a warning, it has every option the program's `--help` lists (for
virt-sandbox-service: every command, under COMMANDS, with every option its
`--help` lists) and the sections a distribution's man page has.
Usage: check-man-page.py MAN-PAGE PROGRAM"""
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

service = os.path.basename(program) == "virt-sandbox-service"


def help_options(*args):
    """The options `PROGRAM ARGS... --help` lists."""
    helptext = subprocess.run([program, *args, "--help"], capture_output=True, text=True,
                              env=env, check=True, timeout=60).stdout
    found = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", helptext.split("Options:", 1)[1]))
    found.discard("--")
    return helptext, found


def has(needle, within):
    return re.search(rf"(?<![\w-]){re.escape(needle)}(?![\w-])", within)


helptext, options = help_options()
sections = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "ENVIRONMENT",
            "FILES", "EXAMPLES", "SEE ALSO"]
if service:
    sections.insert(4, "COMMANDS")
    commands = re.findall(r"^  ([a-z]+)  ", helptext.split("Commands:", 1)[1].split("Options:")[0],
                          re.M)
    commands = [c for c in commands if c != "help"]
    if len(commands) < 11:
        failures.append(f"only {len(commands)} commands found in --help: {commands}")
    body = text.split("\nCOMMANDS\n", 1)[-1].split("\nEXIT STATUS\n", 1)[0]
    # Each command's part of COMMANDS: from its heading to the next one.
    parts = dict(re.findall(r"^   ([a-z]+)\n(.*?)(?=^   [a-z]+\n|\Z)", body, re.M | re.S))
    for command in commands:
        if command not in parts:
            failures.append(f"COMMANDS has no {command}")
            continue
        if f"virt-sandbox-service {command} " not in re.sub(r"\s+", " ", parts[command]):
            failures.append(f"COMMANDS {command} has no synopsis")
        _, sub_options = help_options(command)
        for option in sorted(sub_options):
            if not has(option, parts[command]):
                failures.append(f"{command} {option} (in its --help) is not under COMMANDS {command}")
        options |= {f"{command} {o}" for o in sub_options}
    needles = ("LIBVIRT_DEFAULT_URI", "NOTIFY_SOCKET", "/etc/libvirt-sandbox/services/NAME/",
               "config/sandbox.cfg", "/var/lib/libvirt/filesystems/NAME",
               "/etc/systemd/system/NAME_sandbox.service", "address=IP[/PREFIX][%BROADCAST]",
               "host-bind:DST=SRC", "systemctl start web_sandbox.service")
else:
    if len(options) < 30:
        failures.append(f"only {len(options)} options found in --help: {sorted(options)}")
    needles = ("LIBVIRT_DEFAULT_URI", "LIBVIRT_SANDBOX_DEBUG", "LIBVIRT_SANDBOX_INIT_DIR",
               "G_MESSAGES_DEBUG", "address=IP[/PREFIX][%BROADCAST]", "route=NET[/PREFIX]%GATEWAY",
               "/run/libvirt-sandbox", "/var/cache/libvirt-sandbox", "virsh net-start default")
for option in sorted(o for o in options if " " not in o):
    if not has(option, text):
        failures.append(f"{option} (in --help) is not in the man page")

for section in sections:
    if not re.search(rf"^{section}$", text, re.M):
        failures.append(f"no section {section}")
# A word man hyphenated at a line end, joined again (the needles are long).
joined = re.sub(r"[-\u2010]\n\s*", "", text)
for needle in needles:
    if needle not in text and needle not in joined:
        failures.append(f"'{needle}' is not in the man page")

for f in failures:
    print("FAIL:", f)
print(f"{len(options)} options checked" if not failures else f"{len(failures)} failures")
sys.exit(1 if failures else 0)
