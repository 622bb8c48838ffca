#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""virt-sandbox on qemu:///system against a real libvirtd: a virtual machine
booting the host kernel (TCG here: few tests, generous timeouts) with the
same console protocol and init stage 2 as LXC."""
import os
import subprocess
import unittest

import sandboxtest
from sandboxtest import TIMEOUT, SandboxTestCase

CACHE = os.environ.get("LIBVIRT_SANDBOX_CACHE_DIR", "/var/cache/libvirt-sandbox")
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cache_files():
    """{path: (size, mtime)} of the kernel/initrd cache."""
    found = {}
    for root, _, files in os.walk(CACHE):
        for name in files:
            path = os.path.join(root, name)
            st = os.stat(path)
            found[path] = (st.st_size, st.st_mtime_ns)
    return found


# Starts and stops a sandbox with the GI async API, printing how often the
# main loop went idle meanwhile (a start that blocked it would leave ~0).
ASYNC_SANDBOX = """
import os, sys
import gi
gi.require_version("LibvirtGObject", "1.0")
gi.require_version("LibvirtSandbox", "1.0")
from gi.repository import Gio, GLib, LibvirtGObject, LibvirtSandbox
LibvirtSandbox.init_object_check(None)
cfg = LibvirtSandbox.ConfigInteractive.new("sandbox")
cfg.set_command(sys.argv[1:])
conn = LibvirtGObject.Connection.new("qemu:///system")
conn.open(None)
ctxt = LibvirtSandbox.ContextInteractive.new(conn, cfg)
loop = GLib.MainLoop()
idle = [0]
def count():
    idle[0] += 1
    return True
def run(call, finish):
    idle[0] = 0
    source = GLib.idle_add(count)
    result = []
    call(None, lambda c, r: (result.append(finish(r)), loop.quit()))
    loop.run()
    GLib.source_remove(source)
    return result[0], idle[0]
