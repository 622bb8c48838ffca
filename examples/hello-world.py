#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The hello world in Python: runs a command (default: /bin/date) in a sandbox
# connected to this program's stdin/stdout/stderr, and exits with its status.
#
#   /usr/bin/python3 examples/hello-world.py [COMMAND ARGS...]
#
# The connection URI comes from LIBVIRT_DEFAULT_URI (default lxc:///).
import os
import sys

import gi

gi.require_version("LibvirtGObject", "1.0")
gi.require_version("LibvirtSandbox", "1.0")
from gi.repository import GLib, LibvirtGObject, LibvirtSandbox  # noqa: E402

LibvirtSandbox.init_object_check(None)

cfg = LibvirtSandbox.ConfigInteractive.new("sandbox")
cfg.set_command(sys.argv[1:] or ["/bin/date"])
cfg.set_tty(os.isatty(sys.stdin.fileno()))

conn = LibvirtGObject.Connection.new(os.environ.get("LIBVIRT_DEFAULT_URI", "lxc:///"))
conn.open(None)

ctxt = LibvirtSandbox.ContextInteractive.new(conn, cfg)
ctxt.start()

status = 0
loop = GLib.MainLoop()


def exited(_console, wait_status):
    global status
    status = os.waitstatus_to_exitcode(wait_status)
    if status < 0:  # killed by a signal: report it the way a shell does
        status = 128 - status


con = ctxt.get_app_console()
con.connect("exited", exited)
con.connect("closed", lambda _console, _error: loop.quit())
con.attach_stdio()

loop.run()

try:
    con.detach()
except GLib.Error as e:
    print(f"detach: {e.message}", file=sys.stderr)
try:
    ctxt.stop()
except GLib.Error as e:
    print(f"stop: {e.message}", file=sys.stderr)
sys.exit(status)
