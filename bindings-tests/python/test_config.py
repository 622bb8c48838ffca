#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Drives the config classes through introspection from Python (PyGObject)."""
import os
import tempfile
import unittest

import gi

gi.require_version("LibvirtGObject", "1.0")
gi.require_version("LibvirtSandbox", "1.0")
from gi.repository import GLib, LibvirtGObject, LibvirtSandbox  # noqa: E402

LibvirtGObject.init_object_check(None)
LibvirtSandbox.init_object_check(None)


class ConfigTest(unittest.TestCase):
    def test_interactive(self):
        cfg = LibvirtSandbox.ConfigInteractive.new("py-demo")
        self.assertIsInstance(cfg, LibvirtSandbox.Config)
        cfg.set_command(["/bin/echo", "hello", "world"])
        self.assertEqual(cfg.get_command(), ["/bin/echo", "hello", "world"])
        cfg.set_tty(True)
        self.assertTrue(cfg.props.tty)
        cfg.props.uid = 1234
        self.assertEqual(cfg.get_userid(), 1234)
        self.assertEqual(cfg.get_name(), "py-demo")
        self.assertFalse(cfg.get_privileged())
        cfg.props.privileged = True
        self.assertTrue(cfg.get_privileged())

    def test_abstract(self):
        with self.assertRaises(TypeError):
            LibvirtSandbox.Config()

    def test_env_and_errors(self):
        cfg = LibvirtSandbox.ConfigInteractive.new("env")
        cfg.add_env_strv(["A=1", "B=2"])
        self.assertTrue(cfg.has_envs())
        self.assertEqual(cfg.get_envs(), {"A": "1", "B": "2"})
        with self.assertRaises(GLib.Error) as ctx:
            cfg.add_env_opts("=nokey")
        self.assertTrue(ctx.exception.matches(LibvirtSandbox.Error.quark(),
                                              LibvirtSandbox.Error.INVALID_ENV))

    def test_save_load(self):
        cfg = LibvirtSandbox.ConfigInteractive.new("saved")
        cfg.set_command(["/bin/true"])
        cfg.set_security_opts("dynamic")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.cfg")
            cfg.save_to_path(path)
            loaded = LibvirtSandbox.Config.load_from_path(path)
            self.assertIsInstance(loaded, LibvirtSandbox.ConfigInteractive)
            self.assertEqual(loaded.get_command(), ["/bin/true"])
            self.assertEqual(loaded.save_to_data(), cfg.save_to_data())
            with self.assertRaises(GLib.Error):
                cfg.save_to_path(path)  # never overwrites

    def test_services(self):
        gen = LibvirtSandbox.ConfigServiceGeneric.new("gen")
        self.assertIsInstance(gen, LibvirtSandbox.ConfigService)
        gen.set_command(["/usr/sbin/sshd", "-D"])
        self.assertEqual(gen.get_command(), ["/usr/sbin/sshd", "-D"])
        sd = LibvirtSandbox.ConfigServiceSystemd.new("sd")
        sd.set_boot_target("rescue.target")
        self.assertIn("rescue.target", sd.get_command())

    def test_uuid_set_get_save_load(self):
        cfg = LibvirtSandbox.ConfigInteractive.new("uuid")
        cfg.set_command(["/bin/true"])
        self.assertIsNone(cfg.get_uuid())
        cfg.set_uuid("4dea22b3-1d52-d8f3-2516-782e98a23fa0")
        self.assertEqual(cfg.get_uuid(), "4dea22b3-1d52-d8f3-2516-782e98a23fa0")
        self.assertEqual(cfg.props.uuid, "4dea22b3-1d52-d8f3-2516-782e98a23fa0")
        data = cfg.save_to_data()
        self.assertIn("uuid=4dea22b3-1d52-d8f3-2516-782e98a23fa0\n", data)
        loaded = LibvirtSandbox.Config.load_from_data(data)
        self.assertEqual(loaded.get_uuid(), "4dea22b3-1d52-d8f3-2516-782e98a23fa0")
        cfg.set_uuid(None)
        self.assertIsNone(cfg.get_uuid())
        with self.assertRaises(GLib.Error) as ctx:
            LibvirtSandbox.Config.load_from_data(
                data.replace("4dea22b3-1d52-d8f3-2516-782e98a23fa0", "nope"))
        self.assertTrue(ctx.exception.matches(LibvirtSandbox.Error.quark(),
                                              LibvirtSandbox.Error.INVALID_CONFIG))
        self.assertIn("[core] uuid", ctx.exception.message)

    def test_context_without_config(self):
        ctx = LibvirtSandbox.ContextInteractive()
        self.assertIsNone(ctx.props.config)
        for call in (ctx.start, ctx.attach, ctx.get_shell_console):
            with self.assertRaises(GLib.Error) as err:
                call()
            self.assertTrue(err.exception.matches(LibvirtSandbox.Error.quark(),
                                                  LibvirtSandbox.Error.INVALID_ARGUMENT),
                            err.exception.message)
            self.assertIn("no config", err.exception.message)

    def test_python_subclass_overrides_vfunc(self):
        class MyConfig(LibvirtSandbox.Config):
            def do_get_command(self):
                return ["/bin/custom"]

        cfg = MyConfig(name="mine")
        self.assertEqual(cfg.get_command(), ["/bin/custom"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
