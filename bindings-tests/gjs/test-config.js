// SPDX-License-Identifier: LGPL-2.1-or-later
// Drives the config classes through introspection from gjs.
const GLib = imports.gi.GLib;
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

const cfg = LibvirtSandbox.ConfigInteractive.new('gjs-demo');
check(cfg instanceof LibvirtSandbox.Config, 'ConfigInteractive instanceof Config');
check(cfg.get_name() === 'gjs-demo', 'name');
cfg.set_command(['/bin/sh', '-c', 'echo hello']);
cfg.set_tty(true);
check(cfg.tty === true && cfg.get_tty(), 'tty property and getter agree');
const cmd = cfg.get_command();
check(cmd.length === 3 && cmd[2] === 'echo hello', 'command round trip');
cfg.root = '/tmp';
check(cfg.get_root() === '/tmp', 'root set as a property');

let threw = false;
try {
    new LibvirtSandbox.Config();
} catch (e) {
    threw = true;
}
check(threw, 'abstract Config cannot be instantiated');

const props = new LibvirtSandbox.ConfigInteractive({name: 'by-props', tty: true});
check(props.get_name() === 'by-props' && props.tty, 'construct properties');

cfg.add_env_strv(['A=1', 'B=x=y']);
check(cfg.has_envs(), 'env added');
try {
    cfg.add_env_opts('missing-equals');
    check(false, 'bad env raises');
} catch (e) {
    check(e.matches(LibvirtSandbox.Error, LibvirtSandbox.Error.INVALID_ENV), 'bad env raises INVALID_ENV');
}

cfg.set_security_opts('static,label=system_u:system_r:svirt_t:s0:c1,c2');
check(cfg.get_security_label() === 'system_u:system_r:svirt_t:s0:c1,c2', 'security label with commas');

const data = cfg.save_to_data();
const loaded = LibvirtSandbox.Config.load_from_data(data);
check(loaded instanceof LibvirtSandbox.ConfigInteractive, 'reloaded class');
check(loaded.get_command()[2] === 'echo hello', 'reloaded command');
check(loaded.save_to_data() === data, 'save/load/save is lossless');

const dir = GLib.dir_make_tmp('sandbox-gjs-XXXXXX');
const path = GLib.build_filenamev([dir, 'x.cfg']);
cfg.save_to_path(path);
check(LibvirtSandbox.Config.load_from_path(path).get_name() === 'gjs-demo', 'save/load path');
GLib.unlink(path);
GLib.rmdir(dir);

try {
    LibvirtSandbox.Config.load_from_data('[api]\nclass=Nope\n');
    check(false, 'bad class raises');
} catch (e) {
    check(e.matches(LibvirtSandbox.Error, LibvirtSandbox.Error.INVALID_CONFIG), 'bad class raises INVALID_CONFIG');
}

const sd = LibvirtSandbox.ConfigServiceSystemd.new('svc');
check(sd instanceof LibvirtSandbox.ConfigService && sd instanceof LibvirtSandbox.Config, 'systemd hierarchy');
check(sd.get_boot_target() === 'multi-user.target', 'systemd default target');

if (failures > 0)
    imports.system.exit(1);
