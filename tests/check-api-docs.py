#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks that the GIR documents the whole public API.

Usage: check-api-docs.py GIR [DEVHELP2 [GI-DOCGEN INCLUDE-DIR]]

Every class, interface, record, enum/bitfield (and each of its members),
callable (function, constructor, method, virtual method, callback),
property and signal of the namespace needs a <doc> (a gtk-doc comment in
include/libvirt-sandbox/*.h) and a version attribute (its `Since:` tag).
Fails listing every item lacking either. With DEVHELP2 (the index
gi-docgen generated), also checks that it has a keyword for every class,
function, method and enum of the GIR. With GI-DOCGEN, also runs
`gi-docgen check` on the GIR (INCLUDE-DIR: where the GIR's own includes
are) and fails on any warning it prints.
"""
import subprocess
import sys
import xml.etree.ElementTree as ET

CORE = '{http://www.gtk.org/introspection/core/1.0}'
C = '{http://www.gtk.org/introspection/c/1.0}'
GLIB = '{http://www.gtk.org/introspection/glib/1.0}'

TYPES = ('class', 'interface', 'record', 'enumeration', 'bitfield', 'callback')
CALLABLES = ('function', 'constructor', 'method', 'virtual-method')


def has_doc(elem):
    doc = elem.find(CORE + 'doc')
    return doc is not None and (doc.text or '').strip() != ''


def check(gir_path):
    ns = ET.parse(gir_path).getroot().find(CORE + 'namespace')
    items = []  # (kind, name, element)
    for elem in ns:
        tag = elem.tag[len(CORE):]
        name = elem.get('name')
        if tag == 'record' and elem.get('disguised') == '1' and name.endswith('Private'):
            continue  # an instance's opaque private data, not API
        if tag in TYPES:
            items.append((tag, name, elem))
            for child in elem:
                ctag = child.tag[len(CORE):] if child.tag.startswith(CORE) else child.tag[len(GLIB):]
                if ctag in CALLABLES:
                    items.append((ctag, '%s.%s' % (name, child.get('name')), child))
                elif ctag == 'property':
                    items.append(('property', '%s:%s' % (name, child.get('name')), child))
                elif ctag == 'signal':
                    items.append(('signal', '%s::%s' % (name, child.get('name')), child))
                elif ctag == 'member':
                    items.append(('member', '%s.%s' % (name, child.get('name')), child))
        elif tag in CALLABLES or tag == 'constant':
            items.append((tag, name, elem))
    missing = []
    for kind, name, elem in items:
        lacks = []
        if not has_doc(elem):
            lacks.append('doc')
        if not elem.get('version'):
            lacks.append('Since')
        if lacks:
            missing.append('%s %s: no %s' % (kind, name, ' and no '.join(lacks)))
    return ns, items, missing


def check_devhelp(ns, devhelp_path):
    root = ET.parse(devhelp_path).getroot()
    dh = root.tag[:root.tag.index('}') + 1] if root.tag.startswith('{') else ''
    names = {kw.get('name') for kw in root.iter(dh + 'keyword')}
    missing = []
    for elem in ns:
        tag = elem.tag[len(CORE):]
        if tag in ('class', 'interface', 'enumeration', 'bitfield'):
            ctype = elem.get(C + 'type') or elem.get(GLIB + 'type-name')
            if ctype not in names and elem.get('name') not in names and \
               not any(ctype and n.endswith(ctype) for n in names):
                missing.append('%s %s' % (tag, ctype))
        for child in [elem] + list(elem):
            ident = child.get(C + 'identifier')
            if child.tag in (CORE + 'function', CORE + 'constructor', CORE + 'method') and ident:
                if ident not in names and ident + ' ()' not in names:
                    missing.append('function %s' % ident)
    return missing


def main():
    if len(sys.argv) not in (2, 3, 5):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ns, items, missing = check(sys.argv[1])
    print('%d documented items checked in %s' % (len(items), sys.argv[1]))
    failed = False
    if missing:
        print('%d of them lack a doc comment or a Since: tag '
              '(document them in include/libvirt-sandbox/*.h):' % len(missing))
        for m in missing:
            print('  ' + m)
        failed = True
    if len(sys.argv) >= 3:
        dh_missing = check_devhelp(ns, sys.argv[2])
        if dh_missing:
            print('%d symbols of the GIR have no keyword in %s:' % (len(dh_missing), sys.argv[2]))
            for m in dh_missing:
                print('  ' + m)
            failed = True
        else:
            print('the devhelp2 index %s has every class, function and enum' % sys.argv[2])
    if len(sys.argv) == 5:
        run = subprocess.run([sys.argv[3], 'check', '--add-include-path=' + sys.argv[4], sys.argv[1]],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        warnings = [line for line in run.stdout.splitlines() if 'WARNING' in line or 'ERROR' in line]
        if run.returncode != 0 or warnings:
            print('gi-docgen check (exit %d) warns:' % run.returncode)
            for w in warnings or run.stdout.splitlines():
                print('  ' + w)
            failed = True
        else:
            print('gi-docgen check: no warnings')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
