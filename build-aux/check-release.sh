#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# What a distribution does with a release, checked end to end (about 20
# minutes on 2 cores, so not part of .ci/run):
#   1. `meson dist` makes the tarball (vendored crates, offline cargo config);
#   2. it is unpacked and built with no network (a new network namespace),
#      an empty CARGO_HOME, CARGO_NET_OFFLINE=true, buildtype=plain, the
#      distribution's RUSTFLAGS="-C debuginfo=2", and every optional part
#      disabled (introspection, vapi, docs, gjs and Python tests): only the
#      C and Rust toolchains, glib, libvirt and libvirt-glib;
#   3. the library, the programs and the guest helpers carry full debug
#      info and no build path, and the Rust and C test suites pass.
# Usage (as root, from a git checkout with everything committed):
#   sh build-aux/check-release.sh [BUILDDIR]
# BUILDDIR is a configured build of this checkout (default: build).
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
builddir=${1:-build}
work=$(mktemp -d /var/tmp/libvirt-sandbox-release-XXXXXX)
trap 'rm -rf "$work"' EXIT
step() { echo "check-release: $*"; }

step "meson dist (vendoring the crates needs the network, once)"
meson dist -C "$builddir" --no-tests --formats xztar >"$work/dist.log" 2>&1 ||
    { cat "$work/dist.log"; exit 1; }
tarball=$(ls "$builddir"/meson-dist/libvirt-sandbox-*.tar.xz | head -n 1)
step "$(du -h "$tarball" | cut -f1) $tarball"
tar -C "$work" -xf "$tarball"
tree=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'libvirt-sandbox-*' | head -n 1)
[ -f "$tree/.cargo/config.toml" ] && [ -d "$tree/vendor" ] ||
    { echo "check-release: the tarball has no vendor/ or .cargo/config.toml" >&2; exit 1; }

# No network, no cargo cache: everything must come from the tarball.
mkdir "$work/cargo-home"
offline() {
    unshare -n env CARGO_HOME="$work/cargo-home" CARGO_NET_OFFLINE=true \
        RUSTFLAGS="-C debuginfo=2" "$@"
}
# A rustup proxy finds its toolchains in RUSTUP_HOME, not CARGO_HOME.
export RUSTUP_HOME="${RUSTUP_HOME:-${HOME:-/root}/.rustup}"
step "building offline: buildtype=plain, every optional part disabled"
offline meson setup "$work/build" "$tree" --buildtype=plain --prefix=/usr \
    -Dintrospection=disabled -Dvapi=disabled -Ddocs=disabled \
    -Dgjs_tests=disabled -Dpython_tests=disabled -Dtests=enabled >"$work/setup.log" 2>&1 ||
    { cat "$work/setup.log"; exit 1; }
offline meson compile -C "$work/build" >"$work/compile.log" 2>&1 ||
    { tail -n 50 "$work/compile.log"; exit 1; }
# (cargo keeps its lock files there even offline; a download would be in
# registry/ or git/.)
if [ -e "$work/cargo-home/registry" ] || [ -e "$work/cargo-home/git" ]; then
    echo "check-release: cargo fetched into the empty CARGO_HOME:" >&2
    ls -A "$work/cargo-home" >&2
    exit 1
fi

step "debug info and build paths"
for f in "$work"/build/libvirt-sandbox-1.0.so.5.*[0-9] "$work"/build/virt-sandbox \
    "$work"/build/virt-sandbox-service "$work"/build/libvirt-sandbox-init-lxc \
    "$work"/build/libvirt-sandbox-init-qemu; do
    readelf -S "$f" | grep -q '\.debug_info' ||
        { echo "check-release: $f has no .debug_info" >&2; exit 1; }
    if strings -a "$f" | grep -q -e "$tree" -e "$work/build"; then
        echo "check-release: $f names a build path" >&2; exit 1
    fi
done

step "the Rust and C test suites, offline"
offline meson test -C "$work/build" --print-errorlogs --suite rust --suite c --num-processes 2
step "OK: the release tarball builds offline with full debug info and passes the Rust and C tests"
