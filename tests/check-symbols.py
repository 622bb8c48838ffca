#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The ABI guard.

- The library's soname is the original's, libvirt-sandbox-1.0.so.5.
- Every symbol the original exported is listed in libvirt-sandbox.sym under
  the original's version node (tests/data/original-symbol-versions.tsv), and
  the library exports it there; names the original listed without defining
  them stay out of the original nodes.
- The nodes chain: each one inherits the one before it.
- The library exports exactly the symbols of the version script, each under
  its node, and the version script lists exactly the functions the headers
  declare.

The one tolerance is PENDING below: original symbols of classes other
branches are adding. They are listed (so they land in their original node)
but neither declared nor defined yet; once one is defined, this test says
to remove it from PENDING.

Usage: check-symbols.py LIBRARY SYMFILE INCLUDEDIR ORIGINAL_TSV"""
import pathlib
import re
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "build-aux"))
from importlib import import_module  # noqa: E402

SONAME = "libvirt-sandbox-1.0.so.5"

# Named in the original's libvirt-sandbox.sym but defined nowhere in the
# original (the .tsv header lists them): no program can reference them under
# an original node, so they are not listed there.
NOT_IN_ORIGINAL = {
    "gvir_sandbox_builder_new",
    "gvir_sandbox_builder_get_config",
    "gvir_sandbox_config_env_get_type",
    "gvir_sandbox_config_has_envs",
    "gvir_sandbox_config_mount_guest_bind_get_format",
}
NOT_IN_ORIGINAL_PREFIXES = ("gvir_sandbox_cleaner_",)

# Original symbols of classes not written yet: listed in the version script
# (so they land in their original node) but not defined. None left.
PENDING: set[str] = set()

library, symfile, include_dir, tsv = sys.argv[1:5]
failures = []


def fail(msg):
    failures.append(msg)


def not_in_original(name):
    return name in NOT_IN_ORIGINAL or name.startswith(NOT_IN_ORIGINAL_PREFIXES)


# The version script: nodes in order, their parents, their members.
symtext = re.sub(r"/\*.*?\*/", "", pathlib.Path(symfile).read_text(), flags=re.S)
nodes = []  # (name, parent, members)
for m in re.finditer(r"([\w.]+)\s*\{(.*?)\}\s*([\w.]*)\s*;", symtext, re.S):
    members = re.findall(r"^\s*(gvir_sandbox_\w+)\s*;", m.group(2), re.M)
    nodes.append((m.group(1), m.group(3) or None, members))
node_of = {}
for name, _, members in nodes:
    for sym in members:
        if sym in node_of:
            fail(f"{sym}: listed in {node_of[sym]} and again in {name}")
        node_of[sym] = name
for i, (name, parent, _) in enumerate(nodes):
    want = nodes[i - 1][0] if i else None
    if parent != want:
        fail(f"node {name} inherits {parent or 'nothing'}, should inherit {want or 'nothing'}")
listed = set(node_of)

# The original's symbols and nodes.
original = {}
for line in pathlib.Path(tsv).read_text().splitlines():
    if line.strip() and not line.startswith("#"):
        sym, node = line.split("\t")
        original[sym] = node.strip()
original_nodes = set(original.values())
for sym, node in sorted(original.items()):
    if not_in_original(sym):
        if node_of.get(sym) in original_nodes:
            fail(f"{sym}: the original never defined it, yet it is listed in {node_of[sym]}")
    elif node_of.get(sym) != node:
        fail(f"{sym}: the original exports it in {node}, libvirt-sandbox.sym lists it in "
             f"{node_of.get(sym, 'no node')}")
for sym, node in sorted(node_of.items()):
    if node in original_nodes and sym not in original:
        fail(f"{sym}: not an original symbol, yet listed in the original node {node}")

# The headers and the library.
declared = set(import_module("gen-sym-list").declared(include_dir))
nm = subprocess.run(["nm", "-D", "--defined-only", library], check=True,
                    capture_output=True, text=True).stdout
exported = {}
for line in nm.splitlines():
    fields = line.split()
    if len(fields) == 3 and fields[1] == "T":
        sym, _, version = fields[2].partition("@@")
        exported[sym.split("@")[0]] = version
dynamic = subprocess.run(["objdump", "-p", library], check=True,
                         capture_output=True, text=True).stdout
soname = re.search(r"^\s*SONAME\s+(\S+)", dynamic, re.M)
if not soname or soname.group(1) != SONAME:
    fail(f"the soname is {soname.group(1) if soname else 'missing'}, not {SONAME}")

for sym in sorted(PENDING):
    if sym not in listed:
        fail(f"{sym}: in PENDING but not listed in libvirt-sandbox.sym")
    if sym in exported:
        fail(f"{sym}: now defined: remove it from PENDING in tests/check-symbols.py")
for what, names in [
    ("declared in a header but missing from libvirt-sandbox.sym", declared - listed),
    ("listed in libvirt-sandbox.sym but declared in no header", listed - declared - PENDING),
    ("listed in libvirt-sandbox.sym but not defined by the library",
     listed - set(exported) - PENDING),
    ("exported by the library but not listed in libvirt-sandbox.sym", set(exported) - listed),
]:
    for name in sorted(names):
        fail(f"{name}: {what}")
for sym, version in sorted(exported.items()):
    if sym in node_of and version != node_of[sym]:
        fail(f"{sym}: exported as {sym}@@{version or '(unversioned)'}, listed in {node_of[sym]}")

for msg in failures:
    print(f"not ok: {msg}")
print(f"soname {soname.group(1) if soname else '?'}; {len(exported)} exported, {len(listed)} listed "
      f"in {len(nodes)} nodes ({', '.join(n for n, _, _ in nodes)}), {len(declared)} declared, "
      f"{len(PENDING)} pending")
sys.exit(1 if failures else 0)
