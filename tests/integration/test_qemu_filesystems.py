#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Filesystems of QEMU sandboxes against a real libvirtd (qemu:///system, TCG):
host binds (virtio-fs), temporary dirs, RAM mounts, filesystem images and --disks
(virtio disks), guest binds and includes, the same assertions as the LXC
tests. A VM start costs seconds under TCG, so each test groups several checks
into one sandbox run; the base class checks that nothing is left behind."""
import os
import pwd
import shutil
import subprocess
import time
import unittest

import sandboxtest
from sandboxtest import TIMEOUT, VIRT_SANDBOX, SandboxTestCase
from test_lxc_filesystems import FsTestCase, make_ext4_image, read_from_image


# Where the library picks VMs' QEMU uids (src/context/lending.rs).
QEMU_UIDS = range(0x3000_0000, 0x4000_0000)


def owner(path):
    st = os.stat(path)
    return st.st_uid, st.st_gid


def qemu_uids(domain):
    """The uids (real, effective, saved, fs) of the QEMU process of the
    running domain `domain`, or None."""
    needle = f"guest={domain},".encode()
    for n in os.listdir("/proc"):
        if not n.isdigit():
            continue
        try:
            with open(f"/proc/{n}/cmdline", "rb") as f:
                if needle not in f.read():
                    continue
            with open(f"/proc/{n}/status") as f:
                return next([int(u) for u in l.split()[1:]] for l in f if l.startswith("Uid:"))
        except OSError:
            continue
    return None


class QemuFsTestCase(FsTestCase):
    URI = "qemu:///system"

    def setUp(self):
        super().setUp()
        # QEMU runs as an unprivileged user of its own and opens the images
        # itself: their directory must be searchable by it (host binds need
        # not be).
        os.chmod(self.work, 0o711)


class Filesystems(QemuFsTestCase):
    def test_binds_ram_includes_and_read_only_root(self):
        home = self.mkdir("home", {"seen": "from host\n"})
        os.makedirs(os.path.join(home, "scratch"))
        with open(self.path("single.txt"), "w") as f:
            f.write("single\n")
        os.chmod(self.path("single.txt"), 0o640)
        tree = self.mkdir("tree", {"a": "a\n"})
        with open(self.path("list"), "w") as f:
            f.write(f"# a comment\n/var/tmp/listed={self.path('single.txt')}\n")
        script = "; ".join([
            "cat /mnt/seen",
            "echo from-sandbox > /mnt/made",
            "ls -A /tmp | wc -l",
            "stat -c %u /tmp",
            "echo t > /tmp/t && cat /tmp/t",
            "grep ' /var/tmp ' /proc/mounts",
            "cat /var/tmp/listed",
            "cat /mnt/one.txt; stat -c %a /mnt/one.txt",
            "find /tmp/tree | sort",
            "echo via-bind > /srv/b",
            "echo x > /usr/.sandbox-write-test || echo EROFS",
        ])
        out = self.run_ok(script,
                          "-m", f"host-bind:/mnt={home}", "-m", "host-bind:/tmp=",
                          "-m", "ram:/var/tmp=8M", "-m", "guest-bind:/srv=/mnt/scratch",
                          "-i", f"/mnt/one.txt={self.path('single.txt')}",
                          "-i", f"/tmp/tree={tree}", "-I", self.path("list"))
        lines = out.splitlines()
        # The temporary /tmp is empty but for the include.
        self.assertEqual(lines[:4], ["from host", "1", str(os.geteuid()), "t"])
        tmpfs = lines[4].split()
        self.assertEqual(tmpfs[2], "tmpfs")
        for option in ("nosuid", "nodev", "size=8192k"):
            self.assertIn(option, tmpfs[3])
        self.assertEqual(lines[5:], ["single", "single", "640", "/tmp/tree", "/tmp/tree/a",
                                     "EROFS"])
        # Persisted on the host, with the sandbox user's ownership.
        with open(os.path.join(home, "made")) as f:
            self.assertEqual(f.read(), "from-sandbox\n")
        self.assertEqual(owner(os.path.join(home, "made")), (os.geteuid(), os.getegid()))
        with open(os.path.join(home, "scratch", "b")) as f:
            self.assertEqual(f.read(), "via-bind\n")
        self.assertEqual(sorted(os.listdir(home)), ["made", "one.txt", "scratch", "seen"])
        self.assertFalse(os.path.exists("/usr/.sandbox-write-test"))

    def test_another_user_writes_as_itself(self):
        nobody = self.mkdir("nobody")
        os.chown(nobody, 65534, 65534)
        rootdir = self.mkdir("root-owned")
        include = os.path.join(self.mkdir("src", {"f": "x\n"}), "f")
        out = self.run_ok("id -u; echo n > /mnt/n; cat /mnt/inc; stat -c %u /mnt/inc; "
                          "echo r > /srv/r || echo denied; echo v > /var/tmp/v && echo ram-ok",
                          "-S", "nobody", "-m", f"host-bind:/mnt={nobody}",
                          "-m", f"host-bind:/srv={rootdir}", "-m", "ram:/var/tmp=1M",
                          "-i", f"/mnt/inc={include}")
        self.assertEqual(out.split(), ["65534", "x", "65534", "denied", "ram-ok"])
        self.assertEqual(owner(os.path.join(nobody, "n")), (65534, 65534))
        self.assertEqual(owner(os.path.join(nobody, "inc")), (65534, 65534))
        self.assertEqual(os.listdir(rootdir), [])

    def test_qemu_is_unprivileged_and_bind_writes_keep_the_sandbox_user(self):
        libvirt_qemu = pwd.getpwnam("libvirt-qemu").pw_uid
        for user, expected in ((None, (os.geteuid(), os.getegid())),
                               ("nobody", (65534, 65534))):
            with self.subTest(user=user or "caller"):
                grant = self.mkdir(f"grant-{user or 'caller'}")
                os.chmod(grant, 0o777)
                name = f"vfs-{user or 'caller'}-{os.getpid()}"
                cmd = [VIRT_SANDBOX, "-c", self.URI, "-n", name, "-m", f"host-bind:/mnt={grant}",
                       *(["-S", user] if user else []), "--", "/bin/sh", "-c",
                       "echo w > /mnt/written; "
                       "while [ ! -e /mnt/done ]; do sleep 0.05; done; echo finished"]
                proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                uids = None
                try:
                    deadline = time.monotonic() + TIMEOUT
                    written = os.path.join(grant, "written")
                    while not os.path.exists(written) and time.monotonic() < deadline:
                        self.assertIsNone(proc.poll(), "the sandbox ended early")
                        time.sleep(0.05)
                    # The guest is running: so is its QEMU, as its own user.
                    uids = qemu_uids(name)
                finally:
                    with open(os.path.join(grant, "done"), "w"):
                        pass
                    out, err = proc.communicate(timeout=TIMEOUT)
                self.assertEqual(proc.returncode, 0, err)
                self.assertEqual(out, b"finished\n")
                self.assertIsNotNone(uids, f"no QEMU of {name} found")
                self.assertEqual(len(set(uids)), 1, f"QEMU of {name} runs as {uids}")
                # A uid of the VM's own: neither root nor the libvirt-qemu
                # every other VM runs as.
                self.assertIn(uids[0], QEMU_UIDS, f"QEMU of {name} runs as {uids}")
                self.assertNotEqual(uids[0], libvirt_qemu)
                self.assertEqual(owner(written), expected)


@unittest.skipUnless(shutil.which("qemu-img"), "needs qemu-img (qemu-utils)")
class Images(QemuFsTestCase):
    def test_images_guest_bind_and_disks(self):
        raw = self.path("mnt.img")
        make_ext4_image(raw, {"img": "raw image\n"})
        seed = self.path("seed.img")
        make_ext4_image(seed, {"img": "qcow2 image\n"})
        qcow2 = self.path("srv.qcow2")
        subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", seed, qcow2],
                       check=True)
        data = self.path("data.img")
        subprocess.run(["truncate", "-s", "1M", data], check=True)
        # The images are lent to QEMU's user for the run only.
        os.chown(raw, 65534, 65534)
        os.chmod(raw, 0o600)
        os.chmod(data, 0o640)
        before = {p: (os.stat(p).st_uid, os.stat(p).st_gid, os.stat(p).st_mode)
                  for p in (raw, qcow2, data)}
        # An overlay: QEMU reads its 0600 backing file, lent to it too.
        tagged = self.path("tagged.qcow2")
        os.chmod(seed, 0o600)
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", seed,
                        tagged], check=True)
        before.update({p: (os.stat(p).st_uid, os.stat(p).st_gid, os.stat(p).st_mode)
                       for p in (seed, tagged)})
        uuid = subprocess.run(["blkid", "-s", "UUID", "-o", "value", seed], check=True,
                              capture_output=True, text=True).stdout.strip()
        out = self.run_ok(
            "cat /mnt/img /srv/img; echo written > /mnt/new; echo q > /srv/newq; "
            "cat /var/tmp/new; echo data-written > /dev/disk/by-tag/data; "
            "blkid -s UUID -o value /dev/disk/by-tag/tagged; grep -c ' ext4 ' /proc/mounts",
            "-m", f"host-image:/mnt={raw}", "-m", f"host-image:/srv={qcow2},format=qcow2",
            "-m", "guest-bind:/var/tmp=/mnt",
            "--disk", f"file:data={data}", "--disk", f"file:tagged={tagged},format=qcow2")
        self.assertEqual(out.split(), ["raw", "image", "qcow2", "image", "written", uuid, "3"])
        self.assertEqual(read_from_image(raw, "new"), "written\n")
        back = self.path("back.img")
        subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", qcow2, back],
                       check=True)
        self.assertEqual(read_from_image(back, "newq"), "q\n")
        with open(data, "rb") as f:
            self.assertEqual(f.read(13), b"data-written\n")
        after = {p: (os.stat(p).st_uid, os.stat(p).st_gid, os.stat(p).st_mode) for p in before}
        self.assertEqual(after, before, "owners and modes restored after the run")
        for p in before:
            self.assertNotIn("system.posix_acl_access", os.listxattr(p),
                             f"{p} keeps an ACL after the run")

    def test_image_in_a_directory_qemu_cannot_search_is_refused(self):
        closed = self.mkdir("closed")
        os.chmod(closed, 0o700)
        data = os.path.join(closed, "data.img")
        subprocess.run(["truncate", "-s", "1M", data], check=True)
        r = self.sandbox("/bin/true", options=["--disk", f"file:data={data}"])
        self.assertNotEqual(r.returncode, 0)
        err = r.stderr.decode()
        self.assertIn(f"'{closed}'", err)
        self.assertIn("libvirt-qemu", err)
        self.assertIn("searchable", err)


# A sandbox with a block --disk, which the API takes (the CLI's --disk, like
# the original's, only parses file disks): argv = DEVICE COMMAND...
BLOCK_DISK_SANDBOX = """
import os, sys
import gi
gi.require_version("LibvirtGConfig", "1.0")
gi.require_version("LibvirtGObject", "1.0")
gi.require_version("LibvirtSandbox", "1.0")
from gi.repository import GLib, GObject, LibvirtGConfig, LibvirtGObject, LibvirtSandbox
LibvirtSandbox.init_object_check(None)
cfg = LibvirtSandbox.ConfigInteractive.new("sandbox")
cfg.set_command(sys.argv[2:])
disk = GObject.new(LibvirtSandbox.ConfigDisk, tag="blk", source=sys.argv[1],
                   type=LibvirtGConfig.DomainDiskType.BLOCK)
