#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a new user of virt-sandbox trips on, against a real libvirtd: the
URI libvirt chooses without -c (LIBVIRT_DEFAULT_URI honoured, --debug says
which), LIBVIRT_SANDBOX_DEBUG, the program name in log lines, one style for
every error, and one-line hints for an inactive or missing libvirt network
and for DHCP without udhcpc in the sandbox's root or without a server."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import nettest
import sandboxtest
from sandboxtest import TIMEOUT, VIRT_SANDBOX, SandboxTestCase

NETWORK = nettest.IsolatedNetwork("sandbox-cli", "192.168.249")
# No DHCP server on it.
NO_DHCP = nettest.IsolatedNetwork("sandbox-nodhcp", "192.168.246", dhcp=False)


def setUpModule():
    NETWORK.create()
    NO_DHCP.create()


def tearDownModule():
    NETWORK.destroy()
    NO_DHCP.destroy()


def run(args, env=None, **kw):
    return subprocess.run([VIRT_SANDBOX, *args], stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=TIMEOUT, env=env, **kw)


def env_without_uri(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("LIBVIRT_DEFAULT_URI", "LIBVIRT_SANDBOX_DEBUG", "G_MESSAGES_DEBUG")}
    env.update(extra)
    return env


class UsageErrors(unittest.TestCase):
    """clap's errors look like ours: `virt-sandbox: ...`, one line, status 2."""

    def check(self, *args, mentions):
        r = run(args)
        self.assertEqual(r.returncode, 2, r.stderr)
        lines = r.stderr.decode().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("virt-sandbox: "), lines[0])
        self.assertNotIn("error:", lines[0])
        self.assertIn(mentions, lines[0])

    def test_unknown_option(self):
        self.check("--no-such-option", "/bin/true", mentions="'--no-such-option'")

    def test_no_command(self):
        self.check(mentions="<COMMAND>")

    def test_conflicting_options(self):
        self.check("-p", "-S", "nobody", "/bin/true", mentions="--switchto")

    def test_our_own_errors_have_the_same_prefix(self):
        self.check("-m", "bogus", "/bin/true", mentions="invalid --mount")

    def test_help_shows_the_sub_syntax(self):
        r = run(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for syntax in (b"address=IP[/PREFIX][%BROADCAST]", b"route=NET[/PREFIX]%GATEWAY",
                       b"static,label=LABEL", b"file:TAG=PATH[,format=FMT]",
                       b"host-image:DST=IMAGE[,format=FMT]", b"LIBVIRT_DEFAULT_URI"):
            self.assertIn(syntax, r.stdout)


class DefaultUri(SandboxTestCase):
    """Without -c libvirt chooses, as it does for virsh."""

    def test_libvirt_default_uri_is_honoured(self):
        r = run(["-d", "--", "/bin/cat", "/proc/cmdline"],
                env=env_without_uri(LIBVIRT_DEFAULT_URI="lxc:///"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"virt-sandbox: using lxc:/// (from LIBVIRT_DEFAULT_URI)\n", r.stderr)
        # A container shares the host's kernel and so its command line (a
        # virtual machine's kernel has its own).
        with open("/proc/cmdline", "rb") as f:
            self.assertEqual(r.stdout, f.read())

    def test_without_anything_libvirt_chooses(self):
        env = env_without_uri()
        chosen = subprocess.run(["virsh", "uri"], capture_output=True, text=True, env=env,
                                check=True, timeout=60).stdout.strip()
        r = run(["-d", "--", "/bin/true"], env=env)
        self.assertIn(f"virt-sandbox: using {chosen} (libvirt's default)\n".encode(), r.stderr)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sandboxtest.domains(chosen) - self.domains_before, set())

    def test_c_wins(self):
        r = run(["-d", "-c", "lxc:///", "/bin/true"],
                env=env_without_uri(LIBVIRT_DEFAULT_URI="qemu:///system"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"virt-sandbox: using lxc:/// (from -c)\n", r.stderr)


class DebugOutput(SandboxTestCase):
    """LIBVIRT_SANDBOX_DEBUG (the original's switch) shows the library's
    debug messages, under the program's name."""

    def debug_lines(self, stream="stderr", **env):
        r = run(["-c", self.URI, "/bin/true"], env=env_without_uri(**env))
        self.assertEqual(r.returncode, 0, r.stderr)
        out = getattr(r, stream).decode()
        return [l for l in out.splitlines() if "LibvirtSandbox-DEBUG" in l]

    def test_libvirt_sandbox_debug(self):
        lines = self.debug_lines(LIBVIRT_SANDBOX_DEBUG="1")
        self.assertTrue(any("starting domain:" in l for l in lines), lines)
        self.assertTrue(all(l.startswith("(virt-sandbox:") for l in lines), lines)

    def test_no_debug_by_default(self):
        for stream in ("stdout", "stderr"):
            self.assertEqual(self.debug_lines(stream), [])
            self.assertEqual(self.debug_lines(stream, LIBVIRT_SANDBOX_DEBUG=""), [])

    def test_g_messages_debug_lines_name_the_program(self):
        # GLib's default handler writes debug messages to stdout.
        lines = self.debug_lines("stdout", G_MESSAGES_DEBUG="LibvirtSandbox")
        self.assertTrue(lines)
        self.assertTrue(all(l.startswith("(virt-sandbox:") for l in lines), lines)


class NetworkHints(SandboxTestCase):
    def one_line(self, r, code, *mentions):
        self.assertEqual(r.returncode, code, r.stderr)
        lines = r.stderr.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        for m in mentions:
            self.assertIn(m, lines[0])
        self.assertNotIn("  ", lines[0])

    def test_inactive_network(self):
        name = f"sandbox-inactive-{os.getpid()}"
        xml = f"<network><name>{name}</name><bridge name='vsbx{os.getpid() % 100000}'/></network>"
        with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
            f.write(xml)
            f.flush()
            subprocess.run(["virsh", "-q", "-c", "qemu:///system", "net-define", f.name],
                           check=True, capture_output=True, timeout=60)
        self.addCleanup(subprocess.run, ["virsh", "-q", "-c", "qemu:///system", "net-undefine",
                                         name], capture_output=True, timeout=60)
        r = self.sandbox("/bin/true", options=("-N", f"source={name},dhcp"))
        self.one_line(r, 1, f"'{name}'", "not active", f"virsh net-start {name}")

    def test_missing_network(self):
        r = self.sandbox("/bin/true", options=("-N", "source=no-such-network-here,dhcp"))
        self.one_line(r, 1, "no libvirt network 'no-such-network-here'", "net-list --all")


class DhcpClient(SandboxTestCase):
    """DHCP with udhcpc from the sandbox's root, else the init's own
    client; no server answering is one line naming the interface and the
    network."""

    def setUp(self):
        super().setUp()
        self.root = tempfile.mkdtemp(prefix="sandbox-nodhcp-")
        self.addCleanup(shutil.rmtree, self.root)
        os.chmod(self.root, 0o755)  # the sandbox's users traverse it
        for d in ("bin", "dev", "proc", "sys", "tmp", "etc", "usr"):
            os.makedirs(os.path.join(self.root, d))
        # busybox, but not under a name the init looks for as a DHCP client.
        shutil.copy("/bin/busybox", os.path.join(self.root, "bin", "sh"))
        for applet in ("true", "ip", "cat"):
            os.symlink("sh", os.path.join(self.root, "bin", applet))
        # Where the lease's DNS servers go (bound over it).
        open(os.path.join(self.root, "etc", "resolv.conf"), "w").close()

    def test_builtin_client_without_udhcpc(self):
        # No udhcpc: the init's client, the lease applied with busybox's ip.
        r = self.sandbox("/bin/sh", "-c", "ip -4 -o addr show scope global; cat /etc/resolv.conf",
                         options=("-r", self.root, "-N", f"source={NETWORK.name},dhcp"))
        self.assertEqual(r.returncode, 0, r.stderr)
        nettest.assert_dhcp_lease(self, r.stdout.decode(), NETWORK.subnet)
        self.assertIn(f"nameserver {NETWORK.host_ip}", r.stdout.decode())

    def test_no_server_says_so(self):
        start = time.monotonic()
        r = self.sandbox("/bin/true",
                         options=("-r", self.root, "-N", f"source={NO_DHCP.name},dhcp"))
        self.assertEqual(r.returncode, 125, r.stderr)
        self.assertLess(time.monotonic() - start, 60)
        lines = r.stderr.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn("DHCP on eth0 got no lease: no DHCP server answered", lines[0])
        self.assertIn(f"libvirt network '{NO_DHCP.name}'", lines[0])

    def test_standalone_udhcpc_is_used(self):
        os.symlink("/bin/sh", os.path.join(self.root, "bin", "udhcpc"))
        r = self.sandbox("/bin/sh", "-c", "ip -4 -o addr show scope global",
                         options=("-r", self.root, "-N", f"source={NETWORK.name},dhcp"))
        self.assertEqual(r.returncode, 0, r.stderr)
        nettest.assert_dhcp_lease(self, r.stdout.decode(), NETWORK.subnet)


if __name__ == "__main__":
    sandboxtest.main()
