// SPDX-License-Identifier: LGPL-2.1-or-later
// Drives the network and disk classes through the vapi from Vala.

int main (string[] args) {
    try {
        GVir.init_object_check (ref args);
        GVirSandbox.init_object_check (ref args);
    } catch (GLib.Error e) {
        stderr.printf ("init failed: %s\n", e.message);
        return 1;
    }

    var primary = new GLib.InetAddress.from_string ("10.0.0.1");
    var bcast = new GLib.InetAddress.from_string ("10.0.0.255");
    var addr = new GVirSandbox.ConfigNetworkAddress (primary, 24, bcast);
    assert (addr.get_primary ().to_string () == "10.0.0.1");
    assert (addr.get_prefix () == 24);
    assert (addr.broadcast.to_string () == "10.0.0.255");
    var v6 = new GVirSandbox.ConfigNetworkAddress (new GLib.InetAddress.from_string ("2001:212::204:2"), 64, null);
    assert (v6.get_broadcast () == null);

    var route = new GVirSandbox.ConfigNetworkRoute (new GLib.InetAddress.from_string ("192.168.1.0"), 24,
                                                    new GLib.InetAddress.from_string ("10.0.0.3"));
    assert (route.get_gateway ().to_string () == "10.0.0.3");

    var param = new GVirSandbox.ConfigNetworkFilterrefParameter ();
    param.set_name ("IP");
    param.set_value ("192.168.122.1");
    var fref = new GVirSandbox.ConfigNetworkFilterref ();
    fref.set_name ("clean-traffic");
    fref.add_parameter (param);
    assert (fref.get_parameters ().length () == 1);

    var net = new GVirSandbox.ConfigNetwork ();
    assert (net.dhcp);
    net.set_dhcp (false);
    net.add_address (addr);
    net.add_address (v6);
    net.add_route (route);
    net.set_filterref (fref);
    assert (net.get_addresses ().length () == 2);
    assert (net.get_filterref ().get_name () == "clean-traffic");

    var disk = new GVirSandbox.ConfigDisk (GVirConfig.DomainDiskType.FILE, "data", "/tmp/data.qcow2",
                                           GVirConfig.DomainDiskFormat.QCOW2);
    assert (disk.get_tag () == "data");
    assert (disk.get_format () == GVirConfig.DomainDiskFormat.QCOW2);
    assert (disk.get_disk_type () == GVirConfig.DomainDiskType.FILE);

    var cfg = new GVirSandbox.ConfigInteractive ("vala-net");
    cfg.add_network (net);
    cfg.add_disk (disk);
    try {
        string[] nets = { "dhcp,source=default", "address=10.0.0.1/24%10.0.0.255,route=192.168.1.0/24%10.0.0.3" };
        cfg.add_network_strv (nets);
        string[] disks = { "file:dbdata=/tmp/img.blah,format=qcow2", "file:root=/tmp/img.img" };
        cfg.add_disk_strv (disks);
    } catch (GLib.Error e) {
        stderr.printf ("option parsing failed: %s\n", e.message);
        return 1;
    }
    assert (cfg.has_networks () && cfg.get_networks ().length () == 3);
    assert (cfg.has_disks () && cfg.get_disks ().length () == 3);

    try {
        cfg.add_network_opts ("bogus=1");
        assert_not_reached ();
    } catch (GVirSandbox.Error.INVALID_NETWORK e) {
        assert ("bogus" in e.message);
    } catch (GLib.Error e) {
        assert_not_reached ();
    }
    try {
        cfg.add_disk_opts ("file:root=/tmp/again.img");
        assert_not_reached ();
    } catch (GVirSandbox.Error.INVALID_DISK e) {
        assert ("root" in e.message);
    } catch (GLib.Error e) {
        assert_not_reached ();
    }

    try {
        var data = cfg.save_to_data ();
        var loaded = GVirSandbox.Config.load_from_data (data);
        assert (loaded.get_networks ().length () == 3);
        assert (loaded.get_disks ().length () == 3);
        assert (loaded.save_to_data () == data);
    } catch (GLib.Error e) {
        stderr.printf ("save/load failed: %s\n", e.message);
        return 1;
    }
    stdout.printf ("vala networks test passed\n");
    return 0;
}
