// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The hello world in Vala: runs a command (default: /bin/date) in a sandbox
// connected to this program's stdin/stdout/stderr, and exits with its status.
//
//   valac --pkg libvirt-sandbox-1.0 hello-world.vala && ./hello-world [COMMAND ARGS...]
//
// The connection URI comes from LIBVIRT_DEFAULT_URI (default lxc:///).

int main (string[] args) {
    try {
        GVirSandbox.init_object_check (ref args);

        var cfg = new GVirSandbox.ConfigInteractive ("sandbox");
        string[] command = args.length > 1 ? args[1:args.length] : new string[] { "/bin/date" };
        cfg.set_command (command);
        cfg.set_tty (Posix.isatty (0));

        var uri = Environment.get_variable ("LIBVIRT_DEFAULT_URI") ?? "lxc:///";
        var conn = new GVir.Connection (uri);
        conn.open (null);

        var ctxt = new GVirSandbox.ContextInteractive (conn, cfg);
        ctxt.start ();

        int status = 0;
        var loop = new MainLoop ();
        var con = ctxt.get_app_console ();
        ((GVirSandbox.ConsoleRpc) con).exited.connect ((wait_status) => {
            status = Process.if_exited (wait_status)
                ? Process.exit_status (wait_status)
                : 128 + Process.term_sig (wait_status);
        });
        con.closed.connect ((error) => loop.quit ());
        con.attach_stdio ();

        loop.run ();

        try {
            con.detach ();
        } catch (Error e) {
            printerr ("detach: %s\n", e.message);
        }
        ctxt.stop ();
        return status;
    } catch (Error e) {
        printerr ("hello-world: %s\n", e.message);
        return 1;
    }
}
