#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The ABI guard: the library exports exactly the symbols of the version
script, and the version script lists exactly the functions the headers
declare.  Usage: check-symbols.py LIBRARY SYMFILE INCLUDEDIR"""
import pathlib
import re
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "build-aux"))
from importlib import import_module  # noqa: E402

declared = set(import_module("gen-sym-list").declared(sys.argv[3]))
symtext = re.sub(r"/\*.*?\*/", "", pathlib.Path(sys.argv[2]).read_text(), flags=re.S)
listed = set(re.findall(r"^\s*(gvir_sandbox_\w+)\s*;", symtext, re.M))
nm = subprocess.run(["nm", "-D", "--defined-only", sys.argv[1]], check=True,
                    capture_output=True, text=True).stdout
exported = {line.split()[2].split("@")[0] for line in nm.splitlines()
            if len(line.split()) == 3 and line.split()[1] == "T"}

failed = False
for what, names in [
    ("declared in a header but missing from libvirt-sandbox.sym", declared - listed),
    ("listed in libvirt-sandbox.sym but declared in no header", listed - declared),
    ("listed in libvirt-sandbox.sym but not defined by the library", listed - exported),
    ("exported by the library but not listed in libvirt-sandbox.sym", exported - listed),
]:
    for name in sorted(names):
        print(f"not ok: {name}: {what}")
        failed = True
print(f"{len(exported)} exported, {len(listed)} listed, {len(declared)} declared")
sys.exit(1 if failed else 0)
