#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job: installs what is missing, starts libvirtd, builds, and runs the
# demo program against the freshly built library.
set -eu
cd "$(dirname "$0")/.."

sh build-aux/setup-host.sh
sh build-aux/start-libvirtd.sh

builddir=${BUILDDIR:-build}
if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir" --prefix=/usr/local
fi
meson compile -C "$builddir"
GI_TYPELIB_PATH="$builddir" LD_LIBRARY_PATH="$builddir" \
    gjs examples/config-demo.js "$@"
