#!/usr/bin/gjs
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The KVM Forum hello world: runs a command (default: /bin/date) in a
// sandbox and connects it to this program's stdin/stdout/stderr.
//
//   gjs examples/hello-world.js [COMMAND ARGS...]
//
// The connection URI comes from LIBVIRT_DEFAULT_URI (default lxc:///).
imports.gi.versions.Gtk = '3.0';
const GLib = imports.gi.GLib;
const Gtk = imports.gi.Gtk;
const LibvirtGObject = imports.gi.LibvirtGObject;
const LibvirtSandbox = imports.gi.LibvirtSandbox;

LibvirtSandbox.init_object_check(null);

const cfg = LibvirtSandbox.ConfigInteractive.new('sandbox');
cfg.set_command(ARGV.length > 0 ? ARGV : ['/bin/date']);
// A terminal on stdin gets a terminal inside too.
const stdinPath = GLib.file_read_link('/proc/self/fd/0');
cfg.set_tty(stdinPath.startsWith('/dev/pts/') || stdinPath.startsWith('/dev/tty'));

const conn = LibvirtGObject.Connection.new(GLib.getenv('LIBVIRT_DEFAULT_URI') || 'lxc:///');
conn.open(null);

const ctxt = LibvirtSandbox.ContextInteractive.new(conn, cfg);
ctxt.start();

const con = ctxt.get_app_console();
let status = 0;
// The raw wait status of the command: exit code, or 128 + the killing signal.
con.connect('exited', (_con, waitStatus) => {
    status = (waitStatus & 0x7f) === 0 ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f);
});
con.connect('closed', (_con, _error) => Gtk.main_quit());
con.attach_stdio();

Gtk.main();

try {
    con.detach();
} catch (e) {
    printerr(`detach: ${e.message}`);
}
try {
    ctxt.stop();
} catch (e) {
    printerr(`stop: ${e.message}`);
}
imports.system.exit(status);
