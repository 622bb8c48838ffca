#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a killed virt-sandbox leaves behind (lxc:///): its transient domain
ends with its libvirt connection (AUTODESTROY), and the next sandbox's start
sweeps its state directory (with the sandbox's secret and `-e` values) and
its task-limit cgroup, which nobody else would ever remove.

And what libvirt itself leaves of every LXC domain in its state directory
(libvirt 9.0: `NAME.dev`, `NAME.devpts`, `NAME.fuse` directories, often a
`NAME.sock`): with a domain name of its own per sandbox start, they would
pile up by the thousand; a finished sandbox leaves none."""
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import attacks
import sandboxtest
from sandboxtest import STATE_ROOT, TIMEOUT, VIRT_SANDBOX, SandboxTestCase, domains, state_dirs

PIDS_MACHINE = "/sys/fs/cgroup/pids/machine"
# libvirt's LXC driver state directory (as root).
LXC_STATE = "/run/libvirt/lxc"


def lxc_entries():
    try:
        return set(os.listdir(LXC_STATE))
    except FileNotFoundError:
        return set()


def entries_of(prefix, entries):
    """The entries of domains whose names start with `prefix`."""
    return sorted(e for e in entries if e.startswith(prefix))


class Relay:
    """A relay from a socket of its own to libvirtd's: a libvirt connection
    made through it (`lxc+unix:///?socket=PATH`) breaks when it is closed."""

    def __init__(self, path, target="/run/libvirt/libvirt-sock"):
        self.target = target
        self.socks = []
        self.lock = threading.Lock()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            with self.lock:
                self.socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        with self.lock:
            socks = [self.listener] + self.socks
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)  # wakes the accept() too
            except OSError:
                pass
            s.close()


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


class CleanupTestCase(SandboxTestCase):
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


class KilledOwner(CleanupTestCase):
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
        # What libvirt left of the killed sandbox's domain (and of the next).
        left = lxc_entries()
        self.assertEqual(entries_of(domain + ".", left), [],
                         f"libvirt's leftovers of the killed sandbox's domain {domain}")
        self.assertEqual(entries_of(f"sbxnext{tok}", left), [],
                         "libvirt's leftovers of the sandbox that swept")


class KilledDuringStart(CleanupTestCase):
    """SIGKILL of the CLI at every moment of a start (before, while and
    after libvirt creates the domain, while the guest boots): once the
    next start has swept, nothing of any of them is left: no domain, state
    dir, loop device, host mount, task cgroup, libvirt leftover, or ACL
    lent on an image."""

    # Seconds after the spawn; a start takes ~0.3 s on LXC, ~2-3 s on QEMU.
    # None: once the command runs.
    DELAYS = (0.0, 0.03, 0.06, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.6, None)

    def test_sigkill_at_every_moment_of_a_start_leaves_nothing_after_the_next_start(self):
        tok = attacks.token()
        work = tempfile.mkdtemp(prefix="sbxkill")
        self.addCleanup(shutil.rmtree, work, True)
        os.chmod(work, 0o755)  # a VM's QEMU serves the host bind as a uid of its own
        content = os.path.join(work, "content")
        os.mkdir(content)
        image = os.path.join(work, "disk.img")
        subprocess.run(["truncate", "-s", "16M", image], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-d", content, image], check=True)
        os.chmod(image, 0o600)
        states, loops, mounts = state_dirs(), sandboxtest.loop_devices(), sandboxtest.host_mounts()
        names = [f"sbxkill{tok}{i:02}" for i in range(len(self.DELAYS))]
        stages = []
        for name, delay in zip(names, self.DELAYS):
            p = subprocess.Popen([VIRT_SANDBOX, "-c", self.URI, "-n", name,
                                  *self.image_options(image), "-m", f"host-bind:/mnt={work}",
                                  "--", "/bin/sh", "-c", "echo started; exec sleep 600"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
            self.addCleanup(lambda p=p: p.poll() is None and (p.kill(), p.wait()))
            if delay is None:  # the command runs
                self.assertEqual(self._first_line(p), b"started\n")
            elif delay:
                time.sleep(delay)  # the moment of the fault, not a wait for a result
            stages.append((p.poll() is None)
                          + any(name in d for d in state_dirs() - states)
                          + any(d == name or d.startswith(name + "-")
                                for d in domains(self.URI)))
            p.kill()
            p.wait()
            p.stdout.close()
        # The faults hit before the state dir (1), with it (2: no domain yet,
        # a short window) and with a domain (3; the last one's command ran).
        self.assertIn(1, stages, f"no kill before the state dir: {stages}")
        self.assertEqual(stages[-1], 3, f"no kill with a running command: {stages}")
        print(f"stages at the kills: {stages}", file=sys.stderr)
        # libvirt ends each transient domain whose creator's connection closed.
        attacks.wait_for(lambda: not any(d.startswith(tuple(names)) for d in domains(self.URI)),
                         120,
                         "the end of the killed CLIs' domains", interval=0.05)

        r = self.sandbox("/bin/true", options=["-n", f"sbxnext{tok}"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(state_dirs() - states, set(), "state dirs left after the sweep")
        self.assertEqual(sandboxtest.loop_devices() - loops, set(), "loop devices left")
        self.assertEqual(sandboxtest.host_mounts() - mounts, set(), "host mounts left")
        self.assertEqual(os.stat(image).st_mode & 0o7777, 0o600, "the image's mode changed")
        self.assertNotIn("system.posix_acl_access", os.listxattr(image),
                         "an ACL lent on the image is left")
        left = lxc_entries()
        for name in names:
            self.assertEqual(entries_of(name, left), [], f"libvirt's leftovers of {name}")
            self.assertFalse(os.path.exists(os.path.join(PIDS_MACHINE,
                                                         f"{name}.libvirt-sandbox")),
                             f"the task cgroup of {name} is left")

    def image_options(self, image):
        return ["-m", f"host-image:/srv={image}"]


class KilledDuringStartQemu(KilledDuringStart):
    URI = "qemu:///system"
    DELAYS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 1.8, 2.5, None)

    def image_options(self, image):
        # The VM's QEMU is lent the disk (an ACL for its uid) during the start.
        return ["--disk", f"file:killdisk={image},format=raw"]


class BrokenConnection(CleanupTestCase):
    def test_a_stop_that_cannot_reach_libvirt_keeps_the_state_dir(self):
        # The CLI's libvirt connection breaks while its sandbox runs (libvirtd
        # ends the domain by AUTODESTROY, but the CLI cannot know): its stop
        # fails, says so, and removes nothing the domain may still use; the
        # next start's sweep does, once the CLI is gone.
        tok = attacks.token()
        name = f"sbxbroken{tok}"
        tmp = tempfile.mkdtemp(prefix="sbxrelay")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        relay = Relay(os.path.join(tmp, "libvirt-sock"))
        self.addCleanup(relay.close)
        before = state_dirs()
        p = subprocess.Popen([VIRT_SANDBOX, "-c", f"lxc+unix:///?socket={tmp}/libvirt-sock",
                              "-n", name, "--", "/bin/sh", "-c", "echo started; exec sleep 600"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        state = attacks.find_state_dir(before, TIMEOUT, name=name)
        domain = os.path.basename(state)
        cgroup = os.path.join(PIDS_MACHINE, f"{domain}.libvirt-sandbox")
        self.addCleanup(self._remove_leftovers, state, cgroup)
        self.assertEqual(self._first_line(p), b"started\n")

        relay.close()
        _, err = p.communicate(timeout=TIMEOUT)
        err = err.decode(errors="replace")
        self.assertIn(f"cannot stop the sandbox's domain '{domain}'", err)
        self.assertIn("it may still run", err)
        self.assertIn(f"with its state directory '{state}'", err)
        self.assertIn(f"destroy {domain}", err)
        # Dropping the context (the CLI's exit) tries again, and keeps it all.
        self.assertIn("cannot stop the sandbox on dispose", err)
        self.assertIn(f"kept its state directory '{state}'", err)
        self.assertTrue(os.path.isdir(state),
                        f"the state dir of a domain that may still run was removed: {err}")
        attacks.wait_for(lambda: domain not in domains(self.URI), 60,
                         f"the end of the domain {domain}", interval=0.05)

        r = self.sandbox("/bin/true", options=["-n", f"sbxnext{tok}"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(state), f"the sweep left the state dir {state}")
        self.assertEqual(entries_of(domain + ".", lxc_entries()), [],
                         f"libvirt's leftovers of {domain}")


class LibvirtLeftovers(SandboxTestCase):
    def test_twenty_runs_leave_nothing_in_libvirts_state_dir(self):
        tok = attacks.token()
        before = lxc_entries()
        for i in range(20):
            r = self.sandbox("/bin/true", options=["-n", f"sbxrun{tok}-{i}"])
            self.assertEqual(r.returncode, 0, r.stderr)
        after = lxc_entries()
        self.assertEqual(entries_of(f"sbxrun{tok}-", after), [],
                         f"what libvirt left in {LXC_STATE} of the 20 runs")
        self.assertLessEqual(len(after), len(before),
                             f"{LXC_STATE} grew: {sorted(after - before)[:12]}")


if __name__ == "__main__":
    sandboxtest.main()
