#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Filesystems of LXC sandboxes against a real libvirtd: every mount type,
includes, and bad specs (the original test plan's sections 2 and 3). Each test
checks what the command sees and what persists on the host; the base class
checks that no domain, state directory (holding temporary dirs) or mount is
left behind."""
import os
import shutil
import subprocess
import tempfile
import unittest

import sandboxtest
from sandboxtest import SandboxTestCase


def make_ext4_image(path, files=None):
    """A 32 MiB ext4 image holding `files` ({name: text})."""
    with tempfile.TemporaryDirectory() as content:
        for name, text in (files or {}).items():
            with open(os.path.join(content, name), "w") as f:
                f.write(text)
        subprocess.run(["truncate", "-s", "32M", path], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-d", content, path], check=True)


def make_busybox_root(path):
    """A minimal root tree: static busybox as /bin/sh and friends, the
    directories the inits mount on, and /etc/marker."""
    for d in ("bin", "dev", "proc", "sys", "tmp", "etc"):
        os.makedirs(os.path.join(path, d))
    shutil.copy("/bin/busybox", os.path.join(path, "bin", "busybox"))
    for applet in ("sh", "cat", "ls", "id"):
        os.symlink("busybox", os.path.join(path, "bin", applet))
    with open(os.path.join(path, "etc", "marker"), "w") as f:
        f.write("custom root\n")


def read_from_image(path, name):
    r = subprocess.run(["debugfs", "-R", f"cat /{name}", path], check=True,
                       capture_output=True, text=True)
    return r.stdout


class FsTestCase(SandboxTestCase):
    """Gives each test a host work directory."""

    def setUp(self):
        super().setUp()
        self.work = tempfile.mkdtemp(prefix="sandbox-fs-test-")
        self.addCleanup(shutil.rmtree, self.work)

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def mkdir(self, name, files=None):
        d = self.path(name)
        os.makedirs(d)
        for fname, text in (files or {}).items():
            with open(os.path.join(d, fname), "w") as f:
                f.write(text)
        return d

    def run_ok(self, script, *options):
        r = self.sandbox("/bin/sh", "-c", script, options=options)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode()


class Filesystems(FsTestCase):
    def test_host_fs_only_is_read_only(self):
        r = self.sandbox("/bin/sh", "-c", "echo x > /var/sandbox-should-fail")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"Read-only file system", r.stderr)
        self.assertFalse(os.path.exists("/var/sandbox-should-fail"))

    def test_tmp_is_private_and_writable(self):
        # /tmp, /var/tmp, /run and /dev/shm are the sandbox's own tmpfs.
        out = self.run_ok("for d in /tmp /var/tmp /run /dev/shm; do "
                          "echo x > $d/sandbox-private && ls -A $d | wc -l; done")
        self.assertEqual(out.split(), ["1", "1", "1", "1"])
        self.assertFalse(os.path.exists("/tmp/sandbox-private"))

    def test_tmp_dir(self):
        tmp = self.mkdir("tmp", {"seen": "from host\n"})
        out = self.run_ok("cat /tmp/seen; echo from sandbox > /tmp/made",
                          "-m", f"host-bind:/tmp={tmp}")
        self.assertEqual(out, "from host\n")
        with open(os.path.join(tmp, "made")) as f:
            self.assertEqual(f.read(), "from sandbox\n")

    def test_tmp_tempdir(self):
        out = self.run_ok("ls -A /tmp | wc -l; echo hi > /tmp/x; cat /tmp/x; stat -c %u /tmp",
                          "-m", "host-bind:/tmp=")
        self.assertEqual(out.split(), ["0", "hi", str(os.geteuid())])
        # tearDown: the temporary directory went with the state directory.

    def test_home_dir_and_tmp_tempdir(self):
        home = self.mkdir("home")
        self.run_ok("echo kept > /home/kept; echo gone > /tmp/gone",
                    "-m", f"host-bind:/home={home}", "-m", "host-bind:/tmp=")
        self.assertEqual(os.listdir(home), ["kept"])

    def test_home_image(self):
        image = self.path("home.img")
        make_ext4_image(image, {"inside": "in the image\n"})
        out = self.run_ok("cat /home/inside; echo written > /home/new",
                          "-m", f"host-image:/home={image}")
        self.assertEqual(out, "in the image\n")
        self.assertEqual(read_from_image(image, "new"), "written\n")

    def test_mnt_image_home_bind_tmp_guest_bind(self):
        image = self.path("mnt.img")
        make_ext4_image(image, {"img": "image\n"})
        home = self.mkdir("home", {"h": "home\n"})
        os.makedirs(os.path.join(home, "scratch"))
        out = self.run_ok(
            "cat /mnt/img /home/h; echo via-tmp > /tmp/t; cat /home/scratch/t",
            "-m", f"host-image:/mnt={image}", "-m", f"host-bind:/home={home}",
            "-m", "guest-bind:/tmp=/home/scratch")
        self.assertEqual(out, "image\nhome\nvia-tmp\n")
        with open(os.path.join(home, "scratch", "t")) as f:
            self.assertEqual(f.read(), "via-tmp\n")

    def test_ram(self):
        out = self.run_ok("grep ' /tmp ' /proc/mounts; echo x > /tmp/x && echo ok",
                          "-m", "ram:/tmp=8M")
        fields = out.split()
        self.assertEqual(fields[2], "tmpfs")
        self.assertIn("nosuid", fields[3])
        self.assertIn("nodev", fields[3])
        self.assertIn("size=8192k", fields[3])
        self.assertEqual(fields[-1], "ok")

    def test_custom_root(self):
        root = self.path("root")
        make_busybox_root(root)
        out = self.run_ok("cat /etc/marker; ls /bin | wc -l; touch /etc/x || echo read-only",
                          "-r", root)
        self.assertEqual(out.split(), ["custom", "root", "5", "read-only"])

    def test_outside_writable_mounts_is_read_only(self):
        r = self.sandbox("/bin/sh", "-c", "echo x > /var/sandbox-test", options=("-m", "ram:/tmp=1M"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"Read-only file system", r.stderr)


class Disks(FsTestCase):
    def test_image_disk_by_tag(self):
        image = self.path("home.img")
        make_ext4_image(image, {"x": "x\n"})
        uuid = subprocess.run(["blkid", "-s", "UUID", "-o", "value", image], check=True,
                              capture_output=True, text=True).stdout.strip()
        out = self.run_ok("blkid -s UUID -o value /dev/disk/by-tag/home",
                          "--disk", f"file:home={image}")
        self.assertEqual(out.strip(), uuid)

    def test_disk_belongs_to_the_sandbox_user(self):
        image = self.path("data.img")
        subprocess.run(["truncate", "-s", "1M", image], check=True)
        self.run_ok("echo written-by-nobody > /dev/disk/by-tag/data",
                    "-S", "nobody", "--disk", f"file:data={image}")
        with open(image, "rb") as f:
            self.assertEqual(f.read(17), b"written-by-nobody")

    def test_bad_disks(self):
        qcow2 = self.path("x.qcow2")
        with open(qcow2, "w") as f:
            f.write("not really qcow2")
        for spec, mentions in [(f"file:d={self.path('missing.img')}", b"missing.img"),
                               (f"file:d={qcow2},format=qcow2", b"raw images only"),
                               ("floppy:d=/dev/null", b"floppy")]:
            r = self.sandbox("/bin/true", options=("--disk", spec))
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn(mentions, r.stderr)


class Includes(FsTestCase):
    def source_files(self):
        with open(self.path("single.txt"), "w") as f:
            f.write("single\n")
        os.chmod(self.path("single.txt"), 0o640)
        tree = self.mkdir("tree", {"a": "a\n"})
        os.makedirs(os.path.join(tree, "sub"))
        with open(os.path.join(tree, "sub", "run.sh"), "w") as f:
            f.write("#!/bin/sh\necho ran\n")
        os.chmod(os.path.join(tree, "sub", "run.sh"), 0o755)

    def test_file_dir_and_list_into_a_dir(self):
        self.source_files()
        dest = self.mkdir("dest")
        listing = self.path("list")
        with open(listing, "w") as f:
            f.write(f"# a comment\n/tmp/listed={self.path('single.txt')}\n\n")
        out = self.run_ok(
            "cat /tmp/one.txt; stat -c %a /tmp/one.txt; /tmp/tree/sub/run.sh; cat /tmp/listed",
            "-m", f"host-bind:/tmp={dest}",
            "-i", f"/tmp/one.txt={self.path('single.txt')}",
            "-i", f"/tmp/tree={self.path('tree')}",
            "-I", listing)
        self.assertEqual(out, "single\n640\nran\nsingle\n")
        # Copied into the host directory, so they persist.
        self.assertEqual(sorted(os.listdir(dest)), ["listed", "one.txt", "tree"])

    def test_into_a_tempdir(self):
        self.source_files()
        out = self.run_ok("find /tmp | sort",
                          "-m", "host-bind:/tmp=", "-i", f"/tmp/tree={self.path('tree')}")
        self.assertEqual(out.split(), ["/tmp", "/tmp/tree", "/tmp/tree/a", "/tmp/tree/sub",
                                       "/tmp/tree/sub/run.sh"])

    def test_include_with_same_host_and_guest_path(self):
        self.source_files()
        single = self.path("single.txt")
        out = self.run_ok(f"cat {single}", "-m", "ram:/tmp=1M", "-i", single)
        self.assertEqual(out, "single\n")


class BadSpecs(SandboxTestCase):
    def check_rejected(self, *options, mentions):
        r = self.sandbox("/bin/true", options=options)
        self.assertEqual(r.returncode, 2, r.stderr)
        lines = r.stderr.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(mentions, lines[0])

    def test_unknown_type(self):
        self.check_rejected("-m", "floppy:/mnt=/x", mentions="unknown type 'floppy'")

    def test_missing_equals(self):
        self.check_rejected("-m", "host-bind:/mnt", mentions="missing '='")

    def test_relative_target(self):
        self.check_rejected("-m", "host-bind:mnt=/tmp", mentions="mnt")

    def test_nonexistent_source(self):
        self.check_rejected("-m", "host-bind:/mnt=/nonexistent/dir", mentions="/nonexistent/dir")

    def test_nonexistent_image(self):
        self.check_rejected("-m", "host-image:/mnt=/nonexistent.img", mentions="/nonexistent.img")

    def test_unsupported_format(self):
        self.check_rejected("-m", "host-image:/mnt=/x.img,format=floppy", mentions="floppy")

    def test_missing_target_on_read_only_root(self):
        self.check_rejected("-m", "host-bind:/no-such-dir=/tmp", mentions="/no-such-dir")

    def test_include_outside_every_mount(self):
        self.check_rejected("-i", "/etc/hosts", mentions="no mount contains '/etc/hosts'")

    def test_nonexistent_include(self):
        self.check_rejected("-m", "ram:/tmp=1M", "-i", "/tmp/nonexistent-include",
                            mentions="/tmp/nonexistent-include")


if __name__ == "__main__":
    sandboxtest.main()
