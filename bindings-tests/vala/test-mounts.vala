// SPDX-License-Identifier: LGPL-2.1-or-later
// Drives the mount classes through the vapi from Vala.

int main (string[] args) {
    try {
        GVir.init_object_check (ref args);
        GVirSandbox.init_object_check (ref args);
    } catch (GLib.Error e) {
        stderr.printf ("init failed: %s\n", e.message);
        return 1;
    }

    var bind = new GVirSandbox.ConfigMountHostBind ("/tmp/home", "/var/run/hell");
    GVirSandbox.ConfigMount mnt = bind;
    assert (mnt is GVirSandbox.ConfigMountFile);
    assert (bind.get_target () == "/var/run/hell");
    assert (bind.get_source () == "/tmp/home");
    assert (new GVirSandbox.ConfigMountHostBind (null, "/tmp").get_source () == null);

    var image = new GVirSandbox.ConfigMountHostImage ("/tmp/img.qcow2", "/etc", GVirConfig.DomainDiskFormat.QCOW2);
    assert (image.get_format () == GVirConfig.DomainDiskFormat.QCOW2);
    assert (image.format == GVirConfig.DomainDiskFormat.QCOW2);

    var guest = new GVirSandbox.ConfigMountGuestBind ("/tmp/home", "/home");
    guest.set_source ("/srv/home");
    assert (guest.source == "/srv/home");

    var ram = new GVirSandbox.ConfigMountRam ("/run", 1048576);
    assert (ram is GVirSandbox.ConfigMount && !(ram is GVirSandbox.ConfigMountFile));
    assert (ram.get_usage () == 1048576);
    ram.set_usage (4096);
    assert (ram.usage == 4096);
    ram.add_include ("/host/a", "/a");
    assert (ram.get_includes ().lookup ("/a") == "/host/a");

    var cfg = new GVirSandbox.ConfigInteractive ("vala-mounts");
    cfg.add_mount (bind);
    try {
        string[] mounts = { "host-image:/etc=/tmp/home,format=qcow2", "host-bind:/tmp=", "ram:/tmp2=500M" };
        cfg.add_mount_strv (mounts);
        string[] includes = { "/tmp/bar=/var/tmp/foo/bar" };
        cfg.add_host_include_strv (includes);
    } catch (GLib.Error e) {
        stderr.printf ("option parsing failed: %s\n", e.message);
        return 1;
    }
    assert (cfg.has_mounts () && cfg.get_mounts ().length () == 4);
    assert (cfg.get_mounts_with_type (typeof (GVirSandbox.ConfigMountHostBind)).length () == 2);
    assert (cfg.has_mounts_with_type (typeof (GVirSandbox.ConfigMountRam)));
    assert (!cfg.has_root_mount ());
    var found = cfg.find_mount ("/tmp2") as GVirSandbox.ConfigMountRam;
    assert (found != null && found.get_usage () == 500 * 1024 * 1024);
    assert (cfg.find_mount ("/nope") == null);
    assert (cfg.find_mount ("/tmp").get_includes ().lookup ("/bar") == "/var/tmp/foo/bar");

    try {
        cfg.add_mount_opts ("bogus:/x=/y");
        assert_not_reached ();
    } catch (GVirSandbox.Error.INVALID_MOUNT e) {
        assert ("bogus" in e.message);
    } catch (GLib.Error e) {
        assert_not_reached ();
    }
    try {
        string[] orphan = { "/nowhere/x" };
        cfg.add_host_include_strv (orphan);
        assert_not_reached ();
    } catch (GVirSandbox.Error.INVALID_INCLUDE e) {
        assert ("/nowhere/x" in e.message);
    } catch (GLib.Error e) {
        assert_not_reached ();
    }

    try {
        var data = cfg.save_to_data ();
        var loaded = GVirSandbox.Config.load_from_data (data);
        assert (loaded.get_mounts ().length () == 4);
        assert (loaded.save_to_data () == data);
    } catch (GLib.Error e) {
        stderr.printf ("save/load failed: %s\n", e.message);
        return 1;
    }
    stdout.printf ("vala mounts test passed\n");
    return 0;
}
