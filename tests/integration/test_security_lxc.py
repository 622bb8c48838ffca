#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Escape attempts from LXC sandboxes (lxc:///), as an attacker would make
them, in every mode (default, -S nobody, -p): host sockets, host files and
mounts, kernel knobs, cgroups, block devices, host processes, the neighbour
sandbox's state and app channel, a fork bomb.

Every test really attacks from inside a sandbox (the probes are in
attacks.py) and asserts both that the attack failed and that the host is
unchanged. Targets are harmless: files under test-owned directories, values
read first (set to value+1 at worst) and restored, the tests' own sockets.
"""
import glob
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

import attacks
import sandboxtest
from sandboxtest import TIMEOUT, VIRT_SANDBOX, SandboxTestCase, state_dirs

INIT_DIR = os.environ.get("LIBVIRT_SANDBOX_INIT_DIR")
NOBODY = 65534
# Host-global knobs (not namespaced): value+1 is harmless and restored.
KNOBS = ["/proc/sys/vm/overcommit_ratio",
         "/proc/sys/kernel/printk_ratelimit_burst",
         "/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan",
         "/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs"]
# The default task limit of a sandbox, and what may come on top of the
# sandbox's own processes on the host while it runs.
DEFAULT_TASK_LIMIT = 4096
SLACK = 64


def secret_leftovers(state, secrets):
    """What of a running sandbox's state dir still holds its secrets: the
    launch spec (gone once the init authenticated), any file holding one of
    `secrets` (its -e values)."""
    left = []
    for n in sorted(os.listdir(state)):
        p = os.path.join(state, n)
        if n == "launch.json":
            left.append(p)
        for dirpath, _, files in os.walk(p) if os.path.isdir(p) else [(state, [], [n])]:
            for f in files:
                try:
                    with open(os.path.join(dirpath, f), "rb") as fh:
                        data = fh.read()
                except OSError:
                    continue  # the channel socket
                left += [f"{os.path.join(dirpath, f)} holds {s!r}" for s in secrets if s in data]
    return left


def written(results):
    """The entries of {what: outcome} whose outcome is a success."""
    return {k: v for k, v in results.items()
            if v in ("created", "written", "opened-for-write") or str(v).startswith("connected")}


class SecurityTestCase(SandboxTestCase):
    maxDiff = None
    OPTIONS = ()
    # uid the sandbox's command runs as (for the grants' owner).
    RUNS_AS = None

    def _remove_attack_files(self, d):
        """Removes what an attack of this test left in host directory `d`."""
        for n in os.listdir(d):
            if f"sbx-attack-{self.tok}" in n:
                os.unlink(os.path.join(d, n))

    def helpers_before(self):
        """The sha256 of the host's init helpers (None when their directory
        is unknown); what an attack leaves there is removed afterwards."""
        if not INIT_DIR or not os.path.isdir(INIT_DIR):
            return None
        self.addCleanup(self._remove_attack_files, INIT_DIR)
        return attacks.sha256_tree(INIT_DIR)

    def setUp(self):
        super().setUp()
        self.tok = attacks.token()
        # The sandboxes' name (their domains and state dirs start with it).
        self.name = f"sbxatk{self.tok}"
        self.addCleanup(self._remove_etc_file)

    def _etc_files(self):
        # What a successful write to /etc would have made.
        return glob.glob(f"/etc/sbx-attack-{self.tok}*")

    def _remove_etc_file(self):
        for p in self._etc_files():
            os.unlink(p)

    def host_dir(self, parent="/var/lib", mode=0o777, owner=None, name="target"):
        """A test-owned host directory (removed afterwards). Not granted to
        the sandbox unless the test says so; mode 0777 by default so that
        only the sandbox's walls, not file permissions, stop a write."""
        d = tempfile.mkdtemp(prefix=f"sbx-attack-{name}-{self.tok}-", dir=parent)
        os.chmod(d, mode)
        if owner is not None:
            os.chown(d, owner, owner)
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        return d

    def probe(self, name, *args, options=None, extra=(), input=None, sandbox_name=None):
        """Runs a probe in a sandbox; returns (CompletedProcess, result)."""
        opts = [*(self.OPTIONS if options is None else options), *extra,
                "-n", sandbox_name or self.name]
        r = self.sandbox(*attacks.probe_cmd(name, *args), options=opts,
                         input=input if input is not None else b"")
        result = attacks.parse_result(r.stdout)
        self.assertIsNotNone(result, f"the probe did not report: rc={r.returncode} "
                                     f"stdout={r.stdout[-2000:]!r} stderr={r.stderr[-2000:]!r}")
        return r, result

    def held(self, name, *args, options=None, extra=(), hold=True, uri=None):
        opts = [*(self.OPTIONS if options is None else options), *extra, "-n", self.name]
        cmd = [VIRT_SANDBOX, "-c", uri or self.URI, *opts, "--",
               *attacks.probe_cmd(name, *args, hold=hold)]
        h = attacks.Held(cmd, timeout=TIMEOUT)
        self.addCleanup(h.kill)
        return h

    def find_state(self, before, need, name=None):
        try:
            return attacks.find_state_dir(before, need=need, name=name)
        except TimeoutError as e:
            self.fail(str(e))

    def wait_mark(self, h, mark):
        """The probe's result once it printed `mark`; a test failure if the
        sandbox ended or hung first."""
        try:
            return h.wait_for(mark)
        except (EOFError, TimeoutError) as e:
            code, out, err = h.finish()
            self.fail(f"{e} (exit {code}, stderr {err[-2000:]!r})")

    def assertNoneWritten(self, results, what):
        self.assertEqual(written(results), {},
                         f"{what}: the sandbox succeeded; full result {results}")

    def assertHostDirEmpty(self, d):
        self.assertEqual(os.listdir(d), [], f"the sandbox wrote into the host directory {d}")

    def assertNoEtcFile(self):
        self.assertEqual(self._etc_files(), [], "the sandbox created files in the host's /etc")


