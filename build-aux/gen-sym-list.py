#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prints the functions declared in the public headers, one per line, sorted.

Used by the symbol test (every declared function must be exported, nothing
else may be) and when adding new functions to libvirt-sandbox.sym.
"""
import pathlib
import re
import sys

PROTO = re.compile(r"^[A-Za-z_][\w \*]*?\b(gvir_sandbox_\w+)\s*\(", re.M)
DECLARE = re.compile(r"(?:G_DECLARE_\w+_TYPE|GVIR_SANDBOX_DECLARE_TYPE)\s*\(\s*\w+\s*,\s*(gvir_sandbox_\w+)")


def declared(include_dir):
    names = set()
    for header in sorted(pathlib.Path(include_dir).glob("*.h")):
        text = re.sub(r"/\*.*?\*/", "", header.read_text(), flags=re.S)
        text = re.sub(r"^#.*$", "", text, flags=re.M)
        names.update(PROTO.findall(text))
        # G_DECLARE_{FINAL,DERIVABLE}_TYPE(Name, prefix, ...) and
        # GVIR_SANDBOX_DECLARE_TYPE(Name, prefix, ...) declare prefix_get_type().
        names.update(p + "_get_type" for p in DECLARE.findall(text))
    return sorted(names)


if __name__ == "__main__":
    inc = sys.argv[1] if len(sys.argv) > 1 else "include/libvirt-sandbox"
    print("\n".join(declared(inc)))
