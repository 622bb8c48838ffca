#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Drives the mount classes through introspection from Python."""
import unittest

import gi

gi.require_version("LibvirtGConfig", "1.0")
gi.require_version("LibvirtGObject", "1.0")
gi.require_version("LibvirtSandbox", "1.0")
from gi.repository import GLib, LibvirtGConfig, LibvirtGObject, LibvirtSandbox  # noqa: E402

LibvirtGObject.init_object_check(None)
LibvirtSandbox.init_object_check(None)


class MountTest(unittest.TestCase):
    def test_classes(self):
        bind = LibvirtSandbox.ConfigMountHostBind.new("/tmp/home", "/var/run/hell")
        self.assertIsInstance(bind, LibvirtSandbox.ConfigMount)
        self.assertIsInstance(bind, LibvirtSandbox.ConfigMountFile)
        self.assertEqual(bind.get_target(), "/var/run/hell")
        self.assertEqual(bind.props.source, "/tmp/home")
        self.assertIsNone(LibvirtSandbox.ConfigMountHostBind.new(None, "/tmp").get_source())

        image = LibvirtSandbox.ConfigMountHostImage.new("/tmp/img.qcow2", "/etc",
                                                         LibvirtGConfig.DomainDiskFormat.QCOW2)
        self.assertEqual(image.get_format(), LibvirtGConfig.DomainDiskFormat.QCOW2)
        self.assertEqual(image.props.format, LibvirtGConfig.DomainDiskFormat.QCOW2)
        plain = LibvirtSandbox.ConfigMountHostImage(target="/", source="/img")
        self.assertEqual(plain.get_format(), LibvirtGConfig.DomainDiskFormat.RAW)

        guest = LibvirtSandbox.ConfigMountGuestBind.new("/tmp/home", "/home")
        guest.set_source("/srv/home")
        self.assertEqual(guest.props.source, "/srv/home")
        self.assertEqual(guest.props.target, "/home")

        ram = LibvirtSandbox.ConfigMountRam.new("/run", 1 << 20)
        self.assertIsInstance(ram, LibvirtSandbox.ConfigMount)
        self.assertNotIsInstance(ram, LibvirtSandbox.ConfigMountFile)
        self.assertEqual(ram.get_usage(), 1 << 20)
        ram.props.usage = 4096
        self.assertEqual(ram.get_usage(), 4096)
        self.assertEqual(LibvirtSandbox.ConfigMountRam(target="/x").props.usage, 10240)

        ram.add_include("/host/a", "/a")
        ram.add_include("/host/b", "/b")
        self.assertEqual(ram.get_includes(), {"/a": "/host/a", "/b": "/host/b"})

        with self.assertRaises(TypeError):
            LibvirtSandbox.ConfigMount(target="/x")

    def test_options_and_errors(self):
        cfg = LibvirtSandbox.ConfigInteractive.new("py-mounts")
        cfg.add_mount_strv(["host-bind:/var/run/hell=/tmp/home",
                            "host-image:/etc=/tmp/home/img.qcow2",
                            "host-image:/etc=/tmp/home,format=qcow2",
                            "host-bind:/tmp=",
                            "ram:/tmp=500M"])
        mounts = cfg.get_mounts()
        self.assertEqual(len(mounts), 5)
        self.assertEqual([type(m).__name__ for m in mounts],
                         ["ConfigMountHostBind", "ConfigMountHostImage", "ConfigMountHostImage",
                          "ConfigMountHostBind", "ConfigMountRam"])
        self.assertEqual(mounts[2].get_source(), "/tmp/home")
        self.assertIsNone(mounts[3].get_source())
        self.assertEqual(mounts[4].get_usage(), 500 * 1024 * 1024)
        self.assertEqual(len(cfg.get_mounts_with_type(LibvirtSandbox.ConfigMountHostImage.__gtype__)), 2)
        self.assertFalse(cfg.has_mounts_with_type(LibvirtSandbox.ConfigMountFile.__gtype__))
        self.assertFalse(cfg.has_root_mount())
        self.assertEqual(cfg.find_mount("/etc").get_format(), LibvirtGConfig.DomainDiskFormat.QCOW2)
        self.assertIsNone(cfg.find_mount("/nope"))

        with self.assertRaises(GLib.Error) as ctx:
            cfg.add_mount_opts("ram:/x=lots")
        self.assertTrue(ctx.exception.matches(LibvirtSandbox.Error.quark(),
                                              LibvirtSandbox.Error.INVALID_MOUNT))
        cfg.add_host_include_strv(["/etc/nswitch.conf", "/tmp/bar=/var/tmp/foo/bar"])
        self.assertEqual(cfg.find_mount("/etc").get_includes(), {"/nswitch.conf": "/etc/nswitch.conf"})
        with self.assertRaises(GLib.Error) as ctx:
            cfg.add_host_include_strv(["/nowhere/x"])
        self.assertTrue(ctx.exception.matches(LibvirtSandbox.Error.quark(),
                                              LibvirtSandbox.Error.INVALID_INCLUDE))

        data = cfg.save_to_data()
        loaded = LibvirtSandbox.Config.load_from_data(data)
        self.assertEqual(len(loaded.get_mounts()), 5)
        self.assertTrue(loaded.has_mounts())
        self.assertEqual(loaded.save_to_data(), data)


if __name__ == "__main__":
    unittest.main(verbosity=2)
