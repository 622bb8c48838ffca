#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The sandbox ends when its command ends, on lxc:/// and qemu:///system:
background processes the command leaves behind (also ones holding its
stdout and stderr, also ones ignoring SIGTERM and SIGHUP) are ended, the
output the command wrote before it exited is all delivered, and its exit
status comes back at once; commands reading stdin still work."""
import base64
import hashlib
import os
import random
import subprocess
import time
import unittest

import sandboxtest
from sandboxtest import VIRT_SANDBOX, SandboxTestCase, domains, host_pids

# The background children sleep this long: a sandbox that waits for them
# runs into RUN_TIMEOUT first.
CHILD_SLEEP = 100
RUN_TIMEOUT = 45
# How long after the command's exit the sandbox may take to end (a QEMU
# machine under TCG starts in ~2.5 s; the budget covers start and stop).
WITHIN = {"lxc:///": 15, "qemu:///system": 30}


class CommandEnd:
    """The checks, run by a subclass per backend."""

    URI = ""

    def setUp(self):
        super().setUp()
        # A sleep whose duration is unique to this test: its command line
        # finds any survivor on the host.
        self.sleep = f"{CHILD_SLEEP}.{random.randrange(10**8):08d}"

    def run_timed(self, *args, input=None, options=()):
        """Runs the sandbox; returns (CompletedProcess, seconds it took).
        Fails when it is still running after RUN_TIMEOUT."""
        cmd = [VIRT_SANDBOX, "-c", self.URI, *options, "--", *args]
        start = time.monotonic()
        with subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) as p:
            try:
                out, err = p.communicate(input or b"", timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                # SIGTERM: virt-sandbox stops the sandbox and cleans up.
                p.terminate()
                out, err = p.communicate(timeout=60)
                self.fail(f"{args} still running after {RUN_TIMEOUT} s (the command exited "
                          f"at once; its background child sleeps {CHILD_SLEEP} s); "
                          f"printed {out[-200:]!r} {err[-300:]!r} (the ends)")
        took = time.monotonic() - start
        return subprocess.CompletedProcess(cmd, p.returncode, out, err), took

    def assert_sandbox_gone(self):
        """The domain is gone (bounded wait for libvirt's bookkeeping) and,
        for a container, no process of it survives."""
        deadline = time.monotonic() + 5
        while domains(self.URI) - self.domains_before and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(domains(self.URI) - self.domains_before, set(),
                         "the domain outlived its command")
        self.assertEqual(host_pids(self.sleep), [],
                         "a background child of the command survived the sandbox")

    def test_background_child_holding_stdout(self):
        r, took = self.run_timed("/bin/sh", "-c", f"sleep {self.sleep} & echo bg; exit 2")
        self.assertEqual((r.returncode, r.stdout), (2, b"bg\n"), r.stderr)
        self.assertLess(took, WITHIN[self.URI])
        self.assert_sandbox_gone()

    def test_background_child_holding_stdout_and_stderr_in_a_subshell(self):
        # The grandchild of a subshell, reparented to the init.
        r, took = self.run_timed("/bin/sh", "-c",
                                 f"(sleep {self.sleep} &); echo out; echo err >&2; exit 7")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (7, b"out\n", b"err\n"))
        self.assertLess(took, WITHIN[self.URI])
        self.assert_sandbox_gone()

    def test_output_written_before_exit_is_all_delivered(self):
        # 1.35 MB of base64 on stdout (more than any pipe holds, so the init
        # still has the tail to drain when the command exits), the sha256 of
        # the raw bytes on stderr, last.
        script = ("d=$(mktemp); head -c 1000000 /dev/urandom >$d; base64 $d; "
                  f"sha256sum <$d >&2; sleep {self.sleep} & exit 3")
        r, took = self.run_timed("/bin/sh", "-c", script)
        self.assertEqual(r.returncode, 3, r.stderr[-300:])
        self.assertLess(took, WITHIN[self.URI])
        data = base64.b64decode(r.stdout, validate=False)
        self.assertEqual(len(data), 1000000)
        self.assertEqual(hashlib.sha256(data).hexdigest().encode(), r.stderr.split()[0])
        self.assert_sandbox_gone()

    def test_background_child_ignoring_sigterm_and_sighup_is_ended(self):
        # The child inherits the ignored signals (sleep does not reset them)
        # and sends its output elsewhere: it holds no stdio the init waits for.
        r, took = self.run_timed(
            "/bin/sh", "-c",
            f"trap '' TERM HUP; sleep {self.sleep} >/dev/null 2>&1 </dev/null & echo bg; exit 4")
        self.assertEqual((r.returncode, r.stdout), (4, b"bg\n"), r.stderr)
        self.assertLess(took, WITHIN[self.URI])
        self.assert_sandbox_gone()

    def test_background_child_ignoring_sigterm_and_sighup_holding_stdout(self):
        r, took = self.run_timed("/bin/sh", "-c",
                                 f"trap '' TERM HUP; sleep {self.sleep} & echo bg; exit 5")
        self.assertEqual((r.returncode, r.stdout), (5, b"bg\n"), r.stderr)
        self.assertLess(took, WITHIN[self.URI])
        self.assert_sandbox_gone()

    def test_stdin_reading_command(self):
        r, _ = self.run_timed("cat", input=b"hi\n")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, b"hi\n", b""))
        data = os.urandom(300 * 1024)
        r, _ = self.run_timed("/bin/sh", "-c", "cat; exit 6", input=data)
        self.assertEqual(r.returncode, 6, r.stderr)
        self.assertEqual(hashlib.sha256(r.stdout).hexdigest(), hashlib.sha256(data).hexdigest())

    def test_stdin_reading_command_with_a_background_child(self):
        r, took = self.run_timed("/bin/sh", "-c", f"sleep {self.sleep} & cat",
                                 input=b"hi\n")
        self.assertEqual((r.returncode, r.stdout), (0, b"hi\n"), r.stderr)
        self.assertLess(took, WITHIN[self.URI])
        self.assert_sandbox_gone()


class Lxc(CommandEnd, SandboxTestCase):
    URI = "lxc:///"

    def test_tty_background_child_ignoring_sighup(self):
        # On a terminal the kernel hangs up the command's process group when
        # it exits; a child ignoring that still holds the terminal.
        start = time.monotonic()
        code, out = self.sandbox_tty("/bin/sh", "-c",
                                     f"trap '' HUP; sleep {self.sleep} & echo bg; exit 2")
        took = time.monotonic() - start
        self.assertEqual(code, 2, out)
        self.assertIn(b"bg", out)
        self.assertLess(took, WITHIN[self.URI])
        self.assert_sandbox_gone()


class Qemu(CommandEnd, SandboxTestCase):
    URI = "qemu:///system"


if __name__ == "__main__":
    sandboxtest.main()
