// SPDX-License-Identifier: LGPL-2.1-or-later
//! Stage 1 for QEMU: the `/init` of a QEMU sandbox's initrd (statically
//! linked: it runs before any root filesystem is mounted). It mounts the
//! host root over virtio-9p, runs stage 2 and powers the VM off.

fn main() {
    if std::process::id() != 1 {
        eprintln!(
            "libvirt-sandbox-init-qemu: this is the init of a libvirt-sandbox QEMU virtual \
             machine; it only runs as PID 1 of its initrd"
        );
        std::process::exit(1);
    }
    sandbox_init::qemu::main()
}
