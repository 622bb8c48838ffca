#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# meson dist script: puts every crate of Cargo.lock into the release tarball
# (vendor/) with the cargo configuration that uses them (.cargo/config.toml),
# so the tarball builds with no network (README "Building for distributions").
#   dist-vendor.sh CARGO
set -eu
cargo=$1
cd "$MESON_DIST_ROOT"
mkdir -p .cargo
"$cargo" vendor --locked --versioned-dirs vendor >.cargo/config.toml.new
cat >>.cargo/config.toml.new <<'END'

# Release tarballs build offline from vendor/ (written by build-aux/dist-vendor.sh).
[net]
offline = true
END
mv .cargo/config.toml.new .cargo/config.toml
