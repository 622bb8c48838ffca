#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job: installs what is missing, starts libvirtd, builds, and runs real
# sandboxes on lxc:///: `virt-sandbox -c lxc:/// /bin/date`, then the gjs hello
# world (examples/hello-world.js) with the command given as arguments
# (default: a short greeting).
set -eu
cd "$(dirname "$0")/.."

sh build-aux/setup-host.sh
sh build-aux/start-libvirtd.sh

builddir=${BUILDDIR:-build}
if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir" --prefix=/usr/local
fi
meson compile -C "$builddir"

# Run the uninstalled build: the guest helpers are in the build directory.
export LIBVIRT_SANDBOX_INIT_DIR="$PWD/$builddir"
export GI_TYPELIB_PATH="$PWD/$builddir" LD_LIBRARY_PATH="$PWD/$builddir"

echo "+ virt-sandbox -c lxc:/// /bin/date"
"$builddir/virt-sandbox" -c lxc:/// /bin/date

if [ $# -eq 0 ]; then
    set -- /bin/sh -c 'echo "hello from $(hostname) as $(id -un), pid $$"'
fi
echo "+ gjs examples/hello-world.js $*"
LIBVIRT_DEFAULT_URI=lxc:/// gjs examples/hello-world.js "$@"
