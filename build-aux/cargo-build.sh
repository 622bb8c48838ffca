#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Called by meson: builds the Rust static library (and the guest init helpers)
# with cargo and copies the library to meson's output path.
#   cargo-build.sh SRCDIR TARGETDIR OUTPUT PROFILE
set -eu
src=$1 target=$2 output=$3 profile=$4
if [ "$profile" = release ]; then flag=--release; else flag=; fi
cargo build $flag --locked --manifest-path "$src/Cargo.toml" --target-dir "$target" -p libvirt-sandbox --lib
cp "$target/$profile/liblibvirt_sandbox.a" "$output"
