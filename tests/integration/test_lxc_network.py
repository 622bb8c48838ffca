#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Networking of LXC sandboxes against a real libvirtd, on an isolated libvirt
network the test creates (no forwarding: traffic stays between this host and
its sandboxes): static addresses both ways, DHCP, routes, a traffic filter,
and bad values."""
import os
import socket
import subprocess
import threading
import unittest

from sandboxtest import TIMEOUT, VIRT_SANDBOX, SandboxTestCase

NET = f"sandbox-test-{os.getpid()}"
BRIDGE = f"vsbt{os.getpid() % 100000}"
SUBNET = "192.168.251"
HOST_IP = f"{SUBNET}.1"
PORT = 5599
# Runs inside the sandbox (its root is the host's, so python3 is there).
SERVE = ("import socket; s = socket.socket(); s.bind(('', %d)); s.listen(1); "
         "print('listening', flush=True); c, _ = s.accept(); c.sendall(b'from-sandbox'); c.close()"
         % PORT)
CONNECT = ("import socket, sys; c = socket.create_connection(('%s', int(sys.argv[1])), "
           "timeout=5); print(c.recv(100).decode())" % HOST_IP)


def virsh(*args):
    return subprocess.run(["virsh", "-q", "-c", "lxc:///", *args], check=True,
                          capture_output=True, text=True, timeout=60)


def setUpModule():
    xml = f"""<network>
  <name>{NET}</name>
  <bridge name='{BRIDGE}' stp='off'/>
  <ip address='{HOST_IP}' netmask='255.255.255.0'>
    <dhcp><range start='{SUBNET}.100' end='{SUBNET}.200'/></dhcp>
  </ip>
</network>"""
    path = f"/tmp/{NET}.xml"
    with open(path, "w") as f:
        f.write(xml)
    try:
        virsh("net-create", path)
    finally:
        os.unlink(path)


def tearDownModule():
    virsh("net-destroy", NET)


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

    def serve_on_host(self):
        """Accepts one connection on the bridge's address (a fresh port);
        returns the socket, its port and the serving thread."""
        server = socket.socket()
        server.bind((HOST_IP, 0))
        server.listen(1)
        server.settimeout(TIMEOUT)
        self.addCleanup(server.close)

        def serve():
            try:
                conn, _ = server.accept()
                conn.sendall(b"from-host")
                conn.close()
            except OSError:
                pass
        thread = threading.Thread(target=serve)
        thread.start()
        return server, str(server.getsockname()[1]), thread

    @staticmethod
    def stop_serving(server, thread):
        try:
            server.shutdown(socket.SHUT_RDWR)  # wakes a pending accept()
        except OSError:
            pass
        server.close()
        thread.join()

    def test_sandbox_reaches_host(self):
        server, port, thread = self.serve_on_host()
        r = self.sandbox("/usr/bin/python3", "-c", CONNECT, port,
                         options=self.net(f",address={SUBNET}.6/24"))
        self.stop_serving(server, thread)
        self.assertEqual((r.returncode, r.stdout), (0, b"from-host\n"), r.stderr)

    def test_dhcp(self):
        r = self.sandbox("/bin/sh", "-c", "ip -4 -o addr show scope global; cat /etc/resolv.conf",
                         options=self.net(",dhcp"))
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertRegex(out, rf"inet {SUBNET.replace('.', '[.]')}[.]1[0-9][0-9]/24")
        self.assertIn(f"nameserver {HOST_IP}", out)

    def test_filter_blocks_spoofed_traffic(self):
        # clean-traffic only lets the interface send from the IP it is given.
        server, port, thread = self.serve_on_host()
        allowed = self.sandbox("/usr/bin/python3", "-c", CONNECT, port, options=self.net(
            f",address={SUBNET}.7/24,filter=clean-traffic,filter.IP={SUBNET}.7"))
        self.assertEqual(allowed.stdout, b"from-host\n", allowed.stderr)
        self.stop_serving(server, thread)
        server, port, thread = self.serve_on_host()
        blocked = self.sandbox("/usr/bin/python3", "-c", CONNECT, port, options=self.net(
            f",address={SUBNET}.8/24,filter=clean-traffic,filter.IP={SUBNET}.9"))
        self.stop_serving(server, thread)
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
