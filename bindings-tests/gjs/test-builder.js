// SPDX-License-Identifier: LGPL-2.1-or-later
// The Builder classes through introspection from gjs: BuilderInitrd writes
// a newc initrd from a ConfigInitrd; a gjs subclass's vfunc is called.
const GLib = imports.gi.GLib;
const GObject = imports.gi.GObject;
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

// The entries of a newc archive, {name: {mode, data}}; throws on anything else.
function readNewc(bytes) {
    const text = new TextDecoder('latin1');
    const entries = {};
    let offset = 0;
    for (;;) {
        const header = text.decode(bytes.subarray(offset, offset + 110));
        if (header.slice(0, 6) !== '070701')
            throw new Error(`bad magic at ${offset}`);
        const field = i => parseInt(header.slice(6 + 8 * i, 14 + 8 * i), 16);
        const mode = field(1), size = field(6), namesize = field(11);
        const nameEnd = offset + 110 + namesize;
        const name = text.decode(bytes.subarray(offset + 110, nameEnd - 1));
        const start = (nameEnd + 3) & ~3;
        const data = bytes.subarray(start, start + size);
        if (data.length !== size)
            throw new Error(`${name}: truncated`);
        offset = (start + size + 3) & ~3;
        if (name === 'TRAILER!!!')
            return entries;
        entries[name] = {mode, data};
    }
}

const dir = GLib.dir_make_tmp('gjs-builder-XXXXXX');
const init = GLib.build_filenamev([dir, 'init']);
GLib.file_set_contents(init, 'gjs-init');
const tree = GLib.build_filenamev([dir, 'modules']);
GLib.mkdir_with_parents(GLib.build_filenamev([tree, 'kernel']), 0o755);
GLib.file_set_contents(GLib.build_filenamev([tree, 'modules.dep']), 'kernel/virtio_net.ko: kernel/virtio.ko\nkernel/virtio.ko:\n');
GLib.file_set_contents(GLib.build_filenamev([tree, 'kernel', 'virtio.ko']), 'VIRTIO');
GLib.file_set_contents(GLib.build_filenamev([tree, 'kernel', 'virtio_net.ko']), 'NET');

const cfg = LibvirtSandbox.ConfigInitrd.new();
cfg.set_init(init);
cfg.set_kmoddir(tree);
cfg.add_module('virtio_net.ko');
const out = GLib.build_filenamev([dir, 'initrd.img']);
const builder = LibvirtSandbox.BuilderInitrd.new();
check(builder.construct(cfg, out), 'BuilderInitrd.construct succeeds');
const [, bytes] = GLib.file_get_contents(out);
const entries = readNewc(bytes);
check('init' in entries, 'the initrd has /init');
check(new TextDecoder().decode(entries['init'].data) === 'gjs-init', '/init is the config\'s init');
check((entries['init'].mode & 0o777) === 0o755, '/init is executable');
const order = new TextDecoder().decode(entries['modules/order'].data);
check(order.indexOf('virtio.ko') < order.indexOf('virtio_net.ko') && order.includes('virtio_net.ko'),
    'modules in dependency order');

let threw = false;
cfg.set_init(GLib.build_filenamev([dir, 'missing']));
try {
    builder.construct(cfg, GLib.build_filenamev([dir, 'x.img']));
} catch (e) {
    threw = e.message.includes('missing');
}
check(threw, 'a missing init is an error naming it');
check(!GLib.file_test(GLib.build_filenamev([dir, 'x.img']), GLib.FileTest.EXISTS), 'no output left on failure');

// A gjs subclass: its clean_post_start override is what the invoker calls.
const GjsBuilder = GObject.registerClass(class GjsBuilder extends LibvirtSandbox.BuilderContainer {
    vfunc_clean_post_start(config, statedir) {
        this.cleaned = statedir;
        return true;
    }
});
const conn = LibvirtGObject.Connection.new('test:///default');
conn.open(null);
const sub = new GjsBuilder({connection: conn});
const icfg = LibvirtSandbox.ConfigInteractive.new('gjs-builder');
check(sub.clean_post_start(icfg, dir) && sub.cleaned === dir, 'a gjs override of clean_post_start is called');
threw = false;
try {
    LibvirtSandbox.Builder.for_connection(conn);
} catch (e) {
    threw = e.message === 'No builder available for URI test:///default';
}
check(threw, 'no builder for test:///default');

for (const f of ['initrd.img', 'init', 'modules/kernel/virtio.ko', 'modules/kernel/virtio_net.ko', 'modules/modules.dep'])
    GLib.unlink(GLib.build_filenamev([dir, f]));
for (const d of ['modules/kernel', 'modules', ''])
    GLib.rmdir(GLib.build_filenamev([dir, d]));

if (failures > 0)
    imports.system.exit(1);
