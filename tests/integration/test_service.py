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
import fcntl
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
import nettest
import sandboxtest
import shlex
import socket
import urllib.request

VIRT_SANDBOX_SERVICE = os.environ.get("VIRT_SANDBOX_SERVICE", "virt-sandbox-service")
SERVICES_ROOT = "/etc/libvirt-sandbox/services"
DATA_ROOT = "/var/lib/libvirt/filesystems"
PREFIX = f"sbxsvc-{os.getpid()}-"
# A VM under TCG boots in a few seconds; CI machines are slow.
BOOT_TIMEOUT = 120
UNIT_DIR = "/etc/systemd/system"
NETWORK = nettest.IsolatedNetwork("sandbox-svc", "192.168.248")


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
        units = [u for u in os.listdir(UNIT_DIR) if u.startswith(PREFIX)] \
            if os.path.isdir(UNIT_DIR) else []
        for u in units:
            os.unlink(os.path.join(UNIT_DIR, u))
        self.assertEqual(units, [], f"systemd units left in {UNIT_DIR}")
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
        # The secret marks the init's lines on the output (see test_unit_*).
        self.assertRegex(spec["secret"], "^[0-9a-f]{32,}$")
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

    # -- systemd: the unit, run in the foreground --------------------------------

    def exec_start(self, name, notify_socket, listen=(), names=""):
        """The unit's ExecStart, started as systemd would: NOTIFY_SOCKET
        set, stdout and stderr to us; with `listen` (listening sockets),
        socket-activated: they are fds 3.., LISTEN_FDS their number,
        LISTEN_FDNAMES `names` and LISTEN_PID the runner's pid."""
        unit = os.path.join(UNIT_DIR, f"{name}_sandbox.service")
        with open(unit) as f:
            text = f.read()
        self.assertIn("\nType=notify\n", text)
        self.assertIn("\nRestart=on-failure\n", text)
        verify = subprocess.run(["systemd-analyze", "verify", "--man=no", unit], capture_output=True,
                                text=True, timeout=60)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        self.assertNotIn(unit, verify.stderr, verify.stderr)
        line = next(l for l in text.splitlines() if l.startswith("ExecStart="))
        env = dict(os.environ, NOTIFY_SOCKET=notify_socket)
        argv = shlex.split(line[len("ExecStart="):])
        if not listen:
            return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        # As systemd does: the sockets at 3.. (in the child only: our own fds
        # 3.. are something else), LISTEN_PID the pid that execs the runner.
        env.update(LISTEN_FDS=str(len(listen)), LISTEN_FDNAMES=names)
        fds = [s.fileno() for s in listen]

        def place():
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in fds]
            for i, fd in enumerate(high):
                os.dup2(fd, 3 + i)
        return subprocess.Popen(["/bin/sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh", *argv],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL,
                                pass_fds=tuple(range(3, 3 + len(fds))), preexec_fn=place)

    def notify_listener(self):
        d = tempfile.mkdtemp(prefix="sbxsvc-notify-")
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        path = os.path.join(d, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        self.addCleanup(sock.close)
        return sock, path

    def wait_ready(self, sock, proc):
        """The datagrams up to READY=1 (bounded)."""
        messages = []
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            sock.settimeout(0.5)
            try:
                messages.append(sock.recv(4096).decode())
            except socket.timeout:
                if proc.poll() is not None:
                    self.fail("the runner ended before READY=1: " + proc.stderr.read().decode())
                continue
            if any(l == "READY=1" for m in messages for l in m.split("\n")):
                return messages
        raise AssertionError(f"no READY=1 within {BOOT_TIMEOUT}s: {messages}")

    def ended(self, proc, timeout):
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"the runner did not end within {timeout}s: {err}")
        return proc.returncode, out.decode(), err.decode()

    def test_unit_serves_http_execute_reaches_inside_sigterm_stops_delete_cleans(self):
        NETWORK.create()
        self.addCleanup(NETWORK.destroy)
        name = self.new_name()
        ip = "192.168.248.20"
        with open(os.path.join(self.out, "index.html"), "w") as f:
            f.write("hello from the service\n")
        self.create(name, "/usr/bin/python3", "-u", "-m", "http.server", "8080", "--bind", ip,
                    "--directory", "/mnt",
                    options=["-N", f"source={NETWORK.name},address={ip}/24", "--stop-timeout=20"])
        sock, path = self.notify_listener()
        proc = self.exec_start(name, path)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        messages = self.wait_ready(sock, proc)
        self.assertIn("READY=1\nSTATUS=running", messages)
        self.assertEqual(domstate(self.URI, name), "running")
        # READY=1 comes when the command runs, not when it listens: poll the port.
        body = None
        deadline = time.monotonic() + BOOT_TIMEOUT
        while body is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://{ip}:8080/index.html", timeout=2) as r:
                    body = r.read().decode()
            except OSError:
                time.sleep(0.2)
        self.assertEqual(body, "hello from the service\n")

        # execute: a command inside, its output and exit status.
        p = self.service("execute", name, "--", "/bin/sh", "-c",
                         "cat /mnt/index.html; echo \"it's $(id -u)\" >&2; exit 7")
        self.assertEqual(p.returncode, 7, p.stdout + p.stderr)
        self.assertEqual(p.stdout, "hello from the service\nit's 0\n", p.stderr)
        p = self.service("execute", name, "--", "/bin/sh", "-c", "echo $PPID; true")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

        # SIGTERM: the service gets it and ends (143, the unit's success), in time.
        started = time.monotonic()
        proc.send_signal(15)
        code, out, err = self.ended(proc, 40)
        self.assertLess(time.monotonic() - started, 20, "it waited for the stop timeout")
        self.assertEqual(code, 143, err)
        self.assertIn('"GET /index.html HTTP/1.1" 200', out + err)
        self.assertNotIn("libvirt-sandbox-init: service ", out + err)
        self.assertEqual(domstate(self.URI, name), "shut off")

        # delete: no config, unit, domain or data.
        p = self.service("delete", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(UNIT_DIR, f"{name}_sandbox.service")))
        self.assertFalse(os.path.exists(os.path.join(SERVICES_ROOT, name)))
        self.assertFalse(os.path.exists(os.path.join(DATA_ROOT, name)))
        self.assertIsNone(self.persistent(name))

    def test_run_exit_status_and_output(self):
        name = self.new_name()
        self.create(name, "/bin/sh", "-c", "echo out; echo err >&2; echo -n partial; exit 3")
        sock, path = self.notify_listener()
        proc = self.exec_start(name, path)
        code, out, err = self.ended(proc, BOOT_TIMEOUT)
        self.assertEqual(code, 3, err)
        self.assertEqual(out, "out\nerr\npartial", err)
        self.assertEqual(domstate(self.URI, name), "shut off")
        # A second run boots again.
        proc = self.exec_start(name, path)
        code, out, err = self.ended(proc, BOOT_TIMEOUT)
        self.assertEqual(code, 3, err)

    def test_a_service_that_ignores_sigterm_is_destroyed_after_the_timeout(self):
        name = self.new_name()
        self.create(name, "/bin/sh", "-c",
                    "trap '' TERM; echo up > /mnt/up; while :; do sleep 1; done",
                    options=["--stop-timeout=3"])
        sock, path = self.notify_listener()
        proc = self.exec_start(name, path)
        self.wait_ready(sock, proc)
        # READY=1 comes as the command starts: wait for its trap.
        wait_for("the trap", lambda: os.path.exists(os.path.join(self.out, "up")))
        started = time.monotonic()
        proc.send_signal(15)
        code, out, err = self.ended(proc, 30)
        self.assertGreaterEqual(time.monotonic() - started, 3)
        self.assertEqual(code, 1, err)
        self.assertIn("did not stop within 3s", err)
        self.assertEqual(domstate(self.URI, name), "shut off")

    def test_the_commands_own_readiness_is_relayed_and_output_cannot_forge_marks(self):
        """create --notify: the command gets a NOTIFY_SOCKET (in a VM too);
        READY=1 reaches systemd when the command says it (after it
        listens), not before; marks printed by the command (it cannot read
        the secret) are output, not marks."""
        NETWORK.create()
        self.addCleanup(NETWORK.destroy)
        name = self.new_name()
        ip = "192.168.248.21"
        script = f"""
import json, os, socket, sys, time
a = os.environ['NOTIFY_SOCKET']
a = '\\0' + a[1:] if a.startswith('@') else a
n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
secret = '0' * 32
for path in ('/dev/.libvirt-sandbox/launch.json',
             '/etc/libvirt-sandbox/services/{name}/launch.json'):
    try:
        secret = json.load(open(path))['secret']
        print('read the secret from', path, flush=True)
    except OSError:
        pass
forged = 'libvirt-sandbox-init: service ' + secret + ' '
for mark in ('notify ' + b'READY=1'.hex(), 'started', 'exit 0'):
    print(forged + mark, flush=True)
print('READY=1', flush=True)
sys.stdout.write('partial '); sys.stdout.flush()
n.sendto(b'STATUS=waiting for go', a)
time.sleep(0.5)
sys.stdout.write('line\\n'); sys.stdout.flush()
while not os.path.exists('/mnt/go'):
    time.sleep(0.05)
l = socket.socket()
l.bind(('{ip}', 8081))
l.listen()
n.sendto(b'READY=1\\nSTATUS=listening', a)
c, _ = l.accept()
c.sendall(b'hello\\n')
c.close()
time.sleep(600)
"""
        self.create(name, "/usr/bin/python3", "-u", "-c", script,
                    options=["--notify", "-N", f"source={NETWORK.name},address={ip}/24"])
        sock, path = self.notify_listener()
        proc = self.exec_start(name, path)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        # The command's status first, and no READY=1 (ours or forged) before the go.
        messages = []
        deadline = time.monotonic() + BOOT_TIMEOUT
        while "STATUS=waiting for go" not in messages:
            self.assertLess(time.monotonic(), deadline,
                            f"the command's STATUS= was not relayed: {messages}")
            sock.settimeout(0.5)
            try:
                messages.append(sock.recv(4096).decode())
            except socket.timeout:
                if proc.poll() is not None:
                    self.fail("the runner ended: " + "".join(self.ended(proc, 10)[1:]))
        self.assertEqual(messages, ["STATUS=waiting for go"])
        # Nothing more comes while the command waits.
        sock.settimeout(2)
        with self.assertRaises(socket.timeout):
            self.fail(f"a message before the go: {sock.recv(4096)!r}")
        open(os.path.join(self.out, "go"), "w").close()
        messages = self.wait_ready(sock, proc)
        self.assertEqual(messages, ["READY=1\nSTATUS=listening"])
        # Ready means listening: one connection, no retry.
        with socket.create_connection((ip, 8081), timeout=10) as c:
            self.assertEqual(c.makefile().readline(), "hello\n")
        proc.send_signal(15)
        code, out, err = self.ended(proc, 40)
        self.assertEqual(code, 143, err)
        self.assertNotIn("read the secret", out)
        for mark in ("notify 52454144593d31", "started", "exit 0"):
            self.assertIn(f"libvirt-sandbox-init: service {'0' * 32} {mark}\n", out)
        self.assertIn("\nREADY=1\n", out)
        self.assertIn("partial line\n", out)

    def test_clone_and_upgrade(self):
        name = self.new_name()
        self.create(name, "/bin/sh", "-c", "echo $0 > /mnt/ran", "first")
        with open(os.path.join(DATA_ROOT, name, "kept"), "w") as f:
            f.write("data\n")
        copy = self.new_name()
        p = self.service("clone", name, copy)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.persistent(copy), "yes")
        with open(os.path.join(DATA_ROOT, copy, "kept")) as f:
            self.assertEqual(f.read(), "data\n")
        self.assertTrue(os.path.exists(os.path.join(UNIT_DIR, f"{copy}_sandbox.service")))
        self.assertOneLineError(self.service("clone", name, copy), "in use")
        p = self.service("upgrade", copy)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(DATA_ROOT, copy, "kept")) as f:
            self.assertEqual(f.read(), "data\n")
        self.assertEqual(self.service("start", copy).returncode, 0)
        wait_for("the clone's run", lambda: domstate(self.URI, copy) == "shut off"
                 and os.path.exists(os.path.join(self.out, "ran")))

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
        self.assertOneLineError(self.service("execute", missing, "--", "/bin/true"),
                                "does not exist", missing)
        self.assertOneLineError(self.service("run", missing), "does not exist", missing)
        self.assertOneLineError(self.service("clone", missing, f"{PREFIX}x"),
                                "does not exist", missing)
        # A name no unit can have, refused before anything is made.
        p = self.service("create", "-c", self.URI, f"{PREFIX}a@b", "--", "/bin/true")
        self.assertOneLineError(p, "cannot name a systemd unit")
        self.assertFalse(os.path.exists(os.path.join(SERVICES_ROOT, f"{PREFIX}a@b")))

    def test_execute_and_connect_need_a_running_service_with_a_shell(self):
        name = self.new_name()
        self.create(name, "/bin/true")
        self.assertOneLineError(self.service("execute", name, "--", "/bin/true"), "not running")
        self.assertOneLineError(self.service("connect", name), "not running")
        shellless = self.new_name()
        self.create(shellless, "/bin/sh", "-c", "exec sleep 600", options=["--no-shell"])
        self.assertEqual(self.service("start", shellless).returncode, 0)
        self.assertOneLineError(self.service("execute", shellless, "--", "/bin/true"),
                                "no root shell")
        self.assertEqual(self.service("stop", shellless).returncode, 0)
        # A unit someone else wrote stays at delete.
        other = self.new_name()
        self.create(other, "/bin/true", options=["--no-unit"])
        unit = os.path.join(UNIT_DIR, f"{other}_sandbox.service")
        with open(unit, "w") as f:
            f.write("[Service]\nExecStart=/bin/true\n")
        self.addCleanup(lambda: os.path.exists(unit) and os.unlink(unit))
        p = self.service("delete", other)
        self.assertOneLineError(p, "not written by virt-sandbox-service")
        self.assertTrue(os.path.exists(unit))
        self.assertFalse(os.path.exists(os.path.join(SERVICES_ROOT, other)))
        os.unlink(unit)

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

    # -- the service's data: -p PATH, -i SIZE, -C ------------------------------

    def data_root(self):
        """A directory for -p, checked to be left empty."""
        root = tempfile.mkdtemp(prefix="sbxsvc-data-", dir="/var/tmp")
        # A VM's QEMU user must search it to reach an image in it (as it may
        # /var/lib/libvirt/filesystems); the service's own directory it is lent.
        os.chmod(root, 0o711)
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        self.addCleanup(lambda: self.assertEqual(os.listdir(root), [], f"data left in {root}"))
        return root

    def run_to_end(self, name):
        self.assertEqual(self.service("start", name).returncode, 0)
        wait_for("the service's end", lambda: domstate(self.URI, name) == "shut off")

    def assertUsageError(self, p, *words):
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        for word in words:
            self.assertIn(word, lines[0])

    def test_data_path_holds_the_data_and_is_recorded(self):
        root = self.data_root()
        name = self.new_name()
        self.create(name, "/bin/sh", "-c", "echo kept > /srv/f; echo done > /mnt/done",
                    options=["-p", root, "-m", "host-bind:/srv="])
        data = os.path.join(root, name)
        self.assertEqual(mode(data), 0o700)
        self.assertFalse(os.path.exists(os.path.join(DATA_ROOT, name)))
        with open(os.path.join(SERVICES_ROOT, name, "config", "sandbox.cfg")) as f:
            self.assertIn(f"root={root}", f.read())
        self.run_to_end(name)
        with open(os.path.join(data, "srv", "f")) as f:
            self.assertEqual(f.read(), "kept\n")
        # upgrade keeps it there; clone puts the copy beside it.
        self.assertEqual(self.service("upgrade", name).returncode, 0)
        with open(os.path.join(data, "srv", "f")) as f:
            self.assertEqual(f.read(), "kept\n")
        copy = self.new_name()
        p = self.service("clone", name, copy)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(root, copy, "srv", "f")) as f:
            self.assertEqual(f.read(), "kept\n")
        self.assertFalse(os.path.exists(os.path.join(DATA_ROOT, copy)))
        for n in (name, copy):
            p = self.service("delete", n)
            self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.listdir(root), [])

    def test_a_bad_data_path_is_refused(self):
        name = self.new_name()
        afile = os.path.join(self.out, "file")
        open(afile, "w").close()
        for path, words in (("relative/dir", ("--path", "relative/dir", "absolute")),
                            (afile, ("--path", afile, "not a directory")),
                            (os.path.join(self.out, "missing"), ("--path", "missing"))):
            with self.subTest(path=path):
                p = self.service("create", "-c", self.URI, "-p", path, name, "--", "/bin/true")
                self.assertUsageError(p, *words)
        self.assertFalse(os.path.exists(os.path.join(SERVICES_ROOT, name)))

    def test_image_backed_data(self):
        root = self.data_root()
        name = self.new_name()
        self.create(name, "/bin/sh", "-c", "echo in-image >> /srv/f",
                    options=["-p", root, "-i", "16M", "-m", "host-bind:/srv="])
        image = os.path.join(root, name, "data.img")
        st = os.stat(image)
        self.assertEqual(st.st_size, 16 << 20)
        self.assertLess(st.st_blocks * 512, 8 << 20, "the image is not sparse")
        # Root's (a VM's QEMU user is lent it by a named ACL entry).
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode) & 0o707), (0, 0o600))
        self.assertTrue(attacks.acl_gives_group_and_others_nothing(image), image)
        self.assertFalse(os.path.exists(os.path.join(root, name, "srv")))
        self.run_to_end(name)
        cat = subprocess.run(["debugfs", "-R", "cat /srv/f", image], capture_output=True,
                             text=True)
        self.assertEqual(cat.stdout, "in-image\n", cat.stderr)
        # upgrade keeps the image (and lends it to the new domain's QEMU).
        p = self.service("upgrade", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.run_to_end(name)
        cat = subprocess.run(["debugfs", "-R", "cat /srv/f", image], capture_output=True,
                             text=True)
        self.assertEqual(cat.stdout, "in-image\nin-image\n", cat.stderr)
        # clone copies the image; delete removes both.
        copy = self.new_name()
        p = self.service("clone", name, copy)
        self.assertEqual(p.returncode, 0, p.stderr)
        # The copy runs on its own image.
        self.run_to_end(copy)
        cat = subprocess.run(["debugfs", "-R", "cat /srv/f", os.path.join(root, copy, "data.img")],
                             capture_output=True, text=True)
        self.assertEqual(cat.stdout, "in-image\n" * 3, cat.stderr)
        for n in (name, copy):
            p = self.service("delete", n)
            self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.listdir(root), [])

    def test_start_keeps_the_output_in_a_log(self):
        name = self.new_name()
        log = f"/var/log/libvirt-sandbox/{name}.log"
        self.create(name, "/bin/sh", "-c", "echo first-line; echo to-stderr >&2; exit 4")
        p = self.service("log", name)
        self.assertOneLineError(p, "no log", log)
        p = self.service("start", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(log, p.stdout)
        def text():
            with open(log) as f:
                return f.read()
        wait_for("the output in the log", lambda: os.path.exists(log) and "to-stderr" in text())
        wait_for("the service's end", lambda: domstate(self.URI, name) == "shut off")
        self.assertEqual(mode(log), 0o600)
        self.assertEqual(mode(os.path.dirname(log)) & 0o077, 0)
        p = self.service("log", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertTrue(lines[0].startswith(f"-- virt-sandbox-service: start {name} "), p.stdout)
        self.assertEqual(lines[1:3], ["first-line", "to-stderr"], p.stdout)
        # The init's marks are not in it.
        self.assertNotIn("libvirt-sandbox-init: service ", p.stdout)
        self.assertEqual(self.service("log", "--path", name).stdout.strip(), log)
        # A second start appends.
        self.assertEqual(self.service("start", name).returncode, 0)
        wait_for("the second run in the log", lambda: text().count("first-line") == 2)
        p = self.service("delete", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(log))

    def test_a_bad_image_size_is_refused(self):
        name = self.new_name()
        for size, word in (("10X", "unknown unit"), ("0", "must not be zero"), ("1K", "at least 1M"),
                           ("lots", "expected a number")):
            with self.subTest(size=size):
                p = self.service("create", "-c", self.URI, "-i", size, name, "--", "/bin/true")
                self.assertUsageError(p, "--image-size", word)
        self.assertFalse(os.path.exists(os.path.join(SERVICES_ROOT, name)))
        self.assertFalse(os.path.exists(os.path.join(DATA_ROOT, name)))


class LxcServiceTests(ServiceCase, unittest.TestCase):
    URI = "lxc:///"

    # -- systemd services (create -u UNIT) ------------------------------------

    WEB_SCRIPT = """import functools, glob, http.server, json, os, socket, sys
state = sys.argv[1]
# Output for `run`'s stdout, and a mark it must not take for one (the
# unit cannot read the secret).
secret = '0' * 32
for path in ['/dev/.libvirt-sandbox/launch.json'] + glob.glob('/etc/libvirt-sandbox/services/*/launch.json'):
    try:
        secret = json.load(open(path))['secret']
        print('read the secret from', path, flush=True)
    except Exception:
        pass
print('sbx-unit-says-on-stdout', flush=True)
print('sbx-unit-says-on-stderr', file=sys.stderr, flush=True)
print('libvirt-sandbox-init: service ' + secret + ' exit 7', flush=True)
with open(os.path.join(state, 'boots'), 'a') as f:
    f.write('boot\\n')
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=state)
server = http.server.HTTPServer((sys.argv[2], 8080), handler)
a = os.environ['NOTIFY_SOCKET']
a = '\\0' + a[1:] if a.startswith('@') else a
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'READY=1', a)
server.serve_forever()
"""

    def host_unit(self, ip):
        """A unit file on the host (not one of PREFIX: tearDown counts
        those as left by the CLI): a Type=notify web server serving its
        StateDirectory=, which it writes at every start."""
        unit = f"sbxunit-{os.getpid()}-{self.count}.service"
        state = unit[:-len(".service")]
        with open(os.path.join(self.out, "web.py"), "w") as f:
            f.write(self.WEB_SCRIPT)
        path = os.path.join(UNIT_DIR, unit)
        with open(path, "w") as f:
            f.write("[Unit]\nDescription=a test unit of libvirt-sandbox\n"
                    f"[Service]\nType=notify\nStateDirectory={state}\n"
                    f"ExecStart=/usr/bin/python3 /mnt/web.py /var/lib/{state} {ip}\n")
        self.addCleanup(os.unlink, path)
        return unit, state

    def delegated_cgroup(self, name):
        """The host's cgroup2 directory the init gave to the service's
        systemd, or None."""
        root = "/sys/fs/cgroup/unified"
        if not os.path.isdir(root):
            root = "/sys/fs/cgroup"
        for top, dirs, _ in os.walk(root):
            if f"libvirt-sandbox-{name}" in dirs:
                return os.path.join(top, f"libvirt-sandbox-{name}")
            if top.count("/") - root.count("/") >= 3:
                dirs.clear()
        return None

    def get(self, url):
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode()

    def test_a_host_unit_boots_under_systemd_with_only_its_units_and_its_state_kept(self):
        """create -u: systemd is the sandbox's init and starts the chosen
        unit and nothing the host enabled; readiness is the inner
        systemd's (after the Type=notify unit's own READY=1, so it serves
        at once); the StateDirectory= is the service's, kept in its data
        across a restart; reload -u restarts the unit inside; SIGTERM
        halts systemd; delete removes the data and the mount point."""
        enabled = "/etc/systemd/system/multi-user.target.wants/libvirtd.service"
        if not os.path.exists(enabled):
            self.skipTest(f"the host does not enable libvirtd.service ({enabled})")
        NETWORK.create()
        self.addCleanup(NETWORK.destroy)
        name = self.new_name()
        ip = "192.168.248.30"
        unit, state = self.host_unit(ip)
        mount_point = f"/var/lib/{state}"
        self.assertFalse(os.path.exists(mount_point))
        p = self.service("create", "-c", self.URI, "-m", f"host-bind:/mnt={self.out}",
                         "-N", f"source={NETWORK.name},address={ip}/24", "-u", unit, name)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(UNIT_DIR, f"{name}_sandbox.service")) as f:
            self.assertIn(" --notify ", f.read())
        kept = os.path.join(DATA_ROOT, name, "var", "lib", state, "boots")

        for boot in (1, 2):
            sock, path = self.notify_listener()
            proc = self.exec_start(name, path)
            self.addCleanup(lambda proc=proc: proc.poll() is None and proc.kill())
            self.wait_ready(sock, proc)
            # Ready means the unit is up: no polling.
            self.assertEqual(self.get(f"http://{ip}:8080/boots"), "boot\n" * boot)
            # systemd's cgroup: delegated to the sandbox's unprivileged root,
            # with the unit below it.
            cgroup = self.delegated_cgroup(name)
            self.assertIsNotNone(cgroup, "no delegated cgroup2 directory on the host")
            self.assertGreaterEqual(os.stat(cgroup).st_uid, 0x40000000, cgroup)
            self.assertTrue(os.path.isdir(os.path.join(cgroup, "system.slice", unit)), cgroup)
            with open(kept) as f:
                self.assertEqual(f.read(), "boot\n" * boot)
            p = self.service("execute", name, "--", "systemctl", "is-active", unit)
            self.assertEqual((p.returncode, p.stdout), (0, "active\n"), p.stderr)
            p = self.service("execute", name, "--", "/bin/sh", "-c",
                             "systemctl is-active libvirtd.service; echo $?; "
                             "cat /proc/[0-9]*/comm")
            self.assertEqual(p.returncode, 0, p.stdout)
            # 3: not active (the host enables it: it is not even loaded inside).
            self.assertTrue(p.stdout.startswith("inactive\n3\n"), p.stdout)
            comms = set(p.stdout.split("\n")[2:])
            self.assertIn("systemd", comms)
            self.assertIn("python3", comms)
            self.assertNotIn("libvirtd", comms)
            if boot == 2:
                p = self.service("reload", "-u", unit, name)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                self.assertEqual(self.get(f"http://{ip}:8080/boots"), "boot\n" * 3)
            # The rest of the root stays the host's, read-only.
            p = self.service("execute", name, "--", "/bin/sh", "-c",
                             "touch /etc/sbx-systemd-escape || touch /usr/sbx-systemd-escape")
            self.assertNotEqual(p.returncode, 0, p.stdout)
            self.assertFalse(os.path.exists("/etc/sbx-systemd-escape"))
            self.assertFalse(os.path.exists("/usr/sbx-systemd-escape"))
            # Attacks of root inside: the host's kernel tunables, and a
            # cgroup hierarchy of the host's cgroup namespace.
            # (The host's own value: harmless if it got through.)
            tunable = "/proc/sys/kernel/panic"
            with open(tunable) as f:
                before = f.read()
            for attack in (f"echo {before.strip()} > {tunable}",
                           "mkdir -p /tmp/cg && mount -t cgroup2 none /tmp/cg",
                           "mkdir -p /tmp/cg1 && mount -t cgroup -o none,name=systemd none /tmp/cg1"):
                p = self.service("execute", name, "--", "/bin/sh", "-c", attack)
                self.assertNotEqual(p.returncode, 0, f"{attack}: {p.stdout}")
            with open(tunable) as f:
                self.assertEqual(f.read(), before)
            proc.send_signal(15)
            code, out, err = self.ended(proc, 40)
            # Not the unit's forged exit 7.
            self.assertIn(code, (0, 143), err)
            # The unit's stdout and stderr come out of the runner's, as a
            # command's do (into the journal of the host's unit).
            self.assertIn("sbx-unit-says-on-stdout\n", out + err)
            self.assertIn("sbx-unit-says-on-stderr\n", out + err)
            self.assertIn(" exit 7\n", out)
            self.assertNotIn("read the secret", out + err)
            self.assertNotIn("\r\n", out)
            self.assertEqual(domstate(self.URI, name), "shut off")
            self.assertIsNone(self.delegated_cgroup(name), "systemd's cgroup left behind")
            if boot == 1:
                # The domain and unit directory made anew from the saved
                # config and the host's units; the state stays (boot 2
                # counts on it).
                p = self.service("upgrade", name)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

        p = self.service("delete", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(DATA_ROOT, name)))
        self.assertFalse(os.path.exists(mount_point))

    def test_systemd_service_errors(self):
        name = self.new_name()
        p = self.service("create", "-c", self.URI, "-u", "sbx-no-such-unit.service", name)
        self.assertOneLineError(p, "unknown unit 'sbx-no-such-unit.service'")
        for extra, needle in ((["-i", "16M"], "--image-size is not supported for a systemd"),
                              (["--socket", "8097"], "--socket is not supported with -u")):
            p = self.service("create", "-c", self.URI, *extra, "-u", "libvirtd.service", name)
            self.assertOneLineError(p, needle)
            self.assertFalse(os.path.exists(os.path.join(DATA_ROOT, name)))
        p = self.service("create", "-c", self.URI, "-u", "../etc.service", name)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("is no unit name", p.stderr)
        p = self.service("create", "-c", "qemu:///system", "-u", "libvirtd.service", name)
        self.assertOneLineError(p, "lxc:/// only")
        self.assertFalse(os.path.exists(os.path.join(SERVICES_ROOT, name)))
        self.create(name, "/bin/true")
        p = self.service("reload", "-u", "x.service", name)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("no systemd service", p.stderr)

    def test_the_task_limit_holds_under_run(self):
        name = self.new_name()
        script = ("import os, time\n"
                  "n = 0\n"
                  "try:\n"
                  "    while n < 200:\n"
                  "        if os.fork() == 0:\n"
                  "            time.sleep(60)\n"
                  "            os._exit(0)\n"
                  "        n += 1\n"
                  "except OSError as e:\n"
                  "    print('fork failed:', e.strerror, flush=True)\n"
                  "open('/mnt/count', 'w').write(str(n))\n")
        self.create(name, "/usr/bin/python3", "-c", script, options=["--max-tasks", "30"])
        sock, path = self.notify_listener()
        proc = self.exec_start(name, path)
        code, out, err = self.ended(proc, BOOT_TIMEOUT)
        self.assertEqual(code, 0, err)
        self.assertIn("fork failed: Resource temporarily unavailable", out)
        with open(os.path.join(self.out, "count")) as f:
            count = int(f.read())
        self.assertLess(count, 30)
        self.assertGreater(count, 5)

    def test_a_command_that_speaks_the_notify_protocol_says_when_it_is_ready(self):
        name = self.new_name()
        script = ("import os, socket, time\n"
                  "open('/mnt/before-ready', 'w').close()\n"
                  "a = os.environ['NOTIFY_SOCKET']\n"
                  "a = '\\0' + a[1:] if a.startswith('@') else a\n"
                  "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
                  "s.sendto(b'MAINPID=1\\nSTATUS=warm\\nREADY=1', a)\n"
                  "time.sleep(600)\n")
        self.create(name, "/usr/bin/python3", "-c", script, options=["--notify"])
        sock, path = self.notify_listener()
        proc = self.exec_start(name, path)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        messages = self.wait_ready(sock, proc)
        # Its own READY=1 (MAINPID is the runner's to say), none of ours.
        self.assertEqual(messages, ["STATUS=warm\nREADY=1"])
        self.assertTrue(os.path.exists(os.path.join(self.out, "before-ready")))
        proc.send_signal(15)
        code, out, err = self.ended(proc, 30)
        self.assertEqual(code, 143, err)

    def test_a_running_image_backed_service_is_not_cloned(self):
        name = self.new_name()
        self.create(name, "/bin/sh", "-c", "echo up > /mnt/up; exec sleep 600",
                    options=["-i", "4M", "-m", "host-bind:/srv="])
        self.assertEqual(self.service("start", name).returncode, 0)
        wait_for("the service's start", lambda: os.path.exists(os.path.join(self.out, "up")))
        copy = self.new_name()
        self.assertOneLineError(self.service("clone", name, copy), "stop it first")
        self.assertFalse(os.path.exists(os.path.join(SERVICES_ROOT, copy)))
        self.assertFalse(os.path.exists(os.path.join(DATA_ROOT, copy)))

    def test_copy_binds_a_private_copy(self):
        src = tempfile.mkdtemp(prefix="sbxsvc-src-", dir="/var/tmp")
        self.addCleanup(shutil.rmtree, src, ignore_errors=True)
        with open(os.path.join(src, "orig"), "w") as f:
            f.write("from the host\n")
        name = self.new_name()
        # -C: every host bind is copied (so no /mnt=self.out here).
        p = self.service("create", "-c", self.URI, "-C", "-m", f"host-bind:/srv={src}", name,
                         "--", "/bin/sh", "-c",
                         "cat /srv/orig > /srv/seen; echo changed > /srv/orig")
        self.assertEqual(p.returncode, 0, p.stderr)
        data = os.path.join(DATA_ROOT, name)
        with open(os.path.join(data, "srv", "orig")) as f:
            self.assertEqual(f.read(), "from the host\n")
        self.run_to_end(name)
        with open(os.path.join(data, "srv", "seen")) as f:
            self.assertEqual(f.read(), "from the host\n")
        with open(os.path.join(data, "srv", "orig")) as f:
            self.assertEqual(f.read(), "changed\n")
        # The host's directory is unchanged.
        self.assertEqual(sorted(os.listdir(src)), ["orig"])
        with open(os.path.join(src, "orig")) as f:
            self.assertEqual(f.read(), "from the host\n")


    def test_socket_activation_passes_systemds_sockets_to_the_command(self):
        """create --socket: a NAME_sandbox.socket beside the service; run,
        started as systemd starts a socket-activated unit, passes its fds
        3 and 4 into the container, where the command (and nothing else)
        gets them as fds 3 and 4 with LISTEN_FDS, LISTEN_FDNAMES and
        LISTEN_PID its own pid, and answers connections from the host on
        them."""
        listen = []
        for _ in range(2):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.addCleanup(s.close)
            s.bind(("127.0.0.1", 0))
            s.listen()
            listen.append(s)
        ports = [s.getsockname()[1] for s in listen]
        name = self.new_name()
        script = ("import os, socket, time\n"
                  "env = os.environ\n"
                  "pid_ok = env.get('LISTEN_PID') == str(os.getpid())\n"
                  "try:\n"
                  "    os.fstat(5)\n"
                  "    more = 'fd 5 is open'\n"
                  "except OSError:\n"
                  "    more = 'no fd 5'\n"
                  "for fd in (3, 4):\n"
                  "    c, _ = socket.socket(fileno=fd).accept()\n"
                  "    c.sendall(f\"fd {fd}: fds={env.get('LISTEN_FDS')} "
                  "names={env.get('LISTEN_FDNAMES')} pid_ok={pid_ok} {more} "
                  "uid={os.getuid()}\\n\".encode())\n"
                  "    c.close()\n"
                  "time.sleep(600)\n")
        self.create(name, "/usr/bin/python3", "-c", script,
                    options=["--socket", f"127.0.0.1:{ports[0]}",
                             "--socket", f"127.0.0.1:{ports[1]}"])
        unit = os.path.join(UNIT_DIR, f"{name}_sandbox.socket")
        with open(unit) as f:
            text = f.read()
        self.assertIn(f"\nListenStream=127.0.0.1:{ports[0]}\n"
                      f"ListenStream=127.0.0.1:{ports[1]}\n", text)
        self.assertEqual(mode(unit), 0o644)
        with open(os.path.join(UNIT_DIR, f"{name}_sandbox.service")) as f:
            service = f.read()
        self.assertIn(f"\nRequires={name}_sandbox.socket\n", service)
        verify = subprocess.run(["systemd-analyze", "verify", "--man=no", unit,
                                 os.path.join(UNIT_DIR, f"{name}_sandbox.service")],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        self.assertNotIn(name, verify.stderr, verify.stderr)

        sock, path = self.notify_listener()
        proc = self.exec_start(name, path, listen=listen, names="web:admin")
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.assertEqual(self.wait_ready(sock, proc), ["READY=1\nSTATUS=running"])
        # The host's sockets, in order, answered inside.
        for fd, port in zip((3, 4), ports):
            with socket.create_connection(("127.0.0.1", port), timeout=BOOT_TIMEOUT) as c:
                c.settimeout(BOOT_TIMEOUT)
                answer = c.makefile().readline()
            self.assertEqual(answer, f"fd {fd}: fds=2 names=web:admin pid_ok=True no fd 5 "
                                     "uid=0\n")
        # The root shell (started by the init too) has none of them.
        p = self.service("execute", name, "--", "/bin/sh", "-c",
                         "for f in /proc/$$/fd/*; do readlink $f; done; true")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("socket:", p.stdout)
        self.assertIn("/dev/", p.stdout)
        proc.send_signal(15)
        code, out, err = self.ended(proc, 40)
        self.assertEqual(code, 143, out + err)
        # delete removes the socket unit too.
        self.assertEqual(self.service("delete", name).returncode, 0)
        self.assertFalse(os.path.exists(unit))

    def test_socket_activation_errors(self):
        name = self.new_name()
        for bad in ("", "8080 x", "127.0.0.1:99999", "relative/path", "/run/a%b"):
            with self.subTest(bad=bad):
                p = self.service("create", "-c", self.URI, "--socket", bad, name, "--",
                                 "/bin/true")
                self.assertOneLineError(p, "--socket")
                self.assertFalse(os.path.exists(os.path.join(SERVICES_ROOT, name)))
        self.assertOneLineError(
            self.service("create", "-c", self.URI, "--socket", "8080", "--no-unit", name, "--",
                         "/bin/true"), "--socket", "--no-unit")


class QemuServiceTests(ServiceCase, unittest.TestCase):
    URI = "qemu:///system"

    def test_socket_activation_needs_a_container(self):
        name = self.new_name()
        p = self.service("create", "-c", self.URI, "--socket", "8080", name, "--", "/bin/true")
        self.assertOneLineError(p, "--socket", "lxc:///")
        self.assertFalse(os.path.exists(os.path.join(SERVICES_ROOT, name)))
        self.assertFalse(os.path.exists(os.path.join(UNIT_DIR, f"{name}_sandbox.socket")))


if __name__ == "__main__":
    sandboxtest.main()
