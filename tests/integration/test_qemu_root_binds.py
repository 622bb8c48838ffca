#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The VM root and host binds on the file-system backend of
$LIBVIRT_SANDBOX_FS_BACKEND (virtiofs or p9; meson runs both variants):

- the read-only root stays read-only for root inside (-p): a remount
  read-write, then a write, fails and the host file (writable by everyone)
  is unchanged: the daemon refuses, not only the guest's mount flags;
- hard links, symlinks, user xattrs and a large sparse file (> 2 GiB) made
  through a writable host bind land on the host with the sandbox user's
  ownership;
- QEMU runs unprivileged (a uid of the VM's own, never 0) during a sandbox
  with a host bind, and so does the root's virtiofsd on virtiofs;
- the virtio-fs daemons and their sockets are gone after a normal exit and
  after SIGKILL of the CLI."""
import glob
import os
import pwd
import signal
import subprocess
import tempfile
import time
import unittest

import sandboxtest
from sandboxtest import TIMEOUT, VIRT_SANDBOX, SandboxTestCase, host_pids
from test_qemu_filesystems import QEMU_UIDS, qemu_uids

BACKEND = os.environ.get("LIBVIRT_SANDBOX_FS_BACKEND") or "virtiofs"
ROOT_FSTYPE = {"virtiofs": "virtiofs", "p9": "9p"}[BACKEND]
ROOT_FS = "awk '$2 == \"/\" {print \"rootfs=\" $3}' /proc/mounts"


def uids_of(pid):
    with open(f"/proc/{pid}/status") as f:
        return next([int(u) for u in l.split()[1:]] for l in f if l.startswith("Uid:"))


def virtiofsd_pids(source):
    """virtiofsd processes serving exactly host directory `source`."""
    found = []
    for pid in host_pids("virtiofsd"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                words = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if not words[0].endswith("virtiofsd"):
            continue
        options = ",".join(words[1:]).replace(" ", ",").split(",")
        if f"source={source}" in options or f"--shared-dir={source}" in options:
            found.append(pid)
    return found


def fs_sockets(domain):
    """libvirt's virtio-fs sockets and pid files of `domain`."""
    found = []
    for pattern in (f"/var/lib/libvirt/qemu/domain-*-{domain}/*fs*.sock",
                    f"/run/libvirt/qemu/*-{domain}-fs*",
                    f"/var/run/libvirt/qemu/*-{domain}-fs*"):
        found += glob.glob(pattern)
    return sorted(set(found))


class RootAndBinds(SandboxTestCase):
    URI = "qemu:///system"

    def setUp(self):
        super().setUp()
        # Not under /tmp, /run or /var/tmp: those are the guest's own tmpfs.
        self.work = tempfile.mkdtemp(prefix="sandbox-rootbinds-", dir="/var/local")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.work])
        # Everyone may enter and write: only the daemon stands between the
        # guest and these files.
        os.chmod(self.work, 0o777)

    def name(self, what):
        # libvirt names a domain's files by its first 20 characters.
        return f"rb-{what[:4]}-{os.getpid()}"

    def test_root_stays_read_only_for_root_inside(self):
        probe = os.path.join(self.work, "probe")
        with open(probe, "w") as f:
            f.write("host\n")
        os.chmod(probe, 0o666)
        script = (f"{ROOT_FS}; mount -o remount,rw / && echo remounted; "
                  f"if echo guest > {probe}; then echo WROTE; fi; "
                  f"if touch {self.work}/new; then echo CREATED; fi; cat {probe}")
        r = self.sandbox("/bin/sh", "-c", script, options=["-p"])
        out = r.stdout.decode()
        self.assertIn(f"rootfs={ROOT_FSTYPE}\n", out, r.stderr)
        self.assertNotIn("WROTE", out)
        self.assertNotIn("CREATED", out)
        self.assertIn("host\n", out)
        with open(probe) as f:
            self.assertEqual(f.read(), "host\n")
        self.assertFalse(os.path.exists(os.path.join(self.work, "new")))

    def test_links_xattrs_and_large_files_through_a_bind(self):
        nobody = pwd.getpwnam("nobody")
        bind = os.path.join(self.work, "bind")
        os.mkdir(bind)
        os.chmod(bind, 0o777)
        big = 3 << 30
        script = f"""
import os
os.chdir("/mnt")
with open("f", "w") as f:
    f.write("data\\n")
os.link("f", "hard")
os.symlink("f", "sym")
os.setxattr("f", "user.sandbox", b"hello")
with open("big", "wb") as f:
    f.seek({big})
    f.write(b"end")
print("nlink", os.stat("f").st_nlink, "xattr", os.getxattr("f", "user.sandbox").decode(),
      "big", os.stat("big").st_size, "ok")
"""
        r = self.sandbox("/usr/bin/python3", "-c", script,
                         options=["-S", "nobody", "-m", f"host-bind:/mnt={bind}"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode(),
                         f"nlink 2 xattr hello big {big + 3} ok\n")
        f = os.path.join(bind, "f")
        self.assertEqual(os.stat(f).st_nlink, 2)
        self.assertTrue(os.path.samefile(f, os.path.join(bind, "hard")))
        self.assertEqual(os.readlink(os.path.join(bind, "sym")), "f")
        self.assertEqual(os.getxattr(f, "user.sandbox"), b"hello")
        st = os.stat(os.path.join(bind, "big"))
        self.assertEqual(st.st_size, big + 3)
        self.assertLess(st.st_blocks * 512, 1 << 20, "the large file stays sparse")
        with open(os.path.join(bind, "big"), "rb") as fh:
            fh.seek(big)
            self.assertEqual(fh.read(), b"end")
        for entry in ("f", "hard", "sym", "big"):
            st = os.lstat(os.path.join(bind, entry))
            self.assertEqual((st.st_uid, st.st_gid), (nobody.pw_uid, nobody.pw_gid), entry)

    def start_waiting(self, name, bind):
        """Starts a sandbox with host bind `bind` that waits for `bind/go`;
        returns the CLI process once the guest is up."""
        proc = subprocess.Popen(
            [VIRT_SANDBOX, "-c", self.URI, "-n", name, "-m", f"host-bind:/mnt={bind}",
             "--", "/bin/sh", "-c",
             f"{ROOT_FS}; touch /mnt/up; while [ ! -e /mnt/go ]; do sleep 0.1; done"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(os.path.join(bind, "up")):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                out, err = proc.communicate()
                self.fail(f"the sandbox did not come up: {err.decode()}")
            time.sleep(0.1)
        return proc

    def check_running(self, name, bind):
        """While `name` runs: QEMU and the root's daemon are unprivileged; the
        bind's daemon and the sockets exist. Returns what must go."""
        uids = qemu_uids(name)
        self.assertIsNotNone(uids, f"no QEMU of {name}")
        self.assertNotIn(0, uids, f"QEMU of {name} runs as {uids}")
        self.assertIn(uids[0], QEMU_UIDS)
        binds = virtiofsd_pids(bind)
        self.assertTrue(binds, "no virtiofsd serves the bind")
        roots = virtiofsd_pids("/")
        sockets = fs_sockets(name)
        if BACKEND == "virtiofs":
            mine = [p for p in roots if uids_of(p)[0] == uids[0]]
            self.assertEqual(len(mine), 1, f"the root's virtiofsd as QEMU's user: {roots}")
            self.assertEqual(set(uids_of(mine[0])), {uids[0]})
            binds += mine
            self.assertGreaterEqual(len(sockets), 2, sockets)
        else:
            self.assertFalse([p for p in roots if uids_of(p)[0] == uids[0]])
            self.assertGreaterEqual(len(sockets), 1, sockets)
        return binds, sockets

    def wait_gone(self, pids, sockets):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            alive = [p for p in pids if os.path.exists(f"/proc/{p}")]
            left = [s for s in sockets if os.path.exists(s)]
            if not alive and not left:
                return
            time.sleep(0.1)
        self.fail(f"left behind: daemons {alive}, sockets {left}")

    def test_daemons_and_sockets_go_with_the_sandbox(self):
        for how in ("exit", "sigkill"):
            with self.subTest(how=how):
                bind = os.path.join(self.work, how)
                os.mkdir(bind)
                os.chmod(bind, 0o777)
                name = self.name(how)
                proc = self.start_waiting(name, bind)
                try:
                    pids, sockets = self.check_running(name, bind)
                finally:
                    if how == "exit":
                        open(os.path.join(bind, "go"), "w").close()
                        out, err = proc.communicate(timeout=TIMEOUT)
                    else:
                        proc.send_signal(signal.SIGKILL)
                        out, err = proc.communicate(timeout=TIMEOUT)
                if how == "exit":
                    self.assertEqual(proc.returncode, 0, err)
                    self.assertEqual(out.decode(), f"rootfs={ROOT_FSTYPE}\n")
                self.wait_gone(pids, sockets)
        # The killed CLI left its state directory: the next start sweeps it.
        r = self.sandbox("/bin/true")
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    sandboxtest.main()
