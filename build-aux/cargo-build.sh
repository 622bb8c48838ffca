#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Called by meson: builds the Rust parts with cargo and copies them into
# meson's build directory.
#   cargo-build.sh CARGO SRCDIR TARGETDIR PROFILE OUTDIR LIBEXECDIR HOST VERSION HELPER-STRIP
# Produces in OUTDIR: libvirt_sandbox_rs.a (linked whole into the .so), the
# virt-sandbox CLI, virt-sandbox-mangen (writes its man page; not installed)
# and the statically linked guest init helpers (init-qemu becomes the /init
# of QEMU sandboxes' initrd). HOST is rustc's host triple. HELPER-STRIP is
# what cargo strips from the guest init helpers: none (meson's debug,
# debugoptimized and plain builds) or debuginfo (release, minsize, -Dstrip).
#
# Meson runs this on every build and before `meson install`. When nothing
# cargo reads changed since the last successful run (the sources, Cargo.toml,
# Cargo.lock, .cargo/, vendor/, these arguments and the flag variables below)
# it exits at once without running cargo, so `sudo meson install` works with
# no cargo on root's PATH.
set -eu
cargo=$1 src=$2 target=$3 profile=$4 out=$5 libexecdir=$6 host=$7 version=$8 helper_strip=$9
outputs="libvirt_sandbox_rs.a virt-sandbox virt-sandbox-mangen virt-sandbox-service libvirt-sandbox-init-lxc libvirt-sandbox-init-qemu"
stamp=$out/cargo-build.stamp
script=$0

key=$(printf '%s\n' "$@"; env | grep -E '^(RUSTFLAGS|CARGO_ENCODED_RUSTFLAGS|RUSTC|RUSTC_WRAPPER|CARGO_PROFILE_[A-Z0-9_]*|CARGO_BUILD_[A-Z0-9_]*)=' | LC_ALL=C sort || :)
up_to_date() {
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] || return 1
    for o in $outputs; do [ -f "$out/$o" ] || return 1; done
    set -- "$src/Cargo.toml" "$src/Cargo.lock" "$src/src" "$src/capi" "$src/init" "$src/proto" "$script"
    for d in "$src/.cargo" "$src/vendor"; do [ ! -e "$d" ] || set -- "$@" "$d"; done
    [ -z "$(find "$@" -type d -name target -prune -o -newer "$stamp" -print | head -n 1)" ]
}
if up_to_date; then exit 0; fi
if ! command -v "$cargo" >/dev/null 2>&1; then
    echo "cargo-build.sh: the Rust build in $target is out of date and $cargo is not there:" \
        "run 'meson compile' as the user who configured the build, then 'meson install --no-rebuild'" >&2
    exit 1
fi
# Written before cargo starts: a source saved during the build is newer. A
# failed run leaves no stamp, so the next one runs cargo again.
rm -f "$stamp"
printf '%s\n' "$key" >"$stamp.new"

if [ "$profile" = release ]; then flag=--release; else flag=; fi
export LIBVIRT_SANDBOX_LIBEXECDIR="$libexecdir"
# The vendoring/offline configuration of the source tree (.cargo/config.toml,
# see README "Building for distributions") is read from the current directory.
cd "$src"

# Rust flags are added to the caller's, never instead of them: to
# CARGO_ENCODED_RUSTFLAGS or RUSTFLAGS (cargo's order of precedence) or, with
# neither set, to build.rustflags of cargo's config files (cargo appends a
# --config array to theirs). In the environment variables ours come first, so
# a distribution's own --remap-path-prefix for the same directory wins.
us=$(printf '\037')
cargo_with_flags() { # cargo_with_flags "FLAG<US>FLAG..." CARGO-ARGS...
    ours=$1; shift
    if [ -n "${CARGO_ENCODED_RUSTFLAGS+set}" ]; then
        CARGO_ENCODED_RUSTFLAGS="$ours${CARGO_ENCODED_RUSTFLAGS:+$us$CARGO_ENCODED_RUSTFLAGS}" "$cargo" "$@"
    elif [ -n "${RUSTFLAGS+set}" ]; then
        enc=$ours
        set -f
        for w in $RUSTFLAGS; do enc=$enc$us$w; done # cargo splits RUSTFLAGS at blanks
        set +f
        env -u RUSTFLAGS CARGO_ENCODED_RUSTFLAGS="$enc" "$cargo" "$@"
    else
        toml=$(printf '%s' "$ours" | tr '\037' '\n' | sed 's/[\\"]/\\&/g; s/.*/"&"/' | paste -sd, -)
        "$cargo" --config "build.rustflags=[$toml]" "$@"
    fi
}
# No build machine's paths in the binaries (panic locations, debug info):
# the source tree, cargo's registry/git checkouts and the target directory.
cargo_home=${CARGO_HOME:-${HOME:-/root}/.cargo}
remap="--remap-path-prefix=$src=/usr/src/libvirt-sandbox-$version$us--remap-path-prefix=$cargo_home=/cargo$us--remap-path-prefix=$target=/cargo-target"

copy() { # only what changed, so meson relinks only after a real rebuild;
    # renamed into place, so a running virt-sandbox or helper is no obstacle
    cmp -s "$1" "$2" || { cp "$1" "$2.new" && mv -f "$2.new" "$2"; }
}

# The C ABI (the capi crate's staticlib, with the library in it) and the programs.
cargo_with_flags "$remap" build $flag --locked --manifest-path "$src/Cargo.toml" \
    --target-dir "$target" -p libvirt-sandbox-capi --lib -p libvirt-sandbox --bins
copy "$target/$profile/liblibvirt_sandbox_capi.a" "$out/libvirt_sandbox_rs.a"
copy "$target/$profile/virt-sandbox" "$out/virt-sandbox"
copy "$target/$profile/virt-sandbox-mangen" "$out/virt-sandbox-mangen"
copy "$target/$profile/virt-sandbox-service" "$out/virt-sandbox-service"

# The guest helpers run inside sandboxes whose root may not be the host's, so
# they are linked statically (glibc crt-static). An explicit --target keeps
# the flag away from build scripts and from the host-side crates above.
# Their debug info (line tables, and static std's) is kept, as for the
# other programs, except in release/minsize builds (HELPER-STRIP): they are
# copied into every VM's initrd, 2 MB stripped instead of 8 MB.
# CARGO_PROFILE_RELEASE_STRIP, when set, decides instead.
(
    export CARGO_PROFILE_RELEASE_STRIP="${CARGO_PROFILE_RELEASE_STRIP:-$helper_strip}"
    cargo_with_flags "$remap$us-C${us}target-feature=+crt-static" build $flag --locked \
        --manifest-path "$src/Cargo.toml" --target-dir "$target" --target "$host" \
        -p libvirt-sandbox-init --bins
)
for helper in libvirt-sandbox-init-lxc libvirt-sandbox-init-qemu; do
    # A target.<triple>.rustflags in a cargo config would override the
    # build.rustflags that carry crt-static: never ship a dynamic helper.
    if readelf -d "$target/$host/$profile/$helper" | grep -q '(NEEDED)'; then
        echo "cargo-build.sh: $helper is dynamically linked: a target.$host.rustflags" \
            "in a cargo config replaced '-C target-feature=+crt-static'; set RUSTFLAGS instead" >&2
        exit 1
    fi
    copy "$target/$host/$profile/$helper" "$out/$helper"
done
mv "$stamp.new" "$stamp"
