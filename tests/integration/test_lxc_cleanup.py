#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a killed virt-sandbox leaves behind (lxc:///): its transient domain
ends with its libvirt connection (AUTODESTROY), and the next sandbox's start
sweeps its state directory (with the sandbox's secret and `-e` values) and
its task-limit cgroup, which nobody else would ever remove."""
import os
import select
import shutil
import subprocess
import time
import unittest

import attacks
import sandboxtest
from sandboxtest import STATE_ROOT, TIMEOUT, VIRT_SANDBOX, SandboxTestCase, domains, state_dirs

PIDS_MACHINE = "/sys/fs/cgroup/pids/machine"


def files_holding(root, needle):
    """The files under `root` whose content holds `needle`."""
    found = []
    for dirpath, _, filenames in os.walk(root, onerror=lambda e: None):
        for n in filenames:
            p = os.path.join(dirpath, n)
            try:
                with open(p, "rb") as f:
                    if needle in f.read():
                        found.append(p)
            except OSError:
                pass  # sockets, vanished files
    return found


class KilledOwner(SandboxTestCase):
    def _remove_leftovers(self, state, cgroup):
        # Only when the sweep failed: the next tests must not trip over them.
        shutil.rmtree(state, ignore_errors=True)
        try:
            os.rmdir(cgroup)
        except OSError:
            pass

    def _first_line(self, p):
        deadline = time.monotonic() + TIMEOUT
        out = b""
        while b"\n" not in out:
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, f"no output from the sandbox: {out!r}")
            ready, _, _ = select.select([p.stdout], [], [], min(left, 1))
            if ready:
                chunk = os.read(p.stdout.fileno(), 4096)
                self.assertTrue(chunk, f"the sandbox ended early: {out!r}")
                out += chunk
        return out

    def test_sigkilled_cli_is_swept_by_the_next_start(self):
        tok = attacks.token()
        name = f"sbxclean{tok}"
        secret = f"sekret-{tok}".encode()
        before = state_dirs()
        p = subprocess.Popen([VIRT_SANDBOX, "-c", self.URI, "-n", name,
                              "-e", f"PASSWORD={secret.decode()}", "--",
                              "/bin/sh", "-c", "echo started; exec sleep 600"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        state = attacks.find_state_dir(before, TIMEOUT, name=name)
        domain = os.path.basename(state)
        cgroup = os.path.join(PIDS_MACHINE, f"{domain}.libvirt-sandbox")
        self.addCleanup(self._remove_leftovers, state, cgroup)
        self.assertEqual(self._first_line(p), b"started\n")
        self.assertIn(domain, domains(self.URI))
        had_cgroup = os.path.isdir(cgroup)
        if os.path.isdir(PIDS_MACHINE):  # cgroup v1: the context's own cgroup
            self.assertTrue(had_cgroup, f"no task cgroup {cgroup} while the sandbox runs")

        p.kill()
        p.wait()
        p.stdout.close()
        p.stderr.close()
        p.stdin.close()
        # libvirt ends a transient domain whose creator's connection closed.
        attacks.wait_for(lambda: domain not in domains(self.URI), 60,
                         f"the end of the killed CLI's domain {domain}", interval=0.05)
        # Nothing of the dead process could clean up after it.
        self.assertTrue(os.path.isdir(state), "the state dir went away by itself")

        r = self.sandbox("/bin/true", options=["-n", f"sbxnext{tok}"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(state),
                         f"the dead sandbox's state dir {state} is still there: "
                         f"{os.listdir(state) if os.path.isdir(state) else None}")
        if had_cgroup:
            self.assertFalse(os.path.exists(cgroup),
                             f"the dead sandbox's task cgroup {cgroup} is still there")
        self.assertEqual(files_holding(STATE_ROOT, secret), [],
                         "the dead sandbox's -e value is left on the host")


if __name__ == "__main__":
    sandboxtest.main()
