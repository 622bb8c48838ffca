#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Service sandboxes against a real libvirtd, on lxc:/// and qemu:///system:
virt-sandbox-service create / start / status / list / stop / delete, the
files a service keeps (owner-only) and that nothing is left once it is
deleted, the errors of the CLI, the walls of a running service (a host root
that stays read-only, boot files it cannot read), and ContextService through
GObject introspection.

A service is observed through a host directory bound into it: its command
writes there, and the domain ends (shut off, still defined) when its
command ends.
"""
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

VIRT_SANDBOX_SERVICE = os.environ.get("VIRT_SANDBOX_SERVICE", "virt-sandbox-service")
SERVICES_ROOT = "/etc/libvirt-sandbox/services"
DATA_ROOT = "/var/lib/libvirt/filesystems"
PREFIX = f"sbxsvc-{os.getpid()}-"
# A VM under TCG boots in a few seconds; CI machines are slow.
BOOT_TIMEOUT = 120


def all_domains(uri):
    out = subprocess.run(["virsh", "-q", "-c", uri, "list", "--all", "--name"],
                         check=True, capture_output=True, text=True).stdout
    return {line.strip() for line in out.splitlines() if line.strip()}


def domstate(uri, name):
    p = subprocess.run(["virsh", "-c", uri, "domstate", name], capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else None


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def wait_for(what, check, timeout=BOOT_TIMEOUT):
    """Polls `check` until it is true (bounded); fails naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class ServiceCase:
    """The tests of one backend (mixed into a TestCase with URI set)."""

    URI = None

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("service sandboxes need root")
        self.skip_unless_backend()
        self.count = 0
        self.names = []
        self.domains_before = all_domains(self.URI)
        self.state_before = sandboxtest.state_dirs()
        self.out = tempfile.mkdtemp(prefix="sbxsvc-out-", dir="/var/tmp")
        os.chmod(self.out, 0o777)
        self.addCleanup(shutil.rmtree, self.out, ignore_errors=True)

    def tearDown(self):
        for name in self.names:
            if os.path.exists(os.path.join(SERVICES_ROOT, name)):
                self.service("delete", name)
            # Whatever the CLI could not remove, removed by hand, then failed on.
            if name in all_domains(self.URI):
                subprocess.run(["virsh", "-c", self.URI, "destroy", name], capture_output=True)
                subprocess.run(["virsh", "-c", self.URI, "undefine", name], capture_output=True)
        leftover = {d for d in all_domains(self.URI) - self.domains_before if d.startswith(PREFIX)}
        self.assertEqual(leftover, set(), "service domains left defined (virsh list --all)")
        for root in (SERVICES_ROOT, DATA_ROOT):
            mine = [n for n in os.listdir(root) if n.startswith(PREFIX)] \
                if os.path.isdir(root) else []
            for n in mine:
                shutil.rmtree(os.path.join(root, n), ignore_errors=True)
            self.assertEqual(mine, [], f"service directories left in {root}")
        self.assertEqual(sandboxtest.state_dirs() - self.state_before, set(),
                         "state directories left behind")

    def skip_unless_backend(self):
        p = subprocess.run(["virsh", "-c", self.URI, "uri"], capture_output=True, text=True)
        if p.returncode != 0:
            self.skipTest(f"{self.URI} is not available: {p.stderr.strip()}")

    def new_name(self):
        self.count += 1
        name = f"{PREFIX}{self.count}"
        self.names.append(name)
        return name

    def service(self, *args, user=None):
        cmd = [VIRT_SANDBOX_SERVICE, *args]
        if user is not None:
            cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=sandboxtest.TIMEOUT)

    def create(self, name, *command, options=()):
        p = self.service("create", "-c", self.URI, "-m", f"host-bind:/mnt={self.out}",
                         *options, name, "--", *command)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def assertOneLineError(self, p, *words):
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertTrue(lines[0].startswith("virt-sandbox-service: "), p.stderr)
        for word in words:
            self.assertIn(word, lines[0])

    def assertOwnerOnly(self, path, owner_mode):
        """Root's only, but for a VM's own QEMU user (an ACL entry for the
        uid recorded in the service's qemu-user file) on what it boots from."""
        st = os.lstat(path)
        self.assertEqual(st.st_uid, 0, path)
        self.assertEqual(stat.S_IMODE(st.st_mode) & 0o700, owner_mode, path)
        self.assertTrue(attacks.acl_gives_group_and_others_nothing(path), path)
        named = attacks.acl_named(path)
        if self.URI.startswith("lxc"):
            self.assertEqual(stat.S_IMODE(st.st_mode), owner_mode, path)
            self.assertEqual(named, {}, path)
        else:
            record = os.path.join(os.path.dirname(path) if os.path.isfile(path) else path,
                                  "qemu-user")
            with open(record) as f:
                uid = int(f.readline())
            self.assertEqual(set(named), {("user", uid)}, f"{path}: {named}")

    def persistent(self, name):
        p = subprocess.run(["virsh", "-c", self.URI, "dominfo", name],
                           capture_output=True, text=True)
        if p.returncode != 0:
            return None
        fields = dict(line.split(":", 1) for line in p.stdout.splitlines() if ":" in line)
        return fields.get("Persistent", "").strip()

    # -- the life of a service ------------------------------------------------

    def test_create_start_stop_start_delete(self):
        name = self.new_name()
        marker = os.path.join(self.out, "marker")
        self.create(name, "/bin/sh", "-c", "echo up > /mnt/marker; exec sleep 600")
        # Defined, persistent, not running; its files owner-only.
        self.assertEqual(self.persistent(name), "yes")
        self.assertEqual(domstate(self.URI, name), "shut off")
        conf = os.path.join(SERVICES_ROOT, name)
        data = os.path.join(DATA_ROOT, name)
        self.assertOwnerOnly(conf, 0o700)
        self.assertOwnerOnly(os.path.join(conf, "launch.json"), 0o600)
        # The saved config (with the -e values) and the data are root's alone.
        for path, want in ((os.path.join(conf, "config"), 0o700),
                           (os.path.join(conf, "config", "sandbox.cfg"), 0o600), (data, 0o700)):
            self.assertEqual(mode(path), want, path)
            self.assertEqual(attacks.acl_named(path), {}, path)
        with open(os.path.join(conf, "config", "sandbox.cfg")) as f:
            saved = f.read()
        self.assertIn("GVirSandboxConfigServiceGeneric", saved)
        with open(os.path.join(conf, "launch.json")) as f:
            spec = json.load(f)
        self.assertEqual(spec["channel"], "")
        self.assertEqual(spec["secret"], "")
        p = self.service("status", name)
        self.assertEqual((p.returncode, p.stdout.strip()), (3, f"{name}: stopped"), p.stderr)

        # Started: the command runs.
        p = self.service("start", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        wait_for("the service's marker", lambda: os.path.exists(marker))
        with open(marker) as f:
            self.assertEqual(f.read(), "up\n")
        self.assertEqual(domstate(self.URI, name), "running")
        p = self.service("status", name)
        self.assertEqual((p.returncode, p.stdout.strip()), (0, f"{name}: running"), p.stderr)
        p = self.service("list")
        self.assertIn(f"{name}\t{self.URI}\trunning", p.stdout.splitlines())
        p = self.service("start", name)
        self.assertOneLineError(p, "already running")

        # Stopped: inactive, still defined.
        p = self.service("stop", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(domstate(self.URI, name), "shut off")
        self.assertEqual(self.persistent(name), "yes")
        p = self.service("stop", name)
        self.assertOneLineError(p, "not running")

        # A second boot needs nothing the first one consumed.
        os.unlink(marker)
        p = self.service("start", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        wait_for("the service's marker after a restart", lambda: os.path.exists(marker))

        # Deleted while running: no domain, no files.
        p = self.service("delete", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIsNone(self.persistent(name))
        self.assertFalse(os.path.exists(conf))
        self.assertFalse(os.path.exists(data))
        p = self.service("status", name)
        self.assertOneLineError(p, "does not exist")

    def test_the_domain_ends_with_the_command(self):
        name = self.new_name()
        self.create(name, "/bin/sh", "-c", "echo done > /mnt/done")
        self.assertEqual(self.service("start", name).returncode, 0)
        wait_for("the service's end", lambda: domstate(self.URI, name) == "shut off")
        with open(os.path.join(self.out, "done")) as f:
            self.assertEqual(f.read(), "done\n")
        self.assertEqual(self.persistent(name), "yes")

    # -- the CLI's errors -------------------------------------------------------

    def test_a_name_in_use_is_refused(self):
        name = self.new_name()
        self.create(name, "/bin/true")
        p = self.service("create", "-c", self.URI, name, "--", "/bin/true")
        self.assertOneLineError(p, "in use", name)
        # The first one is untouched.
        self.assertEqual(self.persistent(name), "yes")

    def test_missing_service_non_root_and_bad_uri(self):
        missing = f"{PREFIX}missing"
        for sub in ("start", "stop", "status", "delete"):
            with self.subTest(sub=sub):
                self.assertOneLineError(self.service(sub, missing), "does not exist", missing)
        self.assertOneLineError(
            self.service("create", "-c", self.URI, missing, "--", "/bin/true", user=65534),
            "root")
        self.assertOneLineError(
            self.service("create", "-c", "test:///default", missing, "--", "/bin/true"),
            "test:///default", "lxc:///")
        self.assertFalse(os.path.exists(os.path.join(SERVICES_ROOT, missing)))

    # -- the walls --------------------------------------------------------------

    def test_walls_hold_in_a_service(self):
        name = self.new_name()
        tok = f"svc{os.getpid()}"
        target = tempfile.mkdtemp(prefix=f"sbx-attack-target-{tok}-", dir="/var/lib")
        os.chmod(target, 0o777)
        self.addCleanup(shutil.rmtree, target, ignore_errors=True)
        # A neighbour service's boot files, and its own.
        other = self.new_name()
        self.create(other, "/bin/true", options=["-e", "NEIGHBOUR_SECRET=s3cret"])
        paths = [f"{SERVICES_ROOT}/{other}/launch.json",
                 f"{SERVICES_ROOT}/{other}/config/sandbox.cfg",
                 f"{SERVICES_ROOT}/{name}/launch.json",
                 f"{SERVICES_ROOT}/{name}/config/sandbox.cfg",
                 "/dev/.libvirt-sandbox/launch.json"]
        reads = "; ".join(
            f'if cat {p} >/dev/null 2>&1; then echo "READ {p}"; else echo "DENIED {p}"; fi'
            for p in paths)
        script = f"({reads}) > /mnt/state; \"$@\" > /mnt/result 2>&1"
        self.create(name, "/bin/sh", "-c", script, "sh",
                    *attacks.probe_cmd("write_direct", target, tok))
        self.assertEqual(self.service("start", name).returncode, 0)
        wait_for("the probe's end", lambda: domstate(self.URI, name) == "shut off")
        with open(os.path.join(self.out, "state")) as f:
            state = f.read().split("\n")
        self.assertEqual([line for line in state if line.startswith("READ")], [],
                         f"the service read boot files: {state}")
        with open(os.path.join(self.out, "result"), "rb") as f:
            result = attacks.parse_result(f.read())
        self.assertIsNotNone(result, "the probe printed no result")
        self.assertTrue(result["visible"], result)
        written = {k: v for k, v in result["writes"].items() if v == "created"}
        self.assertEqual(written, {}, f"the service wrote to the host's root: {result}")
        self.assertEqual(os.listdir(target), [])
        self.assertFalse(os.path.exists(f"/etc/sbx-attack-{tok}"))

    # -- GObject introspection --------------------------------------------------

    def test_context_service_through_gi(self):
        typelibs = os.environ.get("GI_TYPELIB_PATH")
        if not typelibs:
            self.skipTest("needs the built typelib (GI_TYPELIB_PATH)")
        name = self.new_name()
        program = f"""
import sys, os, time
import gi
gi.require_version('LibvirtGObject', '1.0')
gi.require_version('LibvirtSandbox', '1.0')
from gi.repository import LibvirtGObject, LibvirtSandbox
LibvirtGObject.init_object_check(None)
conn = LibvirtGObject.Connection.new({self.URI!r})
conn.open(None)
cfg = LibvirtSandbox.ConfigServiceGeneric.new({name!r})
cfg.set_command(['/bin/sh', '-c', 'echo gi > /mnt/gi; exec sleep 600'])
cfg.add_mount_strv(['host-bind:/mnt={self.out}'])
ctx = LibvirtSandbox.ContextService.new(conn, cfg)
assert isinstance(ctx, LibvirtSandbox.Context)
ctx.define()
print('defined', flush=True)
ctx.start()
assert ctx.is_attached()
deadline = time.monotonic() + {BOOT_TIMEOUT}
while not os.path.exists({self.out!r} + '/gi'):
    assert time.monotonic() < deadline, 'the service did not run'
    time.sleep(0.1)
print('ran', flush=True)
ctx.stop()
assert not ctx.is_attached()
print('stopped', flush=True)
try:
    ctx.define()
except gi.repository.GLib.Error as e:
    print('redefine refused:', e.message, flush=True)
ctx.undefine()
print('undefined', flush=True)
"""
        p = subprocess.run(["/usr/bin/python3", "-c", program], capture_output=True, text=True,
                           timeout=sandboxtest.TIMEOUT * 2)
        if "No module named 'gi'" in p.stderr:
            self.skipTest("python3-gi is not installed")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[:3], ["defined", "ran", "stopped"], p.stdout)
        self.assertTrue(lines[3].startswith("redefine refused:") and "in use" in lines[3],
                        p.stdout)
        self.assertEqual(lines[4:], ["undefined"], p.stdout)
        self.assertIsNone(self.persistent(name))
        self.assertFalse(os.path.exists(os.path.join(SERVICES_ROOT, name)))


class LxcServiceTests(ServiceCase, unittest.TestCase):
    URI = "lxc:///"


class QemuServiceTests(ServiceCase, unittest.TestCase):
    URI = "qemu:///system"


if __name__ == "__main__":
    sandboxtest.main()
