# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared helpers for the integration tests that run real sandboxes.

The tests drive the built `virt-sandbox` (path in $VIRT_SANDBOX) against a
running libvirtd (started by build-aux/start-libvirtd.sh). After every test
they check that nothing was left behind: no libvirt domain, no state
directory, no mount, no loop device.
"""
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
import unittest

VIRT_SANDBOX = os.environ.get("VIRT_SANDBOX", "virt-sandbox")
STATE_ROOT = "/run/libvirt-sandbox"
# Generous: a container starts in well under a second, but CI machines are slow.
TIMEOUT = 120


# meson's exit status for a test program that did not run.
MESON_SKIP = 77


def main():
    """unittest.main for a test program meson runs: every skipped test is
    named on stderr, and a program whose tests were all skipped exits with
    meson's SKIP status rather than passing."""
    program = unittest.main(exit=False, verbosity=2)
    result = program.result
    for test, reason in result.skipped:
        print(f"SKIP {test.id()}: {reason}", file=sys.stderr)
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun == 0 or len(result.skipped) == result.testsRun:
        sys.exit(MESON_SKIP)
    sys.exit(0)


def domains(uri):
    out = subprocess.run(["virsh", "-q", "-c", uri, "list", "--name"],
                         check=True, capture_output=True, text=True).stdout
    return {line.strip() for line in out.splitlines() if line.strip()}


def state_dirs():
    try:
        return set(os.listdir(STATE_ROOT))
    except FileNotFoundError:
        return set()


def loop_devices():
    """Attached loop devices (those with a backing file)."""
    import glob
    return {os.path.basename(os.path.dirname(os.path.dirname(p)))
            for p in glob.glob("/sys/block/loop*/loop/backing_file")}


def host_pids(needle):
    """Host pids whose command line (its words joined by spaces) contains
    `needle` (a container's processes are host processes too)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                words = f.read().split(b"\0")
        except OSError:
            continue
        if needle in b" ".join(words).decode(errors="replace"):
            found.append(int(pid))
    return found


def host_mounts():
    with open("/proc/self/mounts") as f:
        return {line.split()[1] for line in f}


class SandboxTestCase(unittest.TestCase):
    """Runs virt-sandbox on URI and checks cleanup after each test."""

    URI = "lxc:///"

    def setUp(self):
        self.domains_before = domains(self.URI)
        self.state_before = state_dirs()
        self.mounts_before = host_mounts()
        self.loops_before = loop_devices()

    def tearDown(self):
        # A domain may take a moment to vanish after its init exited; wait for
        # that event, bounded, rather than a fixed sleep.
        deadline = time.monotonic() + 30
        while domains(self.URI) - self.domains_before and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(domains(self.URI) - self.domains_before, set(), "domains left behind")
        self.assertEqual(state_dirs() - self.state_before, set(), "state directories left behind")
        self.assertEqual(host_mounts() - self.mounts_before, set(), "mounts left behind")
        self.assertEqual(loop_devices() - self.loops_before, set(), "loop devices left behind")

    def sandbox(self, *args, stdin=subprocess.DEVNULL, input=None, options=()):
        """Runs `virt-sandbox -c URI OPTIONS -- ARGS`; returns CompletedProcess (bytes)."""
        cmd = [VIRT_SANDBOX, "-c", self.URI, *options, "--", *args]
        if input is not None:
            stdin = None
        return subprocess.run(cmd, stdin=stdin, input=input, capture_output=True,
                              timeout=TIMEOUT)

    def sandbox_tty(self, *args, send=b"", options=(), size=None):
        """Runs virt-sandbox with a pseudo-terminal as stdin/stdout/stderr
        (of `size` (rows, columns) if given); returns (exit code, everything
        it printed)."""
        cmd = [VIRT_SANDBOX, "-c", self.URI, *options, "--", *args]
        pid, fd = pty.fork()
        if pid == 0:
            if size:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
            os.execvp(cmd[0], cmd)
        output = b""
        if send:
            os.write(fd, send)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)
            self.fail(f"{cmd} still running after {TIMEOUT} s; printed {output!r}")
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        return os.waitstatus_to_exitcode(status), output