class ModeAttacks:
    """The attacks every mode must survive (mixed into one class per mode)."""

    # -- host sockets -------------------------------------------------------

    def test_connect_to_host_unix_sockets(self):
        listeners = attacks.HostSockets(self.tok)
        self.addCleanup(listeners.close)
        existing = [p for p in attacks.host_sockets() if p not in listeners.targets()]
        reachable = [p for p in existing if attacks.host_connectable(p)]
        targets = listeners.targets() + existing
        _, res = self.probe("sockets", json.dumps(targets))
        answered = {t: v for t, v in res["connect"].items() if v.startswith("connected")}
        self.assertEqual(answered, {}, f"host sockets answered from inside "
                                       f"(host-reachable ones: {reachable})")
        self.assertEqual(set(res["connect"]), set(targets))
        accepted = {k: v for k, v in listeners.connections().items() if v}
        self.assertEqual(accepted, {}, "the test's own host listeners got connections")

    def test_virsh_reaches_host_libvirtd(self):
        script = ("virsh -c lxc:/// list --all; echo rc-lxc=$?; "
                  "virsh -r -c lxc:/// list --all; echo rc-ro=$?; "
                  "virsh -c qemu:///system list --all; echo rc-qemu=$?")
        r = self.sandbox("/bin/sh", "-c", script, options=self.OPTIONS)
        out = r.stdout.decode(errors="replace")
        for tag in ("lxc", "ro", "qemu"):
            self.assertNotIn(f"rc-{tag}=0\n", out,
                             f"virsh ({tag}) reached the host's libvirtd: {out}")
            self.assertIn(f"rc-{tag}=", out, out + r.stderr.decode(errors="replace"))
        self.assertNotIn(" Id ", out, "virsh listed the host's domains")

    # -- private directories ------------------------------------------------

    def _markers(self):
        markers = []
        for d in ("/run", "/tmp", "/var/tmp", "/dev/shm"):
            if not os.path.isdir(d):
                continue
            p = os.path.join(d, f"sbx-attack-marker-{self.tok}")
            with open(p, "w") as f:
                f.write("host file\n")
            self.addCleanup(os.unlink, p)
            markers.append(p)
        return markers

    def test_host_run_tmp_var_tmp_dev_shm_are_private(self):
        markers = self._markers()
        _, res = self.probe("private_dirs", json.dumps(markers))
        self.assertEqual({m: v for m, v in res["markers"].items() if v}, {},
                         f"host files visible inside: {res}")
        for d in ("/run", "/tmp", "/var/tmp", "/dev/shm"):
            self.assertEqual(res["fstype"][d], "tmpfs", f"{d} is not a private tmpfs: {res}")
        for m in markers:
            self.assertTrue(os.path.exists(m))

    def test_grant_on_tmp_is_visible_but_run_and_var_tmp_stay_private(self):
        markers = self._markers()
        grant = self.host_dir(parent="/var/lib", mode=0o755, name="grant")
        with open(os.path.join(grant, "seen"), "w") as f:
            f.write(f"granted {self.tok}\n")
        os.chmod(os.path.join(grant, "seen"), 0o644)
        _, res = self.probe("private_dirs", json.dumps(markers), "/tmp/seen",
                            extra=("-m", f"host-bind:/tmp={grant}"))
        self.assertEqual(res["grant"], f"granted {self.tok}\n", res)
        self.assertEqual({m: v for m, v in res["markers"].items() if v}, {},
                         f"host files visible inside: {res}")

    # -- writes to host paths -----------------------------------------------

    def test_write_host_paths_directly(self):
        d = self.host_dir()
        _, res = self.probe("write_direct", d, self.tok)
        self.assertNoneWritten(res["writes"], "direct writes to host paths")
        self.assertHostDirEmpty(d)
        self.assertNoEtcFile()

    def test_remount_root_read_write_then_write(self):
        d = self.host_dir()
        _, res = self.probe("remount_root", d, self.tok)
        self.assertNoneWritten(res["writes"], "writes after remounting / read-write")
        self.assertHostDirEmpty(d)
        self.assertNoEtcFile()

    def test_bind_mount_root_remount_read_write_then_write(self):
        d = self.host_dir()
        _, res = self.probe("bind_remount", d, self.tok)
        self.assertNoneWritten(res["writes"], "writes through a read-write bind of /")
        self.assertHostDirEmpty(d)
        self.assertNoEtcFile()

    def test_remount_helpers_and_state_dirs_read_write(self):
        if not INIT_DIR or not os.path.isdir(INIT_DIR):
            self.skipTest("LIBVIRT_SANDBOX_INIT_DIR is not set: the host's helpers dir is unknown")
        before = attacks.sha256_tree(INIT_DIR)
        names_before = set(os.listdir(INIT_DIR))
        self.addCleanup(self._remove_attack_files, INIT_DIR)
        dirs_before = state_dirs()
        h = self.held("helper_dirs", self.tok)
        try:
            res = self.wait_mark(h, attacks.HOLD)
            # While it runs: nothing new in its host state dir.
            own = [os.path.join(attacks.STATE_ROOT, n) for n in state_dirs() - dirs_before
                   if n == self.name]
            state_files = {d: sorted(os.listdir(d)) for d in own if os.path.isdir(d)}
        finally:
            h.finish()
        for d, e in res.items():
            self.assertNoneWritten({"create": e["create"], "create-via-bind": e["create-via-bind"],
                                    **e["open_write"]}, f"writes into {d}")
        self.assertEqual(set(os.listdir(INIT_DIR)), names_before,
                         "new files in the host's helpers dir")
        self.assertEqual(attacks.sha256_tree(INIT_DIR), before,
                         "the host's helper binaries changed")
        for d, names in state_files.items():
            self.assertFalse([n for n in names if "sbx-attack" in n],
                             f"the sandbox wrote into its host state dir {d}: {names}")

    def test_new_mount_api_clears_read_only_then_writes(self):
        d = self.host_dir()
        _, res = self.probe("new_mount_api", d, self.tok)
        self.assertNoneWritten(res["writes"], "writes after open_tree/mount_setattr")
        self.assertHostDirEmpty(d)
        self.assertNoEtcFile()

    # -- kernel knobs ---------------------------------------------------------

    def test_write_host_sysctls_and_sysfs(self):
        knobs = []
        for path in KNOBS:
            try:
                with open(path) as f:
                    value = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            knobs.append({"path": path, "value": value})
            self.addCleanup(self._restore, path, value)
        if not knobs:
            self.skipTest("none of the host knobs exist here")
        _, res = self.probe("knobs", json.dumps(knobs))
        changed = {}
        for k in knobs:
            with open(k["path"]) as f:
                now = int(f.read().split()[0])
            if now != k["value"]:
                changed[k["path"]] = (k["value"], now)
        self.assertNoneWritten(res["writes"], "writes to host sysctls / sysfs")
        self.assertEqual(changed, {}, "host values changed (restored by the test)")

    @staticmethod
    def _restore(path, value):
        with open(path) as f:
            if int(f.read().split()[0]) == value:
                return
        with open(path, "w") as f:
            f.write(f"{value}\n")

    def test_load_kernel_module(self):
        modules = "/proc/modules"
        before = attacks.read_file(modules) if os.path.exists(modules) else None
        _, res = self.probe("module")
        # This host kernel has no module support: only the failure is asserted.
        self.assertIsInstance(res["init_module"], str, f"init_module succeeded: {res}")
        self.assertIsInstance(res["finit_module"], str, f"finit_module succeeded: {res}")
        after = attacks.read_file(modules) if os.path.exists(modules) else None
        self.assertEqual(before, after)

    # -- cgroups ------------------------------------------------------------

    def test_mount_cgroup_v1_and_write_release_agent(self):
        agents = {}
        for n in os.listdir("/sys/fs/cgroup"):
            p = f"/sys/fs/cgroup/{n}/release_agent"
            if os.path.exists(p):
                agents[p] = attacks.read_file(p)
        h = self.held("cgroup_v1", self.tok)
        try:
            res = self.wait_mark(h, attacks.HOLD)
            with open("/proc/self/cgroup") as f:
                host_view = f.read()
        finally:
            h.finish()
        self.assertIsNotNone(res)
        step = res["steps"]["mount name="]
        self.assertNotEqual(step if isinstance(step, str) else step["rc"], 0,
                            f"mounted a new cgroup v1 hierarchy: {res}")
        self.assertNotIn(f"sbxattack-{self.tok}", host_view,
                         "the sandbox's cgroup hierarchy exists on the host")
        self.assertNoneWritten(res["release_agent"], "release_agent writes")
        self.assertEqual({p: attacks.read_file(p) for p in agents}, agents)

    def test_move_out_of_own_cgroup(self):
        h = self.held("cgroup_escape", self.tok)
        try:
            self.wait_mark(h, attacks.BEFORE)
            pid = attacks.in_sandbox_pid(self.tok)
            self.assertIsNotNone(pid, "cannot find the probe's host pid")
            before = attacks.cgroups_of(pid)
            h.send(b"go\n")
            res = self.wait_mark(h, attacks.HOLD)
            after = attacks.cgroups_of(pid)
        finally:
            h.finish()
        self.assertIsNotNone(res)
        moved = {k: (before[k], after.get(k)) for k in before if after.get(k) != before[k]}
        self.assertEqual(moved, {}, f"the sandbox moved itself to other host cgroups "
                                    f"(hierarchy: (before, after)); its writes: {res['writes']}")

    # -- devices ------------------------------------------------------------

    def test_read_host_block_devices_through_mknod(self):
        # Targets: the host's root disk if the host itself can read it (not
        # on every machine: not on this one), and a loop device of test data.
        devices, expected = [], {}
        st = os.stat("/")
        root_disk = f"/sys/dev/block/{os.major(st.st_dev)}:{os.minor(st.st_dev)}"
        names = [l[8:] for l in attacks.read_text(f"{root_disk}/uevent").splitlines()
                 if l.startswith("DEVNAME=")]
        if names:
            try:
                with open(f"/dev/{names[0]}", "rb") as f:
                    expected["root disk"] = hashlib.sha256(f.read(4096)).hexdigest()
                devices.append([os.major(st.st_dev), os.minor(st.st_dev)])
            except OSError:
                pass  # even host root cannot read it here
        image = os.path.join(self.host_dir(parent="/var/tmp", mode=0o700, name="loop"), "disk.img")
        with open(image, "wb") as f:
            f.write(f"sbx-attack block device {self.tok}\n".encode().ljust(1 << 20, b"\0"))
        loop = subprocess.run(["losetup", "-f", "--show", image], capture_output=True, text=True)
        if loop.returncode == 0:
            dev = loop.stdout.strip()
            try:
                rdev = os.stat(dev).st_rdev
                devices.append([os.major(rdev), os.minor(rdev)])
                with open(image, "rb") as f:
                    expected["loop"] = hashlib.sha256(f.read(4096)).hexdigest()
                _, res = self.probe("blockdev", json.dumps(devices))
            finally:
                # Before tearDown, which checks that no loop device is left.
                subprocess.run(["losetup", "-d", dev], check=True)
        elif devices:
            _, res = self.probe("blockdev", json.dumps(devices))
        else:
            self.skipTest(f"no readable host block device to attack: {loop.stderr}")
        reads = {k: v for k, v in res["read"].items() if v.startswith("sha256:")}
        self.assertEqual(reads, {}, f"read host block devices {devices} (host sha256 of their "
                                    f"first 4 KiB: {expected}); {res}")

    # -- host processes -----------------------------------------------------

    def test_see_and_signal_host_processes(self):
        helper_src = ("import signal, sys\n"
                      "got = []\n"
                      "signal.signal(signal.SIGUSR1, lambda *a: got.append(1))\n"
                      "print('READY', flush=True)\n"
                      "sys.stdin.read()\n"
                      "print('GOT' if got else 'NONE', flush=True)\n")
        helper = subprocess.Popen([sys.executable, "-c", helper_src, f"sbx-attack-{self.tok}"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.addCleanup(lambda: helper.poll() is None and (helper.kill(), helper.wait()))
        self.assertEqual(helper.stdout.readline(), "READY\n")
        targets = [{"pid": helper.pid, "token": f"sbx-attack-{self.tok}", "signal": True}]
        libvirtd = None
        try:
            libvirtd = int(attacks.read_file("/run/libvirtd.pid"))
            os.kill(libvirtd, 0)
            targets.append({"pid": libvirtd, "signal": False})
        except (OSError, ValueError):
            libvirtd = None
        _, res = self.probe("host_processes", json.dumps(targets))
        self.assertIsNone(helper.poll(), "the host helper died")
        out, _ = helper.communicate("", timeout=30)
        self.assertEqual(out, "NONE\n", "the sandbox signalled a host process")
        self.assertEqual(res["token_seen_in"], [], f"host process visible inside: {res}")
        h = res["targets"][str(helper.pid)]
        self.assertNotEqual(h["kill0"], "ok", f"kill(host pid, 0) succeeded: {res}")
        self.assertNotEqual(h.get("sigusr1"), "sent", res)
        if libvirtd is not None:
            e = res["targets"][str(libvirtd)]
            if e["proc_exists"]:
                self.assertNotIn("libvirtd", e["cmdline"], f"libvirtd visible inside: {res}")
            else:
                self.assertNotEqual(e["kill0"], "ok", res)

    # -- and a grant still works ------------------------------------------

    def test_grant_is_still_writable(self):
        grant = self.host_dir(mode=0o755, owner=self.RUNS_AS, name="grant")
        r = self.sandbox("/bin/touch", "/mnt/ok",
                         options=[*self.OPTIONS, "-m", f"host-bind:/mnt={grant}"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(grant, "ok")))


class DefaultMode(ModeAttacks, SecurityTestCase):
    """The caller's identity (root here), no capabilities."""
    OPTIONS = ()


class NobodyMode(ModeAttacks, SecurityTestCase):
    OPTIONS = ("-S", "nobody")
    RUNS_AS = NOBODY


class PrivilegedMode(ModeAttacks, SecurityTestCase):
    """Root with capabilities inside: must still not be root outside."""
    OPTIONS = ("-p",)

    # Root inside is not root outside, in its grants too: nothing it leaves
    # there may be a setuid file or a device node owned by host root.
    def test_plant_device_node_in_grant(self):
        grant = self.host_dir(mode=0o755, owner=self.RUNS_AS, name="grant")
        _, res = self.probe("plant", "/mnt", extra=("-m", f"host-bind:/mnt={grant}"))
        self.assertEqual(attacks.device_nodes(grant), {},
                         f"device nodes landed on the host; {res}")


class NeighbourAttacks:
    """Sandbox A reads a line and exits 7; B (each mode), host root without
    the secret and host nobody try to read A's state or hijack its channel.
    (Helpers; the QEMU tests use them too.)"""

    A_SCRIPT = "read x; echo got:$x; exit 7"

    def start_a(self, uri=None, options=()):
        self.secret = f"sekret-{self.tok}"
        cmd = [VIRT_SANDBOX, "-c", uri or self.URI, "-n", self.name,
               "-e", f"PASSWORD={self.secret}", *options, "--", "/bin/sh", "-c", self.A_SCRIPT]
        a = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.addCleanup(lambda: a.poll() is None and (a.kill(), a.wait()))
        return a

    def finish_a(self, a):
        line = f"line-{self.tok}".encode()
        out, err = a.communicate(line + b"\n", timeout=TIMEOUT)
        return line, out, err

    def assertAIntact(self, line, a, out, err):
        self.assertNotIn(b"FAKE", out, "injected output reached A's stdout")
        self.assertEqual(out, b"got:" + line + b"\n", err)
        self.assertEqual(a.returncode, 7, err)

    def neighbour(self, options):
        before = state_dirs()
        a = self.start_a()
        try:
            state = self.find_state(before, need=("app.sock", "sandbox.cfg"), name=self.name)
            r, res = self.probe("neighbour", state, self.secret, options=options,
                                sandbox_name=self.name + "b")
        finally:
            line, out, err = self.finish_a(a)
        self.assertAIntact(line, a, out, err)
        name = os.path.basename(state)
        listing = res["list"][attacks.STATE_ROOT]
        self.assertFalse(isinstance(listing, list) and name in listing,
                         f"B lists A's state dir; everything B did: {res}")
        self.assertIsInstance(res["list"][state], str, f"B lists A's state: {res}")
        self.assertEqual({k: v for k, v in res["read"].items() if v.startswith("read")}, {},
                         f"B read A's files: {res['read']}")
        self.assertEqual({k: v for k, v in res["connect"].items() if v == "connected"}, {},
                         f"B connected to A's channel: {res}")
        self.assertNotIn(self.secret.encode(), r.stdout + r.stderr)

    def host_hijack(self, variant, uri=None):
        hijacker = attacks.Hijacker(state_dirs(), variant, name=self.name)
        hijacker.start()
        a = self.start_a(uri=uri)
        try:
            line, out, err = self.finish_a(a)
        finally:
            hijacker.stop.set()
            hijacker.join(TIMEOUT)
        info = (f"A: exit {a.returncode}, stdout {out!r}, stderr {err[-500:]!r}; "
                f"fake guest: connect {hijacker.connect}, {hijacker.result}")
        self.assertIsNone(hijacker.error, f"the hijacker broke: {hijacker.error}")
        self.assertIsNotNone(hijacker.state_dir, "the hijacker never saw A's state dir")
        self.assertNotIn(line, hijacker.received(), f"the fake guest received A's stdin; {info}")
        self.assertNotIn(b"FAKE", out, f"injected output reached A's stdout; {info}")
        self.assertEqual((a.returncode, out), (7, b"got:" + line + b"\n"), info)

    def state_of_a(self, uri=None):
        before = state_dirs()
        a = self.start_a(uri=uri)
        # (Not launch.json: it goes once A's init authenticated.)
        return a, self.find_state(before, need=("app.sock", "sandbox.cfg"), name=self.name)

    def host_nobody(self, uri=None):
        a, state = self.state_of_a(uri=uri)
        try:
            p = subprocess.run(attacks.probe_cmd("host_nobody", state, self.secret),
                               user=NOBODY, group=NOBODY, extra_groups=[],
                               capture_output=True, timeout=TIMEOUT, cwd="/")
        finally:
            line, out, err = self.finish_a(a)
        res = attacks.parse_result(p.stdout)
        self.assertIsNotNone(res, p.stderr)
        self.assertAIntact(line, a, out, err)
        self.assertIsInstance(res["list"][state], str, f"nobody lists A's state: {res}")
        self.assertEqual({k: v for k, v in res["read"].items() if v.startswith("read")}, {},
                         f"host nobody read A's files: {res['read']}")
        self.assertEqual({k: v for k, v in res["connect"].items() if v == "connected"}, {},
                         f"host nobody connected to A's channel: {res}")


class Neighbours(NeighbourAttacks, SecurityTestCase):
    def test_neighbour_default_mode_reads_state_and_hijacks_channel(self):
        self.neighbour(())

    def test_neighbour_nobody_reads_state_and_hijacks_channel(self):
        self.neighbour(("-S", "nobody"))

    def test_neighbour_privileged_reads_state_and_hijacks_channel(self):
        self.neighbour(("-p",))

    def test_host_root_without_secret_impersonates_guest_wrong_auth(self):
        self.host_hijack("auth")

    def test_host_root_without_secret_injects_output_without_hello(self):
        self.host_hijack("nohello")

    def test_state_dir_is_0700_and_its_files_0600(self):
        a, state = self.state_of_a()
        try:
            modes = {n: os.lstat(os.path.join(state, n)).st_mode for n in os.listdir(state)}
            dir_mode = os.stat(state).st_mode & 0o7777
        finally:
            line, out, err = self.finish_a(a)
        self.assertAIntact(line, a, out, err)
        self.assertEqual(oct(dir_mode), oct(0o700))
        for n, m in modes.items():
            if stat.S_ISREG(m):
                self.assertEqual(oct(m & 0o7777), oct(0o600), n)
            else:
                self.assertEqual(m & 0o077, 0, f"{n} is open to group/others: {oct(m)}")

    def test_host_nobody_reads_state_and_connects_to_channel(self):
        self.host_nobody()

    def test_state_dir_keeps_no_secret_once_the_command_runs(self):
        # The launch spec (the secret, the -e values) is read by the init
        # before it connects: once the command runs, no file holds them.
        secret = f"sekret-{self.tok}"
        before = state_dirs()
        h = self.held("private_dirs", "[]", extra=("-e", f"PASSWORD={secret}"))
        try:
            self.wait_mark(h, attacks.HOLD)
            state = self.find_state(before, need=("app.sock",), name=self.name)
            names = sorted(os.listdir(state))
            left = secret_leftovers(state, [secret.encode()])
        finally:
            code, out, err = h.finish()
        self.assertEqual(code, 0, err)
        self.assertEqual(left, [], f"the running sandbox's state dir ({names}) keeps secrets")
        self.assertIn("sandbox.cfg", names)


class ForkBomb(SecurityTestCase):
    """Child processes that pause, created in a loop until that fails,
    capped at 10000 attempts. With the default limit the children are
    clone(CLONE_VM) processes (~60 KiB each): plain os.fork() children of a
    Python process cost ~0.7 MiB each, so a few hundred of them fill the
    sandbox's 512 MiB memory limit long before any task limit is reached."""

    def bomb(self, options, limit, kind):
        n0 = attacks.host_process_count()
        h = self.held("forkbomb", 10000, kind, options=options, hold=False)
        try:
            res = self.wait_mark(h, attacks.HOLD)
            grown = attacks.host_process_count() - n0
            t0 = time.monotonic()
            subprocess.run(["true"], timeout=60, check=True)
            responsive = time.monotonic() - t0
        finally:
            code, out, err = h.finish()
        info = f"{res}; host processes grew by {grown}; exit {code}; stderr {err[-1000:]!r}"
        self.assertLessEqual(res["forks"], limit, info)
        self.assertEqual(res["error"], "EAGAIN", info)
        self.assertLessEqual(grown, limit + SLACK, info)
        self.assertLess(responsive, 10, "the host did not stay responsive")
        self.assertEqual(code, 0, info)
        self.assertIn(b"task limit", err,
                      f"no clear message about the task limit on stderr; {info}")

    def test_fork_bomb_default_mode_hits_default_task_limit(self):
        self.bomb((), DEFAULT_TASK_LIMIT, "clone")

    def test_fork_bomb_privileged_hits_default_task_limit(self):
        self.bomb(("-p",), DEFAULT_TASK_LIMIT, "clone")

    def test_fork_bomb_max_tasks_64(self):
        self.bomb(("--max-tasks", "64"), 64, "fork")


if __name__ == "__main__":
    sandboxtest.main()
