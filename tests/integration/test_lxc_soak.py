#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Many sandboxes, nothing left: 50 LXC sandboxes at once and 100 one after
the other all give their command's output and status, and afterwards
libvirtd holds no more file descriptors than before (a little slack for
its own caches), and there are no more state directories, loop devices,
host mounts or entries in libvirt's /run/libvirt/lxc than before."""
import concurrent.futures
import os
import subprocess

import sandboxtest
from sandboxtest import (TIMEOUT, VIRT_SANDBOX, SandboxTestCase, host_mounts, loop_devices,
                         state_dirs)

LXC_STATE = "/run/libvirt/lxc"
# libvirtd may keep a few descriptors open for caches it fills on first use.
FD_SLACK = 8


def libvirtd_fds():
    with open("/var/run/libvirtd.pid") as f:
        pid = int(f.read().strip())
    return len(os.listdir(f"/proc/{pid}/fd"))


def lxc_entries():
    try:
        return set(os.listdir(LXC_STATE))
    except FileNotFoundError:
        return set()


class Soak(SandboxTestCase):
    def resources(self):
        return {"libvirtd fds": libvirtd_fds(), "state dirs": state_dirs(),
                "loop devices": loop_devices(), "mounts": host_mounts(),
                "/run/libvirt/lxc": lxc_entries()}

    def assertNoGrowth(self, before, after):
        self.assertLessEqual(after["libvirtd fds"], before["libvirtd fds"] + FD_SLACK,
                             "libvirtd's file descriptors grew")
        for what in ("state dirs", "loop devices", "mounts", "/run/libvirt/lxc"):
            self.assertEqual(after[what] - before[what], set(), f"new {what} left")

    def run_one(self, name):
        return subprocess.run([VIRT_SANDBOX, "-c", self.URI, "-n", name, "--",
                               "/bin/sh", "-c", f"echo {name}; exit 3"],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)

    def test_fifty_at_once_then_nothing_left(self):
        before = self.resources()
        names = [f"soak{os.getpid()}-{i}" for i in range(50)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(self.run_one, names))
        wrong = {n: (r.returncode, r.stdout, r.stderr[-200:]) for n, r in zip(names, results)
                 if (r.returncode, r.stdout) != (3, f"{n}\n".encode())}
        self.assertEqual(wrong, {})
        self.assertNoGrowth(before, self.resources())

    def test_a_hundred_in_a_row_then_nothing_left(self):
        before = self.resources()
        for i in range(100):
            name = f"seq{os.getpid()}-{i}"
            r = self.run_one(name)
            self.assertEqual((r.returncode, r.stdout), (3, f"{name}\n".encode()), r.stderr)
        self.assertNoGrowth(before, self.resources())


if __name__ == "__main__":
    sandboxtest.main()
