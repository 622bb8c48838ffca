#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""virt-sandbox-mkinitrd: the original's example, on the current API.

Writes an initrd for a virtual machine sandbox: the QEMU init helper as
/init and the kernel modules asked for, with their dependencies.

    virt-sandbox-mkinitrd.py [--kver RELEASE] [--kmoddir DIR] [--init PROGRAM]
                             OUTPUT [MODULE.ko...]

Without modules it takes the original example's (virtio-rng, virtio_net).
The init helper defaults to $LIBVIRT_SANDBOX_INIT_DIR's (an uninstalled
build) or the installed one.
"""
import argparse
import os
import sys

import gi

gi.require_version("LibvirtSandbox", "1.0")
from gi.repository import GLib, LibvirtSandbox  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description="Write a sandbox initrd")
    parser.add_argument("--kver", help="kernel release (default: the running kernel)")
    parser.add_argument("--kmoddir", help="module tree (default: /lib/modules/RELEASE)")
    parser.add_argument("--init", help="the program run as /init")
    parser.add_argument("output")
    parser.add_argument("modules", nargs="*", default=["virtio-rng.ko", "virtio_net.ko"])
    args = parser.parse_args()

    LibvirtSandbox.init_check(None)
    config = LibvirtSandbox.ConfigInitrd.new()
    init = args.init
    if init is None and os.environ.get("LIBVIRT_SANDBOX_INIT_DIR"):
        init = os.path.join(os.environ["LIBVIRT_SANDBOX_INIT_DIR"], "libvirt-sandbox-init-qemu")
    if init is not None:
        config.set_init(init)
    if args.kver:
        config.set_kver(args.kver)
    if args.kmoddir:
        config.set_kmoddir(args.kmoddir)
    for module in args.modules:
        config.add_module(module)

    builder = LibvirtSandbox.BuilderInitrd.new()
    try:
        builder.construct(config, args.output)
    except GLib.Error as e:
        print(f"virt-sandbox-mkinitrd: {e.message}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
