#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the build into a staging directory and runs the gjs, Python and Vala
# binding programs against the installed .so, typelib, vapi and pkg-config file.
#   test-installed.sh BUILDDIR
set -eu
builddir=$1
src=$(pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

meson install -C "$builddir" --destdir "$stage" --quiet
prefix=$stage/usr/local
libdir=$(find "$prefix" -name 'libvirt-sandbox-1.0.so.5' -printf '%h\n' | head -n 1)
typelibdir=$(find "$prefix" -name 'LibvirtSandbox-1.0.typelib' -printf '%h\n' | head -n 1)
vapidir=$(find "$prefix" -name 'libvirt-sandbox-1.0.vapi' -printf '%h\n' | head -n 1)
pcdir=$(find "$prefix" -name 'libvirt-sandbox-1.0.pc' -printf '%h\n' | head -n 1)
for f in "$libdir" "$typelibdir" "$vapidir" "$pcdir" "$prefix/include/libvirt-sandbox-1.0/libvirt-sandbox/libvirt-sandbox.h"; do
    [ -e "$f" ] || { echo "test-installed: missing from the installation: $f" >&2; exit 1; }
done
# The manual pages and, when the build made it, the API reference.
docdir=$prefix/share/doc/libvirt-sandbox-1.0
for page in virt-sandbox virt-sandbox-service; do
    f=$(find "$prefix" -name "$page.1*" | head -n 1)
    [ -n "$f" ] || { echo "test-installed: $page(1) is not installed" >&2; exit 1; }
    if command -v man >/dev/null 2>&1; then
        warnings=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null || echo "man failed on $f")
        [ -z "$warnings" ] || { echo "test-installed: $page(1) renders with warnings: $warnings" >&2; exit 1; }
    fi
done
if [ -d "$builddir/docs/reference/libvirt-sandbox-1.0" ]; then # -Ddocs made it
    for f in "$docdir/index.html" "$docdir/libvirt-sandbox-1.0.devhelp2"; do
        [ -s "$f" ] || { echo "test-installed: the API reference lacks $f" >&2; exit 1; }
    done
    echo "ok - installed manual pages and API reference"
else
    echo "ok - installed manual pages (no API reference in this build)"
fi

export GI_TYPELIB_PATH="$typelibdir" LD_LIBRARY_PATH="$libdir" G_DEBUG=fatal-warnings
# The .pc file says prefix=/usr/local; a copy points at the staging directory
# (PKG_CONFIG_SYSROOT_DIR would also move the system's glib paths).
mkdir "$stage/pkgconfig"
sed "s|^prefix=.*|prefix=$prefix|" "$pcdir/libvirt-sandbox-1.0.pc" \
    >"$stage/pkgconfig/libvirt-sandbox-1.0.pc"
export PKG_CONFIG_PATH="$stage/pkgconfig"

pass=0 fail=0
run() {
    label=$1; shift
    if "$@" >"$stage/$label.log" 2>&1; then
        pass=$((pass + 1)); echo "ok - installed $label"
    else
        fail=$((fail + 1)); echo "not ok - installed $label"; cat "$stage/$label.log"
    fi
}
for f in "$src"/bindings-tests/gjs/*.js; do
    run "gjs-$(basename "$f" .js)" gjs "$f"
done
for f in "$src"/bindings-tests/python/*.py; do
    run "python-$(basename "$f" .py)" /usr/bin/python3 "$f"
done
for f in "$src"/bindings-tests/vala/*.vala "$src"/examples/hello-world.vala; do
    name=vala-$(basename "$f" .vala)
    run "$name-build" valac --vapidir="$vapidir" --pkg libvirt-sandbox-1.0 \
        --pkg libvirt-gobject-1.0 --pkg posix -X -w -o "$stage/$name" "$f"
    case $name in
        vala-hello-world) ;; # runs a sandbox: below
        *) run "$name" "$stage/$name" ;;
    esac
done

# The hello worlds run a real sandbox on lxc:/// with the installed guest helpers.
initdir=$(find "$prefix" -name 'libvirt-sandbox-init-lxc' -printf '%h\n' | head -n 1)
export LIBVIRT_SANDBOX_INIT_DIR="$initdir" LIBVIRT_DEFAULT_URI=lxc:///
run gjs-hello-world sh -c 'test "$(gjs "$1"/examples/hello-world.js /bin/echo hi)" = hi' sh "$src"
run vala-hello-world sh -c 'test "$("$1" /bin/echo hi)" = hi' sh "$stage/vala-hello-world"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
