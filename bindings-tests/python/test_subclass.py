#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python subclasses overriding the virtual methods (PyGObject do_*): the
public entry points call the override, chaining up reaches the library's
default. Nothing here starts a sandbox."""
import unittest

import gi

gi.require_version("LibvirtGObject", "1.0")
gi.require_version("LibvirtSandbox", "1.0")
from gi.repository import GLib, GObject, LibvirtGObject, LibvirtSandbox  # noqa: E402

LibvirtGObject.init_object_check(None)
LibvirtSandbox.init_object_check(None)


class PyContext(LibvirtSandbox.ContextInteractive):
    __gtype_name__ = "PyTestContext"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def do_start(self):
        self.calls.append("start")
        return True

    def do_stop(self):
        self.calls.append("stop")
        # Chain up: the default refuses a sandbox that is not running.
        return LibvirtSandbox.ContextInteractive.do_stop(self)


class PyService(LibvirtSandbox.ContextService):
    __gtype_name__ = "PyTestService"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def do_define(self):
        self.calls.append("define")
        return True

    def do_undefine(self):
        self.calls.append("undefine")
        # Chain up: the default refuses a config that is no service config.
        return LibvirtSandbox.ContextService.do_undefine(self)


class PyConfig(LibvirtSandbox.ConfigInteractive):
    __gtype_name__ = "PyTestConfig"
    loads = []

    def do_save_config(self, keyfile):
        LibvirtSandbox.ConfigInteractive.do_save_config(self, keyfile)
        keyfile.set_string("python", "marker", "saved by Python")

    def do_load_config(self, keyfile):
        if not LibvirtSandbox.ConfigInteractive.do_load_config(self, keyfile):
            return False
        PyConfig.loads.append(keyfile.get_string("python", "marker"))
        return True


class PyConsole(LibvirtSandbox.ConsoleRaw):
    __gtype_name__ = "PyTestConsole"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def do_closed(self, error):
        self.calls.append(("closed", error))

    def do_detach(self):
        self.calls.append(("detach",))
        return LibvirtSandbox.ConsoleRaw.do_detach(self)


class SubclassTest(unittest.TestCase):
    def test_vfuncs_in_the_gir(self):
        for cls, names in ((LibvirtSandbox.Context, ("start", "stop", "attach", "detach")),
                           (LibvirtSandbox.ContextService, ("define", "undefine")),
                           (LibvirtSandbox.Console, ("attach", "detach")),
                           (LibvirtSandbox.Config, ("load_config", "save_config", "get_command"))):
            info = cls.__info__
            self.assertTrue(set(names) <= {v.get_name() for v in info.get_vfuncs()}, cls)

    def test_service_define_override(self):
        conn = LibvirtGObject.Connection.new("test:///default")
        conn.open(None)
        cfg = LibvirtSandbox.ConfigInteractive.new("py-service")
        ctx = PyService(connection=conn, config=cfg)
        self.assertTrue(ctx.define())
        with self.assertRaises(GLib.Error):
            ctx.undefine()
        self.assertEqual(ctx.calls, ["define", "undefine"])

    def test_context_start_override(self):
        conn = LibvirtGObject.Connection.new("test:///default")
        cfg = LibvirtSandbox.ConfigInteractive.new("py-subclass")
        ctx = PyContext(connection=conn, config=cfg)
        self.assertIsInstance(ctx, LibvirtSandbox.ContextInteractive)
        self.assertTrue(ctx.start())
        self.assertEqual(ctx.calls, ["start"])
        self.assertFalse(ctx.is_attached())
        with self.assertRaises(GLib.Error) as err:
            ctx.stop()
        self.assertTrue(err.exception.matches(LibvirtSandbox.Error.quark(),
                                              LibvirtSandbox.Error.NOT_RUNNING),
                        err.exception.message)
        self.assertEqual(ctx.calls, ["start", "stop"])

    def test_console_overrides(self):
        console = PyConsole(devname="console0")
        # The closed signal's class closure is the class slot do_closed fills.
        console.emit("closed", True)
        self.assertEqual(console.calls, [("closed", True)])
        self.assertTrue(console.detach())
        self.assertEqual(console.calls, [("closed", True), ("detach",)])

    def test_config_load_override(self):
        cfg = PyConfig(name="py-config")
        cfg.set_command(["/bin/true"])
        data = cfg.save_to_data()
        self.assertIn("class=PyTestConfig", data)
        self.assertIn("marker=saved by Python", data)
        self.assertIn("argv.0=/bin/true", data)
        loaded = LibvirtSandbox.Config.load_from_data(data)
        self.assertIsInstance(loaded, PyConfig)
        self.assertEqual(PyConfig.loads, ["saved by Python"])
        self.assertEqual(loaded.get_command(), ["/bin/true"])
        self.assertEqual(GObject.type_name(loaded), "PyTestConfig")


if __name__ == "__main__":
    unittest.main(verbosity=2)