started, idle_start = run(ctxt.start_async, ctxt.start_finish)
status = []
con = ctxt.get_app_console()
con.connect("exited", lambda _c, wait_status: status.append(os.waitstatus_to_exitcode(wait_status)))
con.connect("closed", lambda _c, _error: loop.quit())
con.attach_stdio()
loop.run()
con.detach()
stopped, idle_stop = run(ctxt.stop_async, ctxt.stop_finish)
print(started, stopped, status[0], idle_start > 10, idle_stop > 10, file=sys.stderr)
"""


class Qemu(SandboxTestCase):
    URI = "qemu:///system"

    def test_exit_codes_and_streams(self):
        r = self.sandbox("/bin/sh", "-c", "echo out; echo err >&2; exit 3")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (3, b"out\n", b"err\n"))

    def test_true_and_false(self):
        self.assertEqual(self.sandbox("/bin/true").returncode, 0)
        self.assertEqual(self.sandbox("/bin/false").returncode, 1)

    def test_stdin_round_trip(self):
        data = os.urandom(256 * 1024)
        r = self.sandbox("/bin/cat", input=data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, data)

    def test_is_a_qemu_machine_with_a_read_only_root(self):
        r = self.sandbox("/bin/sh", "-c", "grep -m1 'model name' /proc/cpuinfo; "
                         "touch /usr/.sandbox-write-test")
        self.assertIn(b"QEMU", r.stdout)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"Read-only file system", r.stderr)
        self.assertFalse(os.path.exists("/usr/.sandbox-write-test"))

    def test_runs_without_capabilities(self):
        r = self.sandbox("/bin/sh", "-c", "grep CapEff /proc/self/status; id -u")
        self.assertEqual(r.stdout.split()[1:], [b"0000000000000000", str(os.geteuid()).encode()])

    def test_privileged_keeps_capabilities_and_env_reaches_the_command(self):
        r = self.sandbox("/bin/sh", "-c", 'grep CapEff /proc/self/status; echo "$GREETING"',
                         options=("-p", "-e", "GREETING=hello vm"))
        self.assertEqual(r.returncode, 0, r.stderr)
        cap_line, greeting = r.stdout.decode().splitlines()
        self.assertNotEqual(int(cap_line.split()[1], 16), 0)
        self.assertEqual(greeting, "hello vm")

    def test_lean_machine(self):
        # The virtio devices sit on the root bus (no PCIe root port, class
        # 0x0604xx, to enumerate); modules loaded from the initrd carry no
        # BTF when the kernel takes unsigned modules (their signature is
        # dropped then, and the BTF section emptied), so only vmlinux has
        # an entry in /sys/kernel/btf.
        r = self.sandbox("/bin/sh", "-c", "uname -r; cat /sys/bus/pci/devices/*/class; "
                         "echo --; ls /sys/kernel/btf", options=("-p",))
        self.assertEqual(r.returncode, 0, r.stderr)
        head, btf = r.stdout.decode().split("--\n")
        release, *classes = head.split()
        self.assertFalse([c for c in classes if c.startswith("0x0604")], classes)
        self.assertIn("0x078000", classes)  # the virtio-serial controller
        with open(f"/boot/config-{release}") as f:
            config = f.read().splitlines()
        forced = {"CONFIG_MODULE_SIG_FORCE=y", "CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY=y",
                  "CONFIG_LOCK_DOWN_KERNEL_FORCE_CONFIDENTIALITY=y"}
        if "CONFIG_DEBUG_INFO_BTF_MODULES=y" not in config:
            self.skipTest(f"kernel {release} has no module BTF")
        if forced & set(config):
            self.assertIn("9p", btf.split())
        else:
            self.assertEqual(btf.split(), ["vmlinux"])

    @unittest.skipUnless(os.environ.get("GI_TYPELIB_PATH"), "needs the built typelib")
    def test_async_start_and_stop_leave_the_main_loop_running(self):
        r = subprocess.run(["/usr/bin/python3", "-c", ASYNC_SANDBOX, "/bin/sh", "-c",
                            "echo from-vm; exit 5"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"from-vm\n")
        self.assertEqual(r.stderr.split()[-5:], [b"True", b"True", b"5", b"True", b"True"],
                         r.stderr)

    def test_custom_root(self):
        import tempfile
        from test_lxc_filesystems import make_busybox_root
        with tempfile.TemporaryDirectory(prefix="sandbox-qemu-root-") as work:
            root = os.path.join(work, "root")
            make_busybox_root(root)
            os.chmod(work, 0o755)
            r = self.sandbox("/bin/sh", "-c", "cat /etc/marker; ls /bin | wc -l",
                             options=("-r", root))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), [b"custom", b"root", b"5"])

    def test_second_start_uses_the_cache(self):
        self.assertEqual(self.sandbox("/bin/true").returncode, 0)
        before = cache_files()
        self.assertTrue(any("vmlinux" in p or "initrd" in p for p in before), before)
        self.assertEqual(self.sandbox("/bin/true").returncode, 0)
        self.assertEqual(cache_files(), before, "the second start rebuilt a cached file")

    def test_missing_command(self):
        r = self.sandbox("/no/such/program")
        self.assertEqual(r.returncode, 127)
        self.assertIn(b"/no/such/program", r.stderr)

    def test_unsupported_options_are_refused(self):
        r = self.sandbox("/bin/true", options=("-m", "host-bind:/=/tmp"))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"not supported in virtual-machine sandboxes", r.stderr)

    def test_hello_world_example(self):
        env = dict(os.environ, LIBVIRT_DEFAULT_URI=self.URI)
        r = subprocess.run(["gjs", os.path.join(SOURCE_ROOT, "examples", "hello-world.js"),
                            "/bin/echo", "hello from a VM"], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=TIMEOUT, env=env)
        self.assertEqual((r.returncode, r.stdout), (0, b"hello from a VM\n"), r.stderr)


if __name__ == "__main__":
    sandboxtest.main()
