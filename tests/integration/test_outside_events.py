#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Signals to virt-sandbox and ends from outside, on lxc:/// and
qemu:///system:

- SIGTERM or SIGHUP in virt-sandbox's first milliseconds (before it
  connects, and while it creates the sandbox) stop it cleanly: its exit
  status is 128+N, and no domain and no state directory are left;
- a SIGHUP or SIGTERM virt-sandbox inherited as ignored (`nohup`) stays
  ignored: the sandbox runs on and its command's status comes back;
- a sandbox ended from outside (`virsh destroy` of its domain, `kill -9` of
  its libvirt_lxc or QEMU process) is told apart from its command dying of a
  signal: one line on stderr and virt-sandbox's own exit status, 255, and
  nothing is left behind;
- SIGQUIT, SIGUSR1, SIGALRM (the other signals that end a process by
  default) to virt-sandbox in a terminal stop the sandbox like SIGTERM and
  give the terminal its settings back."""
import os
import pty
import random
import re
import select
import shutil
import signal
import subprocess
import termios
import time
import unittest

import sandboxtest
from sandboxtest import VIRT_SANDBOX, SandboxTestCase, domains, host_pids, state_dirs

# virt-sandbox's status when the sandbox was ended from outside (documented
# in its --help and the README).
OUTSIDE_STATUS = 255
RUN_TIMEOUT = 90


def signal_mask(pid, field):
    """The set of signals in /proc/PID/status's `field` (SigCgt, SigIgn...),
    or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    bits = int(line.split()[1], 16)
                    return {n for n in range(1, 65) if bits & (1 << (n - 1))}
    except OSError:
        return None
    return None


