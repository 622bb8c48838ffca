#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Networking of LXC sandboxes against a real libvirtd, on an isolated libvirt
network the test creates (no forwarding: traffic stays between this host and
its sandboxes): static addresses both ways, DHCP, routes, a traffic filter,
and bad values."""
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

import nettest
import sandboxtest
from sandboxtest import TIMEOUT, VIRT_SANDBOX, SandboxTestCase
from test_lxc_filesystems import make_busybox_root

NETWORK = nettest.IsolatedNetwork("sandbox-test", "192.168.251")
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
    def net(self, extra=""):
        return ("-N", f"source={NET}" + extra)

    def test_static_address_and_routes(self):
        r = self.sandbox("/bin/sh", "-c", "ip -4 -o addr show scope global; ip route",
                         options=self.net(f",address={SUBNET}.5/24,route=10.99.0.0/16%{HOST_IP}"))
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn(f"inet {SUBNET}.5/24", out)
        self.assertIn(f"10.99.0.0/16 via {HOST_IP}", out)

    def test_host_reaches_sandbox(self):
        proc = subprocess.Popen([VIRT_SANDBOX, "-c", self.URI, *self.net(f",address={SUBNET}.5/24"),
                                 "--", "/usr/bin/python3", "-c", SERVE],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            self.assertEqual(proc.stdout.readline(), b"listening\n")
            with socket.create_connection((f"{SUBNET}.5", PORT), timeout=10) as c:
                self.assertEqual(c.recv(100), b"from-sandbox")
            _, err = proc.communicate(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 0, err)

    def test_sandbox_reaches_host(self):
        server, port, thread = nettest.serve_on_host(self, HOST_IP)
        r = self.sandbox("/usr/bin/python3", "-c", CONNECT, port,
                         options=self.net(f",address={SUBNET}.6/24"))
        nettest.stop_serving(server, thread)
        self.assertEqual((r.returncode, r.stdout), (0, b"from-host\n"), r.stderr)

    def test_dhcp(self):
        r = self.sandbox("/bin/sh", "-c", "ip -4 -o addr show scope global; cat /etc/resolv.conf",
                         options=self.net(",dhcp"))
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        nettest.assert_dhcp_lease(self, out, SUBNET)
        self.assertIn(f"nameserver {HOST_IP}", out)

    def test_dhcp_without_udhcpc(self):
        # /dev/null over busybox (/bin and /sbin lead into /usr here): the
        # root has no udhcpc, the init's own DHCP client gets the lease and
        # applies it with iproute2's ip.
        hide = [opt for path in nettest.busybox_paths()
                for opt in ("-m", f"host-bind:{path}=/dev/null")]
        self.assertTrue(hide, "the host has no busybox to hide")
        r = self.sandbox("/bin/sh", "-c",
                         "ip -4 -o addr show scope global; ip route; cat /etc/resolv.conf",
                         options=(*hide, *self.net(",dhcp")))
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        nettest.assert_dhcp_lease(self, out, SUBNET)
        self.assertIn(f"nameserver {HOST_IP}", out)

    def test_filter_blocks_spoofed_traffic(self):
        # clean-traffic only lets the interface send from the IP it is given.
        server, port, thread = nettest.serve_on_host(self, HOST_IP)
        allowed = self.sandbox("/usr/bin/python3", "-c", CONNECT, port, options=self.net(
            f",address={SUBNET}.7/24,filter=clean-traffic,filter.IP={SUBNET}.7"))
        self.assertEqual(allowed.stdout, b"from-host\n", allowed.stderr)
        nettest.stop_serving(server, thread)
        server, port, thread = nettest.serve_on_host(self, HOST_IP)
        blocked = self.sandbox("/usr/bin/python3", "-c", CONNECT, port, options=self.net(
            f",address={SUBNET}.8/24,filter=clean-traffic,filter.IP={SUBNET}.9"))
        nettest.stop_serving(server, thread)
        self.assertNotEqual(blocked.returncode, 0)
        self.assertRegex(blocked.stderr, b"timed out|No route to host")

    def test_two_interfaces(self):
        r = self.sandbox("/bin/sh", "-c", "ip -4 -o addr show scope global | wc -l",
                         options=(*self.net(f",address={SUBNET}.10/24"),
                                  *self.net(f",address={SUBNET}.11/24")))
        self.assertEqual(r.stdout.strip(), b"2", r.stderr)


class BadNetworks(SandboxTestCase):
    def check_rejected(self, spec, mentions, code=2):
        r = self.sandbox("/bin/true", options=("-N", spec))
        self.assertEqual(r.returncode, code, r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn(mentions.encode(), r.stderr)

    def test_loopback_without_interfaces(self):
        # No --network: the sandbox still has a working loopback, and nothing else.
        r = self.sandbox("/usr/bin/python3", "-c", nettest.LOOPBACK)
        self.assertEqual((r.returncode, r.stdout), (0, b"loopback works\nlo\n"), r.stderr)

    def test_bad_cidr(self):
        self.check_rejected("address=192.168.1.300/24", "192.168.1.300")

    def test_bad_prefix(self):
        self.check_rejected("address=192.168.1.3/33", "33")

    def test_bad_mac(self):
        self.check_rejected("mac=52:54:00:zz:00:01", "52:54:00:zz:00:01")

    def test_unknown_network(self):
        self.check_rejected("source=no-such-network-here,dhcp", "no-such-network-here", code=1)

    def test_unknown_filter(self):
        self.check_rejected(f"source={NET},filter=no-such-filter", "no-such-filter", code=1)


class ResolvConfInRun(SandboxTestCase):
    """A root whose /etc/resolv.conf links into /run, as systemd-resolved's
    and NetworkManager's do: the sandbox's private /run would hide the
    file. (A test root, so that the host's own /etc/resolv.conf is not
    touched: its link leads to a file the test makes in the host's /run.)"""

    def setUp(self):
        super().setUp()
        tok = os.urandom(6).hex()
        self.run_dir = f"/run/sbx-dns-{tok}"
        os.mkdir(self.run_dir)
        self.addCleanup(shutil.rmtree, self.run_dir)
        self.content = f"nameserver 192.0.2.53\n# sbx-dns {tok}\n"
        with open(os.path.join(self.run_dir, "resolv.conf"), "w") as f:
            f.write(self.content)
        self.root = tempfile.mkdtemp(prefix="sandbox-dns-root-")
        self.addCleanup(shutil.rmtree, self.root)
        os.rmdir(self.root)
        make_busybox_root(self.root)
        os.mkdir(os.path.join(self.root, "run"))
        # Relative, like systemd's ../run/systemd/resolve/stub-resolv.conf.
        os.symlink(f"..{self.run_dir}/resolv.conf", os.path.join(self.root, "etc", "resolv.conf"))

    SCRIPT = ("cat /etc/resolv.conf || echo missing; ls /run/sbx-dns-*; "
              "(echo x > /etc/resolv.conf) 2>/dev/null && echo WRITABLE || echo read-only")

    def test_resolv_conf_linked_into_run_is_bound_read_only_with_a_network(self):
        for mode in ((), ("-S", "nobody"), ("-p",)):
            r = self.sandbox("/bin/sh", "-c", self.SCRIPT,
                             options=(*mode, "-r", self.root,
                                      "-N", f"source={NET},address={SUBNET}.8/24"))
            self.assertEqual(r.returncode, 0, f"{mode}: {r.stderr}")
            # Only that file of the host's /run, and read-only.
            self.assertEqual(r.stdout.decode(), self.content + "resolv.conf\nread-only\n",
                             f"{mode}: {r.stderr}")
        with open(os.path.join(self.run_dir, "resolv.conf")) as f:
            self.assertEqual(f.read(), self.content)

    def test_without_a_network_the_private_run_stays_empty(self):
        r = self.sandbox("/bin/sh", "-c", "cat /etc/resolv.conf 2>/dev/null || echo missing; ls /run",
                         options=("-r", self.root))
        self.assertEqual((r.returncode, r.stdout), (0, b"missing\n"), r.stderr)

    def test_a_link_to_a_directory_or_socket_is_not_bound(self):
        os.unlink(os.path.join(self.root, "etc", "resolv.conf"))
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(sock.close)
        sock.bind(os.path.join(self.run_dir, "resolv.sock"))
        sock.listen(1)
        for target in ("resolv.sock", ""):
            link = os.path.join(self.root, "etc", "resolv.conf")
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(f"{self.run_dir}/{target}", link)
            r = self.sandbox("/bin/sh", "-c", "ls -a /run",
                             options=("-r", self.root, "-N", f"source={NET},address={SUBNET}.9/24"))
            self.assertEqual((r.returncode, r.stdout), (0, b".\n..\n"), f"{target}: {r.stderr}")


if __name__ == "__main__":
    sandboxtest.main()
