#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Drives the network and disk classes through introspection from Python."""
import unittest

import gi

gi.require_version("LibvirtGConfig", "1.0")
gi.require_version("LibvirtGObject", "1.0")
gi.require_version("LibvirtSandbox", "1.0")
from gi.repository import Gio, GLib, LibvirtGConfig, LibvirtGObject, LibvirtSandbox  # noqa: E402

LibvirtGObject.init_object_check(None)
LibvirtSandbox.init_object_check(None)


def ip(s):
    return Gio.InetAddress.new_from_string(s)


class NetworkTest(unittest.TestCase):
    def test_classes(self):
        addr = LibvirtSandbox.ConfigNetworkAddress.new(ip("10.0.0.1"), 24, ip("10.0.0.255"))
        self.assertEqual(addr.get_primary().to_string(), "10.0.0.1")
        self.assertEqual(addr.props.prefix, 24)
        self.assertEqual(addr.props.broadcast.to_string(), "10.0.0.255")
        v6 = LibvirtSandbox.ConfigNetworkAddress(primary=ip("2001:212::204:2"), prefix=64)
        self.assertIsNone(v6.get_broadcast())
        self.assertEqual(v6.get_prefix(), 64)

        route = LibvirtSandbox.ConfigNetworkRoute.new(ip("192.168.1.0"), 24, ip("10.0.0.3"))
        self.assertEqual(route.props.gateway.to_string(), "10.0.0.3")
        self.assertEqual(route.get_target().to_string(), "192.168.1.0")

        param = LibvirtSandbox.ConfigNetworkFilterrefParameter.new()
        param.set_name("IP")
        param.props.value = "192.168.122.1"
        ref = LibvirtSandbox.ConfigNetworkFilterref.new()
        ref.props.name = "clean-traffic"
        ref.add_parameter(param)
        self.assertEqual([p.get_value() for p in ref.get_parameters()], ["192.168.122.1"])

        net = LibvirtSandbox.ConfigNetwork.new()
        self.assertTrue(net.props.dhcp)
        net.set_dhcp(False)
        net.set_mac("52:54:00:12:34:56")
        net.add_address(addr)
        net.add_address(v6)
        net.add_route(route)
        net.set_filterref(ref)
        self.assertEqual(len(net.get_addresses()), 2)
        self.assertEqual(net.get_routes()[0].get_prefix(), 24)
        self.assertEqual(net.get_filterref().get_name(), "clean-traffic")
        self.assertEqual(net.props.mac, "52:54:00:12:34:56")

    def test_disk(self):
        disk = LibvirtSandbox.ConfigDisk.new(LibvirtGConfig.DomainDiskType.FILE, "data",
                                             "/tmp/data.qcow2", LibvirtGConfig.DomainDiskFormat.QCOW2)
        self.assertEqual(disk.get_tag(), "data")
        self.assertEqual(disk.props.source, "/tmp/data.qcow2")
        self.assertEqual(disk.get_format(), LibvirtGConfig.DomainDiskFormat.QCOW2)
        self.assertEqual(disk.props.type, LibvirtGConfig.DomainDiskType.FILE)
        plain = LibvirtSandbox.ConfigDisk(tag="t", source="/s")
        self.assertEqual(plain.get_format(), LibvirtGConfig.DomainDiskFormat.RAW)

    def test_options_and_errors(self):
        cfg = LibvirtSandbox.ConfigInteractive.new("py-net")
        cfg.add_network_strv(["address=10.0.0.1/24%10.0.0.255",
                              "address=10.0.0.1/24%10.0.0.255,route=192.168.1.0/24%10.0.0.3",
                              "dhcp,source=default",
                              "filter=clean-traffic,filter.ip=192.168.122.1"])
        nets = cfg.get_networks()
        self.assertEqual(len(nets), 4)
        self.assertFalse(nets[0].get_dhcp())
        self.assertEqual(nets[1].get_routes()[0].get_gateway().to_string(), "10.0.0.3")
        self.assertEqual(nets[2].get_source(), "default")
        self.assertEqual(nets[3].get_filterref().get_parameters()[0].get_name(), "IP")
        with self.assertRaises(GLib.Error) as ctx:
            cfg.add_network_opts("route=192.168.1.0/24")
        self.assertTrue(ctx.exception.matches(LibvirtSandbox.Error.quark(),
                                              LibvirtSandbox.Error.INVALID_NETWORK))

        cfg.add_disk_strv(["file:dbdata=/tmp/img.blah,format=qcow2", "file:cache=/tmp/img.qcow2",
                           "file:homedir=/tmp/img.qcow2,format=raw", "file:root=/tmp/img.img"])
        self.assertTrue(cfg.has_disks())
        self.assertEqual([d.get_tag() for d in cfg.get_disks()], ["dbdata", "cache", "homedir", "root"])
        with self.assertRaises(GLib.Error) as ctx:
            cfg.add_disk_opts("file:root=/tmp/other.img")
        self.assertTrue(ctx.exception.matches(LibvirtSandbox.Error.quark(),
                                              LibvirtSandbox.Error.INVALID_DISK))

        data = cfg.save_to_data()
        loaded = LibvirtSandbox.Config.load_from_data(data)
        self.assertEqual(len(loaded.get_networks()), 4)
        self.assertEqual(len(loaded.get_disks()), 4)
        self.assertEqual(loaded.save_to_data(), data)


if __name__ == "__main__":
    unittest.main(verbosity=2)
