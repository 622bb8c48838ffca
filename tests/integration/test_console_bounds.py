#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bounded memory in virt-sandbox's console, both ways, on lxc:///.

- endless stdin (/dev/zero) into a command that never reads it: the CLI
  stops reading its stdin once enough is queued for the guest, so its peak
  RSS stays small, and the command's exit status still arrives;
- a large output into a pipe that is read slowly: the CLI stops reading the
  sandbox's channel while its stdout is full (backpressure reaches the
  guest) instead of buffering, and every byte arrives, in order.

The CLI's peak RSS is its VmHWM, sampled from /proc while it runs (which
also lets the test stop a CLI that grows without bound before it hurts the
machine). Not wait4()'s ru_maxrss: subprocess starts the CLI with vfork, so
that counts this test's own peak too.
"""
import hashlib
import os
import signal
import subprocess
import threading
import time
import unittest

import sandboxtest
from sandboxtest import TIMEOUT, VIRT_SANDBOX, SandboxTestCase

MiB = 1024 * 1024
# What the CLI may use at its peak (its own code, libvirt's, the queues).
PEAK_LIMIT = 100 * MiB
# A CLI above this is stopped (SIGTERM: it stops the sandbox and cleans up)
# so that an unbounded queue cannot take the machine down.
RUNAWAY = 3 * 1024 * MiB
# `seq 1 SEQ_LAST` prints about 50 MB.
SEQ_LAST = 6_500_000


def status_kib(pid, field):
    """A `VmXxx:` field of /proc/PID/status in KiB (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


class Run:
    """virt-sandbox as a child whose memory is watched while it runs."""

    def __init__(self, args, stdin, stdout):
        self.proc = subprocess.Popen([VIRT_SANDBOX, "-c", "lxc:///", "--", *args],
                                     stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
        self.sampled_kib = 0
        self.runaway = False
        self.done = threading.Event()
        self.stderr = b""
        self.threads = [threading.Thread(target=self._watch, daemon=True),
                        threading.Thread(target=self._read_stderr, daemon=True)]
        for t in self.threads:
            t.start()

    def _watch(self):
        while not self.done.is_set():
            hwm = status_kib(self.proc.pid, "VmHWM")
            if hwm is not None:
                self.sampled_kib = max(self.sampled_kib, hwm)
                if hwm * 1024 > RUNAWAY and not self.runaway:
                    self.runaway = True
                    os.kill(self.proc.pid, signal.SIGTERM)
            self.done.wait(0.01)

    def _read_stderr(self):
        self.stderr = self.proc.stderr.read()

    def wait(self):
        """Reaps the CLI; returns (exit code, peak RSS in bytes)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            pid, status = os.waitpid(self.proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self.proc.kill()
                pid, status = os.waitpid(self.proc.pid, 0)
                self.runaway = True
                break
            time.sleep(0.02)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.done.set()
        for t in self.threads:
            t.join(TIMEOUT)
        self.proc.stderr.close()
        return self.proc.returncode, self.sampled_kib * 1024


class ConsoleBounds(SandboxTestCase):
    def test_endless_stdin_into_a_command_that_never_reads(self):
        with open("/dev/zero", "rb") as zero:
            run = Run(["/bin/sh", "-c", "sleep 6; exit 5"], stdin=zero,
                      stdout=subprocess.DEVNULL)
            code, peak = run.wait()
        print(f"\nendless stdin: peak RSS {peak / MiB:.1f} MiB", flush=True)
        self.assertFalse(run.runaway, f"the CLI grew past {RUNAWAY // MiB} MiB and was stopped")
        self.assertLess(peak, PEAK_LIMIT,
                        f"the CLI's peak RSS was {peak / MiB:.1f} MiB; stderr {run.stderr[-500:]!r}")
        self.assertEqual(code, 5, run.stderr)

    def test_large_output_into_a_slow_reader(self):
        expected, want_size = hashlib.sha256(), 0
        with subprocess.Popen(["seq", "1", str(SEQ_LAST)], stdout=subprocess.PIPE) as seq:
            while chunk := seq.stdout.read1(1 << 16):
                expected.update(chunk)
                want_size += len(chunk)
        run = Run(["/bin/sh", "-c", f"seq 1 {SEQ_LAST}; echo done >&2; exit 7"],
                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        got = hashlib.sha256()
        size = 0

        def read_slowly():
            nonlocal size
            # Not at all at first: the pipe fills and the CLI must hold
            # back; then slower than the sandbox writes.
            time.sleep(2)
            while True:
                chunk = run.proc.stdout.read1(32 * 1024)
                if not chunk:
                    return
                got.update(chunk)
                size += len(chunk)
                time.sleep(0.002)

        reader = threading.Thread(target=read_slowly, daemon=True)
        reader.start()
        code, peak = run.wait()
        reader.join(TIMEOUT)
        run.proc.stdout.close()
        print(f"\nslow reader: peak RSS {peak / MiB:.1f} MiB, {size} bytes", flush=True)
        self.assertFalse(run.runaway, f"the CLI grew past {RUNAWAY // MiB} MiB or hung")
        self.assertEqual(code, 7, run.stderr)
        self.assertEqual(run.stderr, b"done\n")
        self.assertEqual(size, want_size)
        self.assertEqual(got.hexdigest(), expected.hexdigest(), "the output arrived changed")
        self.assertLess(peak, PEAK_LIMIT, f"the CLI's peak RSS was {peak / MiB:.1f} MiB")


if __name__ == "__main__":
    sandboxtest.main()
