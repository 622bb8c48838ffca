// SPDX-License-Identifier: LGPL-2.1-or-later
// Drives the network and disk classes through introspection from gjs.
const Gio = imports.gi.Gio;
const LibvirtGConfig = imports.gi.LibvirtGConfig;
const LibvirtGObject = imports.gi.LibvirtGObject;
const LibvirtSandbox = imports.gi.LibvirtSandbox;

let failures = 0;
function check(cond, what) {
    if (!cond) {
        printerr(`not ok - ${what}`);
        failures++;
    } else {
        print(`ok - ${what}`);
    }
}

LibvirtGObject.init_object_check(null);
LibvirtSandbox.init_object_check(null);

const ip = s => Gio.InetAddress.new_from_string(s);

const addr = LibvirtSandbox.ConfigNetworkAddress.new(ip('10.0.0.1'), 24, ip('10.0.0.255'));
check(addr.get_primary().to_string() === '10.0.0.1', 'address primary');
check(addr.prefix === 24 && addr.get_prefix() === 24, 'address prefix');
check(addr.broadcast.to_string() === '10.0.0.255', 'address broadcast property');
const v6 = new LibvirtSandbox.ConfigNetworkAddress({primary: ip('2001:212::204:2'), prefix: 64});
check(v6.get_primary().to_string() === '2001:212::204:2' && v6.get_broadcast() === null, 'IPv6 address by properties');

const route = LibvirtSandbox.ConfigNetworkRoute.new(ip('192.168.1.0'), 24, ip('10.0.0.3'));
check(route.get_target().to_string() === '192.168.1.0' && route.gateway.to_string() === '10.0.0.3', 'route');

const param = LibvirtSandbox.ConfigNetworkFilterrefParameter.new();
param.set_name('IP');
param.value = '192.168.122.1';
const ref = LibvirtSandbox.ConfigNetworkFilterref.new();
ref.set_name('clean-traffic');
ref.add_parameter(param);
check(ref.get_parameters().length === 1 && ref.get_parameters()[0].get_value() === '192.168.122.1', 'filterref parameters');

const net = LibvirtSandbox.ConfigNetwork.new();
check(net.dhcp === true && net.get_source() === null, 'network defaults');
net.set_dhcp(false);
net.source = 'private';
net.add_address(addr);
net.add_address(v6);
net.add_route(route);
net.set_filterref(ref);
check(net.get_addresses().length === 2 && net.get_routes().length === 1, 'network lists');
check(net.get_filterref().get_name() === 'clean-traffic', 'network filterref');

const disk = LibvirtSandbox.ConfigDisk.new(LibvirtGConfig.DomainDiskType.FILE, 'data', '/tmp/data.qcow2',
    LibvirtGConfig.DomainDiskFormat.QCOW2);
check(disk.get_tag() === 'data' && disk.source === '/tmp/data.qcow2', 'disk strings');
check(disk.format === LibvirtGConfig.DomainDiskFormat.QCOW2 &&
      disk.get_disk_type() === LibvirtGConfig.DomainDiskType.FILE, 'disk enums');

const cfg = LibvirtSandbox.ConfigInteractive.new('gjs-net');
cfg.add_network(net);
cfg.add_network_strv(['dhcp,source=default', 'address=10.0.0.1/24%10.0.0.255,route=192.168.1.0/24%10.0.0.3']);
cfg.add_network_opts('filter=clean-traffic,filter.ip=192.168.122.1');
check(cfg.has_networks() && cfg.get_networks().length === 4, 'networks added');
check(cfg.get_networks()[3].get_filterref().get_parameters()[0].get_name() === 'IP', 'filter parameter upper-cased');
cfg.add_disk(disk);
cfg.add_disk_strv(['file:dbdata=/tmp/img.blah,format=qcow2', 'file:root=/tmp/img.img']);
const disks = cfg.get_disks();
check(disks.length === 3 && disks[2].get_format() === LibvirtGConfig.DomainDiskFormat.RAW, 'disks added');

try {
    cfg.add_network_opts('bogus=1');
    check(false, 'bad network raises');
} catch (e) {
    check(e.matches(LibvirtSandbox.Error, LibvirtSandbox.Error.INVALID_NETWORK), 'bad network raises INVALID_NETWORK');
}
try {
    cfg.add_disk_opts('file:root=/tmp/again.img');
    check(false, 'used disk tag raises');
} catch (e) {
    check(e.matches(LibvirtSandbox.Error, LibvirtSandbox.Error.INVALID_DISK), 'used disk tag raises INVALID_DISK');
}

const data = cfg.save_to_data();
const loaded = LibvirtSandbox.Config.load_from_data(data);
check(loaded.get_networks().length === 4 && loaded.get_disks().length === 3, 'reloaded networks and disks');
check(loaded.get_networks()[0].get_addresses()[1].get_prefix() === 64, 'reloaded IPv6 prefix');
check(loaded.save_to_data() === data, 'save/load/save is lossless');

if (failures > 0)
    imports.system.exit(1);
