#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every golden domain XML the builders are tested against must be valid for
# libvirt's own schema, so a golden can never encode XML libvirt rejects.
set -eu
dir=$1
count=0
for f in "$dir"/*.xml; do
    [ -e "$f" ] || { echo "no golden XML files in $dir" >&2; exit 1; }
    virt-xml-validate "$f" domain
    count=$((count + 1))
done
echo "$count golden files valid"
