// SPDX-License-Identifier: LGPL-2.1-or-later
// Drives the config classes through the vapi from Vala.

int main (string[] args) {
    try {
        GVir.init_object_check (ref args);
        GVirSandbox.init_object_check (ref args);
    } catch (GLib.Error e) {
        stderr.printf ("init failed: %s\n", e.message);
        return 1;
    }

    var cfg = new GVirSandbox.ConfigInteractive ("vala-demo");
    GVirSandbox.Config base_cfg = cfg;
    assert (base_cfg is GVirSandbox.Config);
    string[] argv = { "/bin/echo", "from", "vala" };
    cfg.set_command (argv);
    cfg.set_tty (true);
    assert (cfg.get_tty ());
    var cmd = cfg.get_command ();
    assert (cmd.length == 3 && cmd[2] == "vala");
    assert (cfg.get_name () == "vala-demo");

    try {
        cfg.add_env_opts ("no-equals-sign");
        assert_not_reached ();
    } catch (GVirSandbox.Error.INVALID_ENV e) {
        assert ("no-equals-sign" in e.message);
    } catch (GLib.Error e) {
        assert_not_reached ();
    }

    try {
        var data = cfg.save_to_data ();
        var loaded = GVirSandbox.Config.load_from_data (data);
        assert (loaded is GVirSandbox.ConfigInteractive);
        assert (loaded.save_to_data () == data);
    } catch (GLib.Error e) {
        stderr.printf ("save/load failed: %s\n", e.message);
        return 1;
    }

    var sd = new GVirSandbox.ConfigServiceSystemd ("svc");
    assert (sd is GVirSandbox.ConfigService);
    assert (sd.get_boot_target () == "multi-user.target");
    stdout.printf ("vala config test passed\n");
    return 0;
}
