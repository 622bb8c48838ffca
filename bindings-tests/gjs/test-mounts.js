// SPDX-License-Identifier: LGPL-2.1-or-later
// Drives the mount classes through introspection from gjs.
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

const bind = LibvirtSandbox.ConfigMountHostBind.new('/tmp/home', '/var/run/hell');
check(bind instanceof LibvirtSandbox.ConfigMount && bind instanceof LibvirtSandbox.ConfigMountFile,
    'host bind is a ConfigMount and a ConfigMountFile');
check(bind.get_target() === '/var/run/hell' && bind.target === '/var/run/hell', 'host bind target');
check(bind.get_source() === '/tmp/home' && bind.source === '/tmp/home', 'host bind source');
const temp = LibvirtSandbox.ConfigMountHostBind.new(null, '/tmp');
check(temp.get_source() === null, 'host bind without source (temporary directory)');

const image = LibvirtSandbox.ConfigMountHostImage.new('/tmp/img.qcow2', '/etc',
    LibvirtGConfig.DomainDiskFormat.QCOW2);
check(image.get_format() === LibvirtGConfig.DomainDiskFormat.QCOW2 &&
      image.format === LibvirtGConfig.DomainDiskFormat.QCOW2, 'host image format');
const byProps = new LibvirtSandbox.ConfigMountHostImage({target: '/', source: '/img'});
check(byProps.format === LibvirtGConfig.DomainDiskFormat.RAW, 'host image default format');

const guest = LibvirtSandbox.ConfigMountGuestBind.new('/tmp/home', '/home');
guest.set_source('/srv/home');
check(guest.source === '/srv/home', 'guest bind set_source');

const ram = LibvirtSandbox.ConfigMountRam.new('/run', 1048576);
check(ram instanceof LibvirtSandbox.ConfigMount && !(ram instanceof LibvirtSandbox.ConfigMountFile),
    'ram is a ConfigMount but not a ConfigMountFile');
check(ram.get_usage() === 1048576, 'ram usage');
ram.set_usage(4096);
check(ram.usage === 4096, 'ram set_usage');

ram.add_include('/host/a', '/a');
const includes = ram.get_includes();
check(includes['/a'] === '/host/a', 'mount includes');

// The abstract class refuses instantiation as abstract (any other error,
// e.g. a bad property, would not prove it), while a concrete one works.
let abstractError = null;
try {
    new LibvirtSandbox.ConfigMount({target: '/x'});
} catch (e) {
    abstractError = e.message;
}
check(abstractError !== null && /abstract type GVirSandboxConfigMount/.test(abstractError),
    `abstract ConfigMount cannot be instantiated (${abstractError})`);
check(new LibvirtSandbox.ConfigMountHostBind({target: '/x'}).get_target() === '/x',
    'a concrete mount class can');

const cfg = LibvirtSandbox.ConfigInteractive.new('gjs-mounts');
cfg.add_mount(bind);
cfg.add_mount_strv(['host-image:/etc=/tmp/home,format=qcow2', 'host-bind:/tmp=']);
cfg.add_mount_opts('ram:/run=500M');
check(cfg.has_mounts() && cfg.get_mounts().length === 4, 'mounts added');
check(cfg.get_mounts_with_type(LibvirtSandbox.ConfigMountHostBind.$gtype).length === 2, 'mounts with type');
check(cfg.has_mounts_with_type(LibvirtSandbox.ConfigMountRam.$gtype) && !cfg.has_root_mount(), 'has mounts');
check(cfg.find_mount('/run').get_usage() === 500 * 1024 * 1024, 'find_mount');
check(cfg.find_mount('/nope') === null, 'find_mount without match');
cfg.add_host_include_strv(['/etc/nswitch.conf', '/tmp/bar=/var/tmp/foo/bar']);
check(cfg.find_mount('/tmp').get_includes()['/bar'] === '/var/tmp/foo/bar', 'host includes');

try {
    cfg.add_mount_opts('bogus:/x=/y');
    check(false, 'bad mount raises');
} catch (e) {
    check(e.matches(LibvirtSandbox.Error, LibvirtSandbox.Error.INVALID_MOUNT), 'bad mount raises INVALID_MOUNT');
}
try {
    cfg.add_host_include_strv(['/nowhere/x']);
    check(false, 'include without mount raises');
} catch (e) {
    check(e.matches(LibvirtSandbox.Error, LibvirtSandbox.Error.INVALID_INCLUDE),
        'include without mount raises INVALID_INCLUDE');
}

const data = cfg.save_to_data();
const loaded = LibvirtSandbox.Config.load_from_data(data);
const mounts = loaded.get_mounts();
check(mounts.length === 4 && mounts[1].get_format() === LibvirtGConfig.DomainDiskFormat.QCOW2,
    'reloaded mounts');
check(mounts[2].get_source() === null, 'reloaded temporary host bind');
check(loaded.save_to_data() === data, 'save/load/save is lossless');

if (failures > 0)
    imports.system.exit(1);
