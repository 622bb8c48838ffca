#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Builder classes through introspection from Python (PyGObject):
BuilderInitrd writes a newc initrd from a ConfigInitrd, and a Python
subclass of BuilderContainer has its vfunc overrides called."""
import glob
import os
import shutil
import tempfile
import unittest

import gi

gi.require_version("LibvirtGObject", "1.0")
gi.require_version("LibvirtGConfig", "1.0")
gi.require_version("LibvirtSandbox", "1.0")
from gi.repository import GLib, LibvirtGConfig, LibvirtGObject, LibvirtSandbox  # noqa: E402

LibvirtGObject.init_object_check(None)
LibvirtSandbox.init_object_check(None)


def read_newc(data):
    """The entries of a newc cpio archive: {name: (mode, data)}; fails on
    anything else (bad magic, truncation, no trailer)."""
    entries, offset = {}, 0
    while True:
        header = data[offset:offset + 110]
        assert header[:6] == b"070701", f"bad magic at {offset}: {header[:6]!r}"
        field = [int(header[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = field[1], field[6], field[11]
        name_end = offset + 110 + namesize
        name = data[offset + 110:name_end - 1].decode()
        start = (name_end + 3) & ~3
        body = data[start:start + size]
        assert len(body) == size, f"{name}: truncated"
        offset = (start + size + 3) & ~3
        if name == "TRAILER!!!":
            return entries
        entries[name] = (mode, body)


class BuilderInitrdTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="py-builder-initrd-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.init = os.path.join(self.dir, "init")
        with open(self.init, "wb") as f:
            f.write(b"\x7fELF-not-really")

    def test_initrd_from_config(self):
        # A module tree of our own: a.ko needs b.ko.
        tree = os.path.join(self.dir, "modules")
        os.makedirs(os.path.join(tree, "kernel"))
        with open(os.path.join(tree, "modules.dep"), "w") as f:
            f.write("kernel/a.ko: kernel/b.ko\nkernel/b.ko:\n")
        for name in ("a", "b"):
            with open(os.path.join(tree, "kernel", name + ".ko"), "wb") as f:
                f.write(name.encode() * 8)
        cfg = LibvirtSandbox.ConfigInitrd.new()
        cfg.set_init(self.init)
        cfg.set_kmoddir(tree)
        cfg.add_module("a.ko")
        cfg.add_module("not-there.ko")  # taken to be built in, as in the original
        out = os.path.join(self.dir, "initrd.img")
        builder = LibvirtSandbox.BuilderInitrd.new()
        self.assertTrue(builder.construct(cfg, out))
        with open(out, "rb") as f:
            entries = read_newc(f.read())
        mode, body = entries["init"]
        self.assertEqual(body, b"\x7fELF-not-really")
        self.assertEqual(mode & 0o777, 0o755)
        order = entries["modules/order"][1].decode().split()
        modules = [w for w in order if w.endswith(".ko")]
        self.assertEqual(modules, ["00-b.ko", "01-a.ko"])
        self.assertEqual(entries["modules/01-a.ko"][1], b"a" * 8)

    def test_host_kernel_modules(self):
        trees = sorted(glob.glob("/lib/modules/*/modules.dep"))
        if not trees:
            self.skipTest("no kernel module tree in /lib/modules")
        kver = os.path.basename(os.path.dirname(trees[-1]))
        cfg = LibvirtSandbox.ConfigInitrd.new()
        cfg.set_init(self.init)
        cfg.set_kver(kver)
        # The original's spelling of the module directory.
        cfg.set_kmoddir(f"/lib/modules/{kver}/kernel")
        for module in ("virtio.ko", "virtio_ring.ko", "virtio_pci.ko", "9p.ko"):
            cfg.add_module(module)
        out = os.path.join(self.dir, "host.img")
        LibvirtSandbox.BuilderInitrd.new().construct(cfg, out)
        with open(out, "rb") as f:
            entries = read_newc(f.read())
        self.assertIn("init", entries)
        with open(trees[-1]) as f:
            if "/9p.ko" in f.read():
                self.assertTrue(any(n.endswith("-9p.ko") for n in entries), sorted(entries))

    def test_errors(self):
        cfg = LibvirtSandbox.ConfigInitrd.new()
        cfg.set_init(os.path.join(self.dir, "missing"))
        out = os.path.join(self.dir, "x.img")
        with self.assertRaises(GLib.Error) as e:
            LibvirtSandbox.BuilderInitrd.new().construct(cfg, out)
        self.assertIn("missing", e.exception.message)
        self.assertFalse(os.path.exists(out))


class PyBuilder(LibvirtSandbox.BuilderContainer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def do_construct_devices(self, config, statedir, domain):
        self.calls.append(("construct_devices", domain.get_name()))
        domain.set_title("from Python")
        return True

    def do_clean_post_stop(self, config, statedir):
        self.calls.append(("clean_post_stop", statedir))
        return True


class BuilderSubclassTest(unittest.TestCase):
    def test_overrides_are_called(self):
        conn = LibvirtGObject.Connection.new("test:///default")
        conn.open(None)
        with self.assertRaises(GLib.Error) as e:
            LibvirtSandbox.Builder.for_connection(conn)
        self.assertEqual(e.exception.message, "No builder available for URI test:///default")
        builder = PyBuilder(connection=conn)
        cfg = LibvirtSandbox.ConfigInteractive.new("py-builder")
        cfg.set_command(["/bin/true"])
        statedir = tempfile.mkdtemp(prefix="py-builder-state-")
        self.addCleanup(os.rmdir, statedir)
        domain = builder.construct(cfg, statedir)
        self.assertIsInstance(domain, LibvirtGConfig.Domain)
        self.assertEqual(domain.get_title(), "from Python")
        self.assertEqual(domain.get_virt_type(), LibvirtGConfig.DomainVirtType.LXC)
        self.assertIn(statedir, domain.to_xml())
        builder.clean_post_stop(cfg, statedir)
        self.assertEqual(builder.calls, [("construct_devices", "py-builder"),
                                         ("clean_post_stop", statedir)])


if __name__ == "__main__":
    unittest.main(verbosity=2)
