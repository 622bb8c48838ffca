# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared by the LXC and QEMU network tests: an isolated libvirt network (no
forwarding: traffic stays between this host and its sandboxes) and the small
TCP peers that run on the host and inside the sandbox."""
import os
import re
import socket
import subprocess
import threading

from sandboxtest import TIMEOUT

PORT = 5599
# Runs inside the sandbox (its root is the host's, so python3 is there).
SERVE = ("import socket; s = socket.socket(); s.bind(('', %d)); s.listen(1); "
         "print('listening', flush=True); c, _ = s.accept(); c.sendall(b'from-sandbox'); c.close()"
         % PORT)

# Runs inside the sandbox: a TCP round trip over the loopback interface, then
# the interfaces the sandbox has.
LOOPBACK = ("import os, socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1); "
            "c = socket.create_connection(s.getsockname(), timeout=5); a, _ = s.accept(); "
            "a.sendall(b'loopback works'); print(c.recv(100).decode()); "
            "print(' '.join(sorted(os.listdir('/sys/class/net'))))")


def connect_script(host_ip):
    """Python run inside the sandbox: connects to host_ip:argv[1], prints
    what it receives."""
    return ("import socket, sys; c = socket.create_connection(('%s', int(sys.argv[1])), "
            "timeout=5); print(c.recv(100).decode())" % host_ip)


class IsolatedNetwork:
    """A transient libvirt network NAME on SUBNET.0/24 with DHCP (unless
    dhcp is false), no forward."""

    def __init__(self, prefix, subnet, dhcp=True):
        self.dhcp = dhcp
        self.name = f"{prefix}-{os.getpid()}"
        self.bridge = f"vsb{prefix[-1]}{os.getpid() % 100000}"
        self.subnet = subnet
        self.host_ip = f"{subnet}.1"

    def _virsh(self, *args):
        return subprocess.run(["virsh", "-q", "-c", "qemu:///system", *args], check=True,
                              capture_output=True, text=True, timeout=60)

    def create(self):
        dhcp = (f"<dhcp><range start='{self.subnet}.100' end='{self.subnet}.200'/></dhcp>"
                if self.dhcp else "")
        xml = f"""<network>
  <name>{self.name}</name>
  <bridge name='{self.bridge}' stp='off'/>
  <ip address='{self.host_ip}' netmask='255.255.255.0'>
    {dhcp}
  </ip>
</network>"""
        path = f"/tmp/{self.name}.xml"
        with open(path, "w") as f:
            f.write(xml)
        try:
            self._virsh("net-create", path)
        finally:
            os.unlink(path)

    def destroy(self):
        self._virsh("net-destroy", self.name)


def busybox_paths():
    """The host's busybox files where the init looks for udhcpc, as paths
    without links (to hide them with a bind of /dev/null)."""
    found = []
    for path in ("/bin/busybox", "/usr/bin/busybox", "/sbin/busybox",
                 "/sbin/udhcpc", "/usr/sbin/udhcpc", "/bin/udhcpc", "/usr/bin/udhcpc"):
        real = os.path.realpath(path)
        if os.path.isfile(real) and real not in found:
            found.append(real)
    return found


def assert_dhcp_lease(testcase, ip_addr_output, subnet):
    """Checks that `ip -4 -o addr` output shows an address from the DHCP
    range that IsolatedNetwork hands out (.100 to .200 of SUBNET)."""
    hosts = [int(h) for h in re.findall(rf"inet {re.escape(subnet)}[.](\d+)/24", ip_addr_output)]
    testcase.assertTrue(any(100 <= h <= 200 for h in hosts),
                        f"no address in {subnet}.100-200 in {ip_addr_output!r}")


def serve_on_host(testcase, host_ip):
    """Accepts one connection on host_ip (a fresh port) and answers
    'from-host'; returns the socket, its port (a string) and the thread."""
    server = socket.socket()
    server.bind((host_ip, 0))
    server.listen(1)
    server.settimeout(TIMEOUT)
    testcase.addCleanup(server.close)

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


def stop_serving(server, thread):
    try:
        server.shutdown(socket.SHUT_RDWR)  # wakes a pending accept()
    except OSError:
        pass
    server.close()
    thread.join()
