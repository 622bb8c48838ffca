#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole test suite, from a fresh Debian 12 machine (as root): installs what
# is missing, starts libvirtd, builds with meson, runs every test (C, Rust,
# gjs, Python, Vala, real libvirt), then re-runs the binding programs against
# an installed copy of the library.
set -eu
cd "$(dirname "$0")/.."

sh build-aux/setup-host.sh
sh build-aux/start-libvirtd.sh

builddir=${BUILDDIR:-build}
if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir" --prefix=/usr/local
fi
meson compile -C "$builddir"
meson test -C "$builddir" --print-errorlogs --num-processes 2
sh build-aux/test-installed.sh "$builddir"