cfg.add_disk(disk)
conn = LibvirtGObject.Connection.new("qemu:///system")
conn.open(None)
ctxt = LibvirtSandbox.ContextInteractive.new(conn, cfg)
ctxt.start()
status = 0
loop = GLib.MainLoop()
def exited(_console, wait_status):
    global status
    status = os.waitstatus_to_exitcode(wait_status)
con = ctxt.get_app_console()
con.connect("exited", exited)
con.connect("closed", lambda _console, _error: loop.quit())
con.attach_stdio()
loop.run()
con.detach()
ctxt.stop()
sys.exit(status)
"""


@unittest.skipUnless(os.environ.get("GI_TYPELIB_PATH"), "needs the built typelib")
class BlockDisk(QemuFsTestCase):
    def test_block_device_by_tag(self):
        image = self.path("blk.img")
        make_ext4_image(image, {"x": "x\n"})
        uuid = subprocess.run(["blkid", "-s", "UUID", "-o", "value", image], check=True,
                              capture_output=True, text=True).stdout.strip()
        device = subprocess.run(["losetup", "--find", "--show", image], check=True,
                                capture_output=True, text=True).stdout.strip()
        try:
            r = subprocess.run(
                ["/usr/bin/python3", "-c", BLOCK_DISK_SANDBOX, device, "/bin/sh", "-c",
                 "blkid -s UUID -o value /dev/disk/by-tag/blk; readlink -f /dev/disk/by-tag/blk"],
                stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        finally:
            subprocess.run(["losetup", "--detach", device], check=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode().split()[0], uuid)
        self.assertRegex(r.stdout.decode().split()[1], r"^/dev/vd[a-z]+$")


class BadSpecs(SandboxTestCase):
    URI = "qemu:///system"

    def check_rejected(self, *options, mentions):
        r = self.sandbox("/bin/true", options=options)
        self.assertEqual(r.returncode, 2, r.stderr)
        lines = r.stderr.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(mentions, lines[0])

    def test_rejected_before_any_vm_starts(self):
        self.check_rejected("-m", "host-bind:/=/tmp", mentions="not supported in virtual-machine")
        self.check_rejected("-m", "host-image:/mnt=/etc/hostname,format=vmdk",
                            mentions="use raw or qcow2")
        self.check_rejected("--disk", "file:d=/etc/hostname,format=vmdk",
                            mentions="use raw or qcow2")
        self.check_rejected("--disk", "file:d=/nonexistent.img", mentions="/nonexistent.img")
        self.check_rejected("-m", "host-bind:/no-such-dir=/tmp", mentions="/no-such-dir")

    def test_host_bind_without_virtiofsd_is_refused(self):
        # Never a silent fall-back to a QEMU running as root.
        env = dict(os.environ, LIBVIRT_SANDBOX_VIRTIOFSD="/nonexistent/virtiofsd")
        r = subprocess.run([VIRT_SANDBOX, "-c", self.URI, "-m", "host-bind:/mnt=/tmp", "--",
                            "/bin/true"], env=env, capture_output=True, timeout=TIMEOUT)
        self.assertNotEqual(r.returncode, 0)
        err = r.stderr.decode()
        self.assertIn("host-bind:/mnt=/tmp", err)
        self.assertIn("virtiofsd", err)
        self.assertIn("LIBVIRT_SANDBOX_VIRTIOFSD", err)


if __name__ == "__main__":
    sandboxtest.main()
