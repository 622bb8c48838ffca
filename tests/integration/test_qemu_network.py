#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Networking of QEMU sandboxes (virtio NICs, configured by the same init
code as LXC) on an isolated libvirt network the test creates: no forwarding,
traffic stays between this host and its sandboxes. Several checks per VM: a
start costs seconds under TCG."""
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

import nettest
import sandboxtest
from sandboxtest import TIMEOUT, VIRT_SANDBOX, SandboxTestCase

URI = "qemu:///system"
NETWORK = nettest.IsolatedNetwork("sandbox-qtest", "192.168.250")
NET = NETWORK.name
SUBNET = NETWORK.subnet
HOST_IP = NETWORK.host_ip
PORT, SERVE = nettest.PORT, nettest.SERVE
CONNECT = nettest.connect_script(HOST_IP)


def setUpModule():
    NETWORK.create()


def tearDownModule():
    NETWORK.destroy()


class Network(SandboxTestCase):
    URI = URI

    def net(self, extra=""):
        return ("-N", f"source={NET}" + extra)

    def test_static_dhcp_routes_and_host_reaches_sandbox(self):
        script = ("ip -4 -o addr show scope global; ip route; cat /etc/resolv.conf; "
                  "exec /usr/bin/python3 -c \"$0\"")
        proc = subprocess.Popen(
            [VIRT_SANDBOX, "-c", self.URI,
             *self.net(f",address={SUBNET}.5/24,route=10.99.0.0/16%{HOST_IP}"),
             *self.net(",dhcp"), "--", "/bin/sh", "-c", script, SERVE],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            before = b""
            while not before.endswith(b"listening\n"):
                line = proc.stdout.readline()
                self.assertTrue(line, f"the sandbox ended early: {before!r}")
                before += line
            with socket.create_connection((f"{SUBNET}.5", PORT), timeout=10) as c:
                self.assertEqual(c.recv(100), b"from-sandbox")
            _, err = proc.communicate(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 0, err)
        out = before.decode()
        self.assertIn(f"inet {SUBNET}.5/24", out)
        nettest.assert_dhcp_lease(self, out, SUBNET)
        self.assertIn(f"10.99.0.0/16 via {HOST_IP}", out)
        self.assertIn(f"nameserver {HOST_IP}", out)

    def test_dhcp_without_udhcpc(self):
        # A root with busybox only as /bin/sh (virtiofs shares no /dev/null
        # bound over a file): no udhcpc, the init's own DHCP client gets
        # the lease, busybox's ip applet applies it.
        root = tempfile.mkdtemp(prefix="sandbox-nodhcp-")
        self.addCleanup(shutil.rmtree, root)
        os.chmod(root, 0o755)
        for d in ("bin", "dev", "proc", "sys", "tmp", "etc", "usr"):
            os.makedirs(os.path.join(root, d))
        shutil.copy("/bin/busybox", os.path.join(root, "bin", "sh"))
        for applet in ("ip", "cat"):
            os.symlink("sh", os.path.join(root, "bin", applet))
        open(os.path.join(root, "etc", "resolv.conf"), "w").close()
        r = self.sandbox("/bin/sh", "-c", "ip -4 -o addr show scope global; cat /etc/resolv.conf",
                         options=("-r", root, *self.net(",dhcp")))
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        nettest.assert_dhcp_lease(self, out, SUBNET)
        self.assertIn(f"nameserver {HOST_IP}", out)

    def test_sandbox_reaches_host_through_a_filter(self):
        # clean-traffic lets the interface send only from the IP it is given.
        server, port, thread = nettest.serve_on_host(self, HOST_IP)
        allowed = self.sandbox("/usr/bin/python3", "-c", CONNECT, port, options=self.net(
            f",address={SUBNET}.7/24,filter=clean-traffic,filter.IP={SUBNET}.7"))
        nettest.stop_serving(server, thread)
        self.assertEqual((allowed.returncode, allowed.stdout), (0, b"from-host\n"),
                         allowed.stderr)
        server, port, thread = nettest.serve_on_host(self, HOST_IP)
        blocked = self.sandbox("/usr/bin/python3", "-c", CONNECT, port, options=self.net(
            f",address={SUBNET}.8/24,filter=clean-traffic,filter.IP={SUBNET}.9"))
        nettest.stop_serving(server, thread)
        self.assertNotEqual(blocked.returncode, 0)
        self.assertRegex(blocked.stderr, b"timed out|No route to host")

    def test_loopback_without_interfaces(self):
        # No --network: the VM still has a working loopback, and nothing else.
        r = self.sandbox("/usr/bin/python3", "-c", nettest.LOOPBACK)
        self.assertEqual((r.returncode, r.stdout), (0, b"loopback works\nlo\n"), r.stderr)

    def test_unknown_network_fails_fast(self):
        r = self.sandbox("/bin/true", options=("-N", "source=no-such-network-here,dhcp"))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"no-such-network-here", r.stderr)


if __name__ == "__main__":
    sandboxtest.main()
