#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs everything a fresh Debian 12 machine needs to build libvirt-sandbox,
# run its tests and run sandboxes. Idempotent: packages already present are skipped.
set -eu

PACKAGES="
  libvirt-daemon libvirt-daemon-system libvirt-daemon-driver-lxc
  libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 dnsmasq-base iptables
  libvirt-dev libvirt-glib-1.0-dev gir1.2-libvirt-glib-1.0 libglib2.0-dev
  gobject-introspection libgirepository1.0-dev gjs python3-gi valac meson ninja-build
  pkg-config gcc linux-image-amd64 busybox-static xvfb hyperfine libxml2-utils
  gir1.2-gtk-3.0 e2fsprogs iproute2 qemu-utils tini libseccomp-dev libcap-ng-dev
  valgrind gi-docgen
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    echo "setup-host: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup-host: cargo is not on PATH; install a Rust toolchain (rustup) first" >&2
    exit 1
fi

# virtiofsd (not packaged for bookworm): the file-system daemon libvirt starts
# for a virtual machine's writable host binds, so that QEMU itself never needs
# root. Built from crates.io at a pinned version (about a minute on 2 cores),
# into /usr/local/bin, where the library looks for it.
VIRTIOFSD_VERSION=1.14.0
if [ "$(/usr/local/bin/virtiofsd --version 2>/dev/null)" != "virtiofsd $VIRTIOFSD_VERSION" ]; then
    echo "setup-host: building virtiofsd $VIRTIOFSD_VERSION into /usr/local/bin"
    cargo install --locked --quiet virtiofsd --version "$VIRTIOFSD_VERSION" --root /usr/local
fi
