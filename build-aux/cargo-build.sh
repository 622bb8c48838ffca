#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Called by meson: builds the Rust parts with cargo and copies them into
# meson's build directory.
#   cargo-build.sh SRCDIR TARGETDIR PROFILE OUTDIR LIBEXECDIR
# Produces in OUTDIR: libvirt_sandbox_rs.a (linked whole into the .so), the
# virt-sandbox CLI, and the statically linked guest init helpers (init-qemu
# becomes the /init of QEMU sandboxes' initrd).
set -eu
src=$1 target=$2 profile=$3 out=$4 libexecdir=$5
if [ "$profile" = release ]; then flag=--release; else flag=; fi
export LIBVIRT_SANDBOX_LIBEXECDIR="$libexecdir"

cargo build $flag --locked --manifest-path "$src/Cargo.toml" --target-dir "$target" \
    -p libvirt-sandbox --lib --bins
cp "$target/$profile/liblibvirt_sandbox.a" "$out/libvirt_sandbox_rs.a"
cp "$target/$profile/virt-sandbox" "$out/virt-sandbox"

# The guest helpers run inside sandboxes whose root may not be the host's, so
# they are linked statically (glibc crt-static). An explicit --target keeps
# the flag away from build scripts and from the host-side crates above.
host=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="-C target-feature=+crt-static" cargo build $flag --locked \
    --manifest-path "$src/Cargo.toml" --target-dir "$target" --target "$host" \
    -p libvirt-sandbox-init --bins
for helper in libvirt-sandbox-init-lxc libvirt-sandbox-init-qemu; do
    cp "$target/$host/$profile/$helper" "$out/$helper"
done
