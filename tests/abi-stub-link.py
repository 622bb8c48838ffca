#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A program linked against the original library runs against this one.

The original's binary is not at hand, so a stand-in is built from
tests/data/original-symbol-versions.tsv: a stub libvirt-sandbox-1.0.so.5
with the original's soname, exactly the symbols the original defined and
each under its original version node (empty functions). PROGRAM.c is
compiled against our headers and linked against that stub, so it records
what a binary built against the original records: NEEDED
libvirt-sandbox-1.0.so.5 and references such as
gvir_sandbox_init_check@LIBVIRT_SANDBOX_0.6.0. It is then run with
LD_LIBRARY_PATH at BUILDDIR (this library) and must exit 0.

Usage: abi-stub-link.py TSV PROGRAM.c INCLUDEDIR BUILDDIR CC [CC ARGS...]"""
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile

tsv, program, include_dir, build_dir = sys.argv[1:5]
cc = sys.argv[5:]
SONAME = "libvirt-sandbox-1.0.so.5"
# Listed in the original's version script, defined nowhere in the original.
UNDEFINED = {"gvir_sandbox_builder_new", "gvir_sandbox_builder_get_config",
             "gvir_sandbox_config_env_get_type", "gvir_sandbox_config_has_envs",
             "gvir_sandbox_config_mount_guest_bind_get_format"}


def run(cmd, **kw):
    print("+", shlex.join(cmd), flush=True)
    return subprocess.run(cmd, check=True, text=True, **kw)


nodes = {}
for line in pathlib.Path(tsv).read_text().splitlines():
    if line.strip() and not line.startswith("#"):
        sym, node = line.split("\t")
        if sym not in UNDEFINED and not sym.startswith("gvir_sandbox_cleaner_"):
            nodes.setdefault(node.strip(), []).append(sym)

with tempfile.TemporaryDirectory(prefix="abi-stub-") as tmp:
    tmp = pathlib.Path(tmp)
    stub_dir = tmp / "original"
    stub_dir.mkdir()
    (tmp / "stub.c").write_text("".join(
        f"void {sym}(void);\nvoid {sym}(void) {{}}\n" for syms in nodes.values() for sym in syms))
    script, parent = [], None
    for node in sorted(nodes):
        body = "".join(f"    {s};\n" for s in sorted(nodes[node]))
        local = "" if parent else "  local: *;\n"
        script.append(f"{node} {{\n  global:\n{body}{local}}} {parent or ''};\n")
        parent = node
    (tmp / "stub.map").write_text("\n".join(script))
    run(cc + ["-shared", "-fPIC", "-o", str(stub_dir / SONAME), str(tmp / "stub.c"),
              f"-Wl,-soname,{SONAME}", f"-Wl,--version-script={tmp / 'stub.map'}"])
    (stub_dir / "libvirt-sandbox-1.0.so").symlink_to(SONAME)

    flags = run(["pkg-config", "--cflags", "--libs", "libvirt-gobject-1.0", "gio-unix-2.0"],
                capture_output=True).stdout.split()
    exe = tmp / "program"
    run(cc + ["-o", str(exe), program, f"-I{include_dir}", f"-L{stub_dir}", "-lvirt-sandbox-1.0"]
        + flags)

    # The program references what a binary built against the original would.
    needs = run(["readelf", "-d", "-V", "--wide", str(exe)], capture_output=True).stdout
    refs = run(["objdump", "-T", str(exe)], capture_output=True).stdout
    problems = []
    if f"[{SONAME}]" not in needs:
        problems.append(f"the program does not need {SONAME}")
    for node in sorted(nodes):
        if not re.search(re.escape(f"({node})") + r"\s+gvir_sandbox_", refs):
            problems.append(f"the program references no symbol of {node}")
    if problems:
        for p in problems:
            print(f"not ok: {p}")
        sys.exit(1)
    counts = {n: len(re.findall(re.escape(f"({n})") + r"\s+gvir_sandbox_", refs))
              for n in sorted(nodes)}
    print("the program needs", SONAME, "and references",
          ", ".join(f"{c} symbols of {n}" for n, c in counts.items()))

    # Against this library.
    env = dict(os.environ, LD_LIBRARY_PATH=build_dir)
    env.pop("LD_PRELOAD", None)
    result = subprocess.run([str(exe), str(tmp)], env=env, text=True, capture_output=True)
    print(result.stdout, end="")
    print(result.stderr, end="", file=sys.stderr)
    if result.returncode != 0:
        print(f"not ok: the program exited with {result.returncode} against {build_dir}")
        sys.exit(1)
    print(f"ok: the program linked against the original's ABI ran against {build_dir}")
