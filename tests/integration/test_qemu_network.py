#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Networking of QEMU sandboxes (virtio NICs, configured by the same init
code as LXC) on an isolated libvirt network the test creates: no forwarding,
traffic stays between this host and its sandboxes. Several checks per VM: a
start costs seconds under TCG."""
import os
import socket
import subprocess
import threading
import unittest

from sandboxtest import TIMEOUT, VIRT_SANDBOX, SandboxTestCase

URI = "qemu:///system"
NET = f"sandbox-qtest-{os.getpid()}"
BRIDGE = f"vsbq{os.getpid() % 100000}"
SUBNET = "192.168.250"
HOST_IP = f"{SUBNET}.1"
PORT = 5598
# Run inside the sandbox (its root is the host's, so python3 is there).
SERVE = ("import socket; s = socket.socket(); s.bind(('', %d)); s.listen(1); "
         "print('listening', flush=True); c, _ = s.accept(); c.sendall(b'from-sandbox'); c.close()"
         % PORT)
CONNECT = ("import socket, sys; c = socket.create_connection(('%s', int(sys.argv[1])), "
           "timeout=5); print(c.recv(100).decode())" % HOST_IP)


def virsh(*args):
    return subprocess.run(["virsh", "-q", "-c", URI, *args], check=True,
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
    URI = URI
    def net(self, extra=""):
        return ("-N", f"source={NET}" + extra)

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
        self.assertRegex(out, rf"inet {SUBNET.replace('.', '[.]')}[.]1[0-9][0-9]/24")
        self.assertIn(f"10.99.0.0/16 via {HOST_IP}", out)
        self.assertIn(f"nameserver {HOST_IP}", out)

    def test_sandbox_reaches_host_through_a_filter(self):
        # clean-traffic lets the interface send only from the IP it is given.
        server, port, thread = self.serve_on_host()
        allowed = self.sandbox("/usr/bin/python3", "-c", CONNECT, port, options=self.net(
            f",address={SUBNET}.7/24,filter=clean-traffic,filter.IP={SUBNET}.7"))
        self.stop_serving(server, thread)
        self.assertEqual((allowed.returncode, allowed.stdout), (0, b"from-host\n"),
                         allowed.stderr)
        server, port, thread = self.serve_on_host()
        blocked = self.sandbox("/usr/bin/python3", "-c", CONNECT, port, options=self.net(
            f",address={SUBNET}.8/24,filter=clean-traffic,filter.IP={SUBNET}.9"))
        self.stop_serving(server, thread)
        self.assertNotEqual(blocked.returncode, 0)
        self.assertRegex(blocked.stderr, b"timed out|No route to host")

    def test_unknown_network_fails_fast(self):
        r = self.sandbox("/bin/true", options=("-N", "source=no-such-network-here,dhcp"))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"no-such-network-here", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