def parent(pid):
    """The parent pid of `pid` (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


class OutsideEvents:
    """The checks, run by a subclass per backend."""

    URI = ""

    def setUp(self):
        super().setUp()
        self.name = f"outside{random.randrange(10**6):06d}"
        self.procs = []

    def ours(self, names):
        """The names of this test's sandbox: NAME, or NAME-SUFFIX."""
        return {n for n in names if n == self.name or n.startswith(self.name + "-")}

    def own_domains(self):
        return self.ours(domains(self.URI))

    def own_state_dirs(self):
        return self.ours(state_dirs())

    def spawn(self, *args, preexec_fn=None, stdin=subprocess.DEVNULL):
        cmd = [VIRT_SANDBOX, "-c", self.URI, "-n", self.name, "--", *args]
        p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, preexec_fn=preexec_fn)
        self.procs.append(p)
        return p

    def tearDown(self):
        # After a failed check: a virt-sandbox still running is ended (its
        # domain ends with its connection) before the checks for leftovers.
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
            for pipe in (p.stdin, p.stdout, p.stderr):
                if pipe:
                    pipe.close()
        super().tearDown()

    def finish(self, p, input=None):
        try:
            out, err = p.communicate(input, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            self.fail(f"virt-sandbox still running after {RUN_TIMEOUT} s; printed "
                      f"{out[-200:]!r} {err[-300:]!r}")
        return p.returncode, out, err.decode(errors="replace")

    def read_line(self, p, timeout=RUN_TIMEOUT):
        """The first line the sandbox's command printed (it is running)."""
        fd = p.stdout.fileno()
        got = b""
        deadline = time.monotonic() + timeout
        while not got.endswith(b"\n"):
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, f"no line from the sandbox; got {got!r}")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1)
                if not chunk:
                    self.fail(f"the sandbox ended before printing a line; got {got!r}, "
                              f"stderr {p.stderr.read()!r}")
                got += chunk
        return got

    def assert_nothing_left(self):
        # libvirt may report the domain a moment after it ended: bounded wait.
        deadline = time.monotonic() + 10
        while self.own_domains() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.own_domains(), set(), "domain left behind")
        self.assertEqual(self.own_state_dirs(), set(), "state directory left behind")

    # -- signals in the first milliseconds ---------------------------------

    def early_signal(self, signum, mid_creation):
        """Sends `signum` the moment virt-sandbox can take it (its handler is
        in, as /proc tells) or its sandbox's state directory exists, whichever
        comes first; with `mid_creation`, only once the state directory
        exists (the sandbox is being created)."""
        p = self.spawn("/bin/sh", "-c", "echo up; sleep 100")
        start = time.monotonic()
        while True:
            caught = signal_mask(p.pid, "SigCgt") or set()
            if self.own_state_dirs() or (not mid_creation and signum in caught):
                break
            if p.poll() is not None or time.monotonic() - start > 30:
                self.fail(f"virt-sandbox ended (or took 30 s) before the moment to send "
                          f"signal {signum}: {p.returncode}, {p.stderr.read()!r}")
            time.sleep(0.0005)
        os.kill(p.pid, signum)
        sent_after = time.monotonic() - start
        code, out, err = self.finish(p)
        print(f"signal {signum} sent {sent_after * 1000:.1f} ms after spawning "
              f"({'mid-creation' if mid_creation else 'first chance'}): exit {code}",
              flush=True)
        self.assertEqual(code, 128 + signum,
                         f"exit status (negative: killed by the signal); stderr {err!r}")
        self.assertIn(f"interrupted by signal {signum}", err)
        self.assertEqual(out, b"", "the command ran")
        self.assert_nothing_left()

    def test_sigterm_first_chance(self):
        self.early_signal(signal.SIGTERM, mid_creation=False)

    def test_sighup_first_chance(self):
        self.early_signal(signal.SIGHUP, mid_creation=False)

    def test_sigterm_while_creating(self):
        self.early_signal(signal.SIGTERM, mid_creation=True)

    def test_sighup_while_creating(self):
        self.early_signal(signal.SIGHUP, mid_creation=True)

    # -- the terminal on every way out ----------------------------------------

    TERMINAL_FLAGS = termios.ECHO | termios.ICANON | termios.ISIG | termios.IEXTEN

    def in_a_terminal(self, command, end=None, send=b"", options=(), runs=True):
        """Runs `command` in a sandbox from a terminal (virt-sandbox puts it
        raw while the command runs): once the command printed "up", calls
        `end(pid)` (pid: virt-sandbox's) if given and writes `send` to the
        terminal, then waits for virt-sandbox's end. Checks that the
        terminal was raw meanwhile and that it has all its settings back;
        returns (exit code, everything printed). With `runs` false the
        command never starts: only virt-sandbox's end is waited for."""
        cmd = [VIRT_SANDBOX, "-c", self.URI, "-n", self.name, *options, "--", *command]
        pid, fd = pty.fork()
        if pid == 0:
            os.execvp(cmd[0], cmd)
        try:
            cooked = termios.tcgetattr(fd)
            out = b""
            deadline = time.monotonic() + RUN_TIMEOUT
            while runs and b"up" not in out:
                self.assertLess(time.monotonic(), deadline, f"no 'up' from the sandbox: {out!r}")
                if select.select([fd], [], [], 1)[0]:
                    out += os.read(fd, 4096)
            if runs:
                self.assertFalse(termios.tcgetattr(fd)[3] & termios.ECHO,
                                 "the terminal is not raw while the command runs")
            if end:
                end(pid)
            if send:
                os.write(fd, send)
            while select.select([fd], [], [], RUN_TIMEOUT)[0]:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: virt-sandbox closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            _, status = os.waitpid(pid, 0)
            pid = None
            after = termios.tcgetattr(fd)
        finally:
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(fd)
        self.assertEqual(after[3] & self.TERMINAL_FLAGS, cooked[3] & self.TERMINAL_FLAGS,
                         f"the terminal was left raw; printed {out!r}")
        self.assertEqual(after[:3], cooked[:3], "the terminal's settings were not restored")
        self.assertEqual(after[6], cooked[6], "the terminal's control characters changed")
        self.assert_nothing_left()
        return os.waitstatus_to_exitcode(status), out

    def signal_in_a_terminal(self, signum):
        """`signum` to virt-sandbox running a command in a terminal: the
        sandbox is stopped, the exit status is 128+N, and the terminal gets
        its settings back (a default action would leave it raw: no echo, no
        line editing, for the rest of the user's session)."""
        code, out = self.in_a_terminal(["/bin/sh", "-c", "echo up; exec sleep 100"],
                                       end=lambda pid: os.kill(pid, signum))
        self.assertEqual(code, 128 + signum,
                         f"exit status (negative: killed by the signal); printed {out!r}")
        self.assertIn(f"interrupted by signal {signum}".encode(), out)

    def test_sigterm_in_a_terminal(self):
        self.signal_in_a_terminal(signal.SIGTERM)

    def test_sigint_in_a_terminal(self):
        self.signal_in_a_terminal(signal.SIGINT)

    def test_sighup_in_a_terminal(self):
        self.signal_in_a_terminal(signal.SIGHUP)

    def test_sigquit_in_a_terminal(self):
        self.signal_in_a_terminal(signal.SIGQUIT)

    def test_sigusr1_in_a_terminal(self):
        self.signal_in_a_terminal(signal.SIGUSR1)

    def test_sigalrm_in_a_terminal(self):
        self.signal_in_a_terminal(signal.SIGALRM)

    def test_command_exit_in_a_terminal(self):
        # The command ends by itself (a key it reads), with a failure status.
        code, out = self.in_a_terminal(["/bin/sh", "-c", "echo up; read line; exit 3"],
                                       send=b"go\r")
        self.assertEqual(code, 3, out)

    def test_command_killed_in_a_terminal(self):
        code, out = self.in_a_terminal(["/bin/sh", "-c", "echo up; read line; kill -9 $$"],
                                       send=b"go\r")
        self.assertEqual(code, 128 + signal.SIGKILL, out)

    def test_guest_setup_failure_in_a_terminal(self):
        # The guest's init fails before the command (a bind of a missing
        # directory): an error, not the command's status.
        code, out = self.in_a_terminal(["/bin/true"], runs=False,
                                       options=("-m", "guest-bind:/mnt=/nonexistent-source"))
        self.assertEqual(code, 125, out)  # the init's setup failure (--help, README)
        self.assertIn(b"/nonexistent-source", out)

    def test_virsh_destroy_in_a_terminal(self):
        def destroy(_pid):
            (domain,) = self.own_domains()
            subprocess.run(["virsh", "-q", "-c", self.URI, "destroy", domain], check=True,
                           capture_output=True)
        code, out = self.in_a_terminal(["/bin/sh", "-c", "echo up; exec sleep 100"],
                                       end=destroy)
        self.assertEqual(code, OUTSIDE_STATUS, out)
        self.assertIn(b"was ended from outside", out)

    def test_sigkill_under_an_interactive_bash(self):
        """SIGKILL cannot be caught, so virt-sandbox cannot restore the
        terminal itself; an interactive bash (job control) gives a
        foreground job killed by a signal the settings it saved before the
        job. Checked for real: the user's next command sees a cooked
        terminal, and what the killed CLI left is swept by the next start."""
        bash = shutil.which("bash")
        if not bash:
            self.skipTest("bash is not installed")
        pid, fd = pty.fork()
        if pid == 0:
            os.environ.update({"PS1": "$ ", "HISTFILE": "/dev/null", "TERM": "dumb"})
            os.execv(bash, [bash, "--norc", "--noprofile", "-i"])
        out = b""

        def until(pattern):
            nonlocal out
            deadline = time.monotonic() + RUN_TIMEOUT
            while True:
                found = re.search(pattern, out)
                if found:
                    out = out[found.end():]
                    return found
                left = deadline - time.monotonic()
                self.assertGreater(left, 0, f"no {pattern!r} from bash: {out[-500:]!r}")
                if select.select([fd], [], [], left)[0]:
                    out += os.read(fd, 4096)

        # `stty -g` as bash's command (readline has the terminal back as
        # bash found it while a command runs).
        settings = b"echo \"S$(stty -g)E$?\"\n"
        try:
            os.write(fd, settings)
            cooked = until(rb"S([0-9a-f:]+)E0").group(1)
            os.write(fd, f"{VIRT_SANDBOX} -c {self.URI} -n {self.name} -- "
                         "/bin/sh -c 'echo $((6*7))up; exec sleep 100'; echo \"rc=$?\"\n".encode())
            until(rb"42up")
            self.assertFalse(termios.tcgetattr(fd)[3] & termios.ECHO,
                             "the terminal is not raw while the command runs")
            (cli,) = [p for p in host_pids(VIRT_SANDBOX) if parent(p) == pid]
            os.kill(cli, signal.SIGKILL)
            self.assertEqual(until(rb"rc=(\d+)").group(1), b"137")
            os.write(fd, settings)
            after = until(rb"S([0-9a-f:]+)E0").group(1)
            os.write(fd, b"exit\n")
            _, status = os.waitpid(pid, 0)
            pid = None
        finally:
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(fd)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        self.assertEqual(after, cooked, "bash's terminal settings after the CLI's SIGKILL")
        # The killed CLI's domain ends with its connection; its state dir
        # goes with the next start's sweep.
        deadline = time.monotonic() + 60
        while self.own_domains() and time.monotonic() < deadline:
            time.sleep(0.05)
        r = subprocess.run([VIRT_SANDBOX, "-c", self.URI, "--", "/bin/true"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=RUN_TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_nothing_left()

    # -- inherited ignored signals ------------------------------------------

    def inherited_ignored(self, signum):
        p = self.spawn("/bin/sh", "-c", 'echo up; read line; echo "got $line"; exit 7',
                       stdin=subprocess.PIPE,
                       preexec_fn=lambda: signal.signal(signum, signal.SIG_IGN))
        self.assertEqual(self.read_line(p), b"up\n")
        # Still ignored mid-run (a handler would have replaced SIG_IGN), so
        # the kernel discards the signal at once: the sandbox runs on.
        ignored = signal_mask(p.pid, "SigIgn") or set()
        os.kill(p.pid, signum)
        code, out, err = self.finish(p, b"go\n")
        self.assertEqual((code, out), (7, b"got go\n"), err)
        self.assertIn(signum, ignored,
                      "virt-sandbox no longer ignored the signal it inherited as ignored")
        self.assert_nothing_left()

    def test_nohup_sighup_stays_ignored(self):
        self.inherited_ignored(signal.SIGHUP)

    def test_ignored_sigterm_stays_ignored(self):
        self.inherited_ignored(signal.SIGTERM)

    # -- ends from outside ----------------------------------------------------

    def ended_from_outside(self, end):
        p = self.spawn("/bin/sh", "-c", "echo up; sleep 100")
        self.assertEqual(self.read_line(p), b"up\n")
        (domain,) = self.own_domains()
        end(domain)
        code, out, err = self.finish(p)
        lines = err.splitlines()
        self.assertEqual(len(lines), 1, f"one line on stderr: {err!r}")
        self.assertRegex(lines[0], rf"^virt-sandbox: the sandbox '{domain}' was ended from "
                         r"outside \(.+\) before its command finished$")
        self.assertEqual(code, OUTSIDE_STATUS, err)
        self.assert_nothing_left()
        return lines[0]

    def test_virsh_destroy(self):
        def destroy(domain):
            subprocess.run(["virsh", "-q", "-c", self.URI, "destroy", domain], check=True,
                           capture_output=True)
        line = self.ended_from_outside(destroy)
        self.assertIn("its domain was destroyed", line)

    def test_kill_9_of_its_process(self):
        def kill(domain):
            pids = host_pids(self.PROCESS.format(domain=domain))
            self.assertEqual(len(pids), 1, f"the {self.PROCESS_NAME} of {domain}: {pids}")
            os.kill(pids[0], signal.SIGKILL)
        line = self.ended_from_outside(kill)
        self.assertIn(f"its {self.PROCESS_NAME} process died", line)


class Lxc(OutsideEvents, SandboxTestCase):
    URI = "lxc:///"
    PROCESS = "/usr/lib/libvirt/libvirt_lxc --name {domain} "
    PROCESS_NAME = "libvirt_lxc"


class Qemu(OutsideEvents, SandboxTestCase):
    URI = "qemu:///system"
    PROCESS = " -name guest={domain},"
    PROCESS_NAME = "QEMU"


if __name__ == "__main__":
    sandboxtest.main()
