# SPDX-License-Identifier: LGPL-2.1-or-later
"""The hello world examples (gjs, Python, Vala) run real sandboxes on lxc:///.

Each example must pass the command's stdout and stderr through separately and
exit with its status, and leave nothing behind.
"""
import os
import subprocess
import unittest

import sandboxtest
from sandboxtest import TIMEOUT, SandboxTestCase

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = {
    "gjs": ["gjs", os.path.join(SOURCE_ROOT, "examples", "hello-world.js")],
    "python": ["/usr/bin/python3", os.path.join(SOURCE_ROOT, "examples", "hello-world.py")],
    "vala": [os.environ.get("HELLO_WORLD_VALA", "hello-world")],
}


class HelloWorldChecks(SandboxTestCase):
    """The checks each example passes; _add_tests() makes them tests."""

    def run_example(self, language, *command, input=None):
        env = dict(os.environ, LIBVIRT_DEFAULT_URI=self.URI)
        return subprocess.run([*EXAMPLES[language], *command], input=input,
                              stdin=None if input is not None else subprocess.DEVNULL,
                              capture_output=True, timeout=TIMEOUT, env=env)

    def check_streams_and_status(self, language):
        r = self.run_example(language, "/bin/sh", "-c", "echo out; echo err >&2; exit 3")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (3, b"out\n", b"err\n"))

    def check_default_command_prints_the_date(self, language):
        r = self.run_example(language)
        self.assertEqual(r.returncode, 0, r.stderr)
        # /bin/date's default format ends with the year.
        self.assertRegex(r.stdout, rb"\b20[0-9][0-9]\n$")

    def check_stdin_round_trip(self, language):
        r = self.run_example(language, "/bin/cat", input=b"hello through stdin\n")
        self.assertEqual((r.returncode, r.stdout), (0, b"hello through stdin\n"), r.stderr)

    def check_killed_by_signal(self, language):
        r = self.run_example(language, "/bin/sh", "-c", "kill -9 $$")
        self.assertEqual(r.returncode, 137, r.stderr)


# A second program attaches to a running sandbox by its name (GI, as the
# original's users do), then drops its context: the sandbox must go on;
# with "stop" it stops it.
ATTACH = r"""
import gc, sys
import gi
gi.require_version("LibvirtGObject", "1.0")
gi.require_version("LibvirtSandbox", "1.0")
from gi.repository import LibvirtGObject, LibvirtSandbox
LibvirtSandbox.init_object_check(None)
uri, name, action = sys.argv[1:]
conn = LibvirtGObject.Connection.new(uri)
conn.open(None)
ctx = LibvirtSandbox.ContextInteractive.new(conn, LibvirtSandbox.ConfigInteractive.new(name))
ctx.attach()
print("attached", ctx.get_domain().get_name(), flush=True)
if action == "stop":
    ctx.stop()
    print("stopped", flush=True)
del ctx
gc.collect()
print("dropped", flush=True)
"""


# The same in gjs, the other language the original's users wrote for.
ATTACH_GJS = r"""
imports.gi.versions.LibvirtGObject = '1.0';
imports.gi.versions.LibvirtSandbox = '1.0';
const {LibvirtGObject, LibvirtSandbox} = imports.gi;
const System = imports.system;
LibvirtSandbox.init_object_check(null);
const [uri, name, action] = ARGV;
const conn = LibvirtGObject.Connection.new(uri);
conn.open(null);
let ctx = LibvirtSandbox.ContextInteractive.new(conn, LibvirtSandbox.ConfigInteractive.new(name));
ctx.attach();
print('attached', ctx.get_domain().get_name());
if (action === 'stop') {
    ctx.stop();
    print('stopped');
}
ctx = null;
System.gc();
print('dropped');
"""

ATTACH_PROGRAMS = {
    "python": lambda: ["/usr/bin/python3", "-c", ATTACH],
    "gjs": lambda: ["gjs", "-c", ATTACH_GJS],
}


class Attach(SandboxTestCase):
    LANGUAGE = "python"

    def attach(self, name, action):
        return subprocess.run([*ATTACH_PROGRAMS[self.LANGUAGE](), self.URI, name, action],
                              capture_output=True, timeout=TIMEOUT)

    def test_attach_by_name_then_drop_leaves_it_running_and_stop_stops_it(self):
        name = f"attached{os.getpid()}"
        sandbox = subprocess.Popen([os.environ.get("VIRT_SANDBOX", "virt-sandbox"), "-c",
                                    self.URI, "-n", name, "--", "/bin/sh", "-c",
                                    "echo started; exec sleep 600"],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        try:
            self.assertEqual(sandbox.stdout.readline(), b"started\n")
            r = self.attach(name, "drop")
            self.assertEqual((r.returncode, r.stdout), (0, f"attached {name}\ndropped\n".encode()),
                             r.stderr)
            self.assertIsNone(sandbox.poll(), "dropping an attached context ended the sandbox")
            r = self.attach(name, "stop")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(b"stopped", r.stdout)
            sandbox.wait(timeout=TIMEOUT)
        finally:
            if sandbox.poll() is None:
                sandbox.kill()
                sandbox.wait()
            sandbox.stdout.close()
            sandbox.stderr.close()
        # Stopped from outside its own process: it did not run its 600 s.
        self.assertNotEqual(sandbox.returncode, 0)

    def test_attach_to_a_name_nothing_runs_under_is_an_error(self):
        r = self.attach(f"nothing{os.getpid()}", "drop")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"does not exist", r.stderr)


class AttachGjs(Attach):
    LANGUAGE = "gjs"


class AttachQemu(Attach):
    URI = "qemu:///system"


class AttachGjsQemu(Attach):
    URI = "qemu:///system"
    LANGUAGE = "gjs"


# A second program attaches by name to a sandbox started with a debug shell
# (-l) and drives that shell through get_shell_console(): the consoles are
# named as the original's (log console0, shell console1, app console2).
SHELL = r"""
import os, sys
import gi
gi.require_version("LibvirtGObject", "1.0")
gi.require_version("LibvirtSandbox", "1.0")
from gi.repository import Gio, GLib, LibvirtGObject, LibvirtSandbox
LibvirtSandbox.init_object_check(None)
uri, name = sys.argv[1:]
conn = LibvirtGObject.Connection.new(uri)
conn.open(None)
ctx = LibvirtSandbox.ContextInteractive.new(conn, LibvirtSandbox.ConfigInteractive.new(name))
ctx.attach()
names = [ctx.get_log_console().get_property("devname"),
         ctx.get_shell_console().get_property("devname")]
if uri.startswith("lxc"):
    names.append(ctx.get_app_console().get_property("devname"))
print("consoles", *names, flush=True)
to_shell_r, to_shell_w = os.pipe()
from_shell_r, from_shell_w = os.pipe()
shell = ctx.get_shell_console()
shell.attach(Gio.UnixInputStream.new(to_shell_r, False),
             Gio.UnixOutputStream.new(from_shell_w, False), None)
os.write(to_shell_w, b"echo SHELL-$((6*7))\n")
seen = b""
def readable(fd, _cond):
    global seen
    seen += os.read(fd, 4096)
    if b"SHELL-42" in seen:
        loop.quit()
    return True
loop = GLib.MainLoop()
GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, from_shell_r, GLib.IOCondition.IN, readable)
GLib.timeout_add_seconds(60, loop.quit)
loop.run()
shell.detach()
print("shell", "answered" if b"SHELL-42" in seen else f"silent: {seen!r}", flush=True)
"""


class ShellConsole(SandboxTestCase):
    def test_attach_then_drive_the_debug_shell_console(self):
        name = f"shell{os.getpid()}"
        sandbox = subprocess.Popen([os.environ.get("VIRT_SANDBOX", "virt-sandbox"), "-c",
                                    self.URI, "-l", "-n", name, "--", "/bin/sh", "-c",
                                    "echo started; exec sleep 600"],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        try:
            self.assertEqual(sandbox.stdout.readline(), b"started\n")
            r = subprocess.run(["/usr/bin/python3", "-c", SHELL, self.URI, name],
                               capture_output=True, timeout=TIMEOUT)
        finally:
            sandbox.terminate()  # a clean stop: nothing left for a sweep
            sandbox.wait()
            sandbox.stdout.close()
            sandbox.stderr.close()
        self.assertEqual(r.returncode, 0, r.stderr)
        consoles = ("console0 console1 console2" if self.URI.startswith("lxc")
                    else "console0 console1")
        self.assertEqual(r.stdout.decode(), f"consoles {consoles}\nshell answered\n",
                         r.stderr)

    def test_a_sandbox_without_a_shell_has_no_shell_console(self):
        name = f"noshell{os.getpid()}"
        sandbox = subprocess.Popen([os.environ.get("VIRT_SANDBOX", "virt-sandbox"), "-c",
                                    self.URI, "-n", name, "--", "/bin/sh", "-c",
                                    "echo started; exec sleep 600"],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        try:
            self.assertEqual(sandbox.stdout.readline(), b"started\n")
            r = subprocess.run(["/usr/bin/python3", "-c", SHELL, self.URI, name],
                               capture_output=True, timeout=TIMEOUT)
        finally:
            sandbox.terminate()
            sandbox.wait()
            sandbox.stdout.close()
            sandbox.stderr.close()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"the sandbox '{name}' has no debug shell".encode(), r.stderr)


class ShellConsoleQemu(ShellConsole):
    URI = "qemu:///system"


# How a GI program learns why a session did not end with the command's status:
# gvir_sandbox_console_check_end() from its `closed` handler.
CHECK_END = r"""
import sys
import gi
gi.require_version("LibvirtGObject", "1.0")
gi.require_version("LibvirtSandbox", "1.0")
from gi.repository import GLib, LibvirtGObject, LibvirtSandbox
LibvirtSandbox.init_object_check(None)
uri, name, mount, *command = sys.argv[1:]
cfg = LibvirtSandbox.ConfigInteractive.new(name)
cfg.set_command(command)
if mount:
    cfg.add_mount_strv([mount])
conn = LibvirtGObject.Connection.new(uri)
conn.open(None)
ctx = LibvirtSandbox.ContextInteractive.new(conn, cfg)
ctx.start()
loop = GLib.MainLoop()
result = []
def closed(console, _error):
    try:
        console.check_end()
        result.append("ok")
    except GLib.Error as e:
        code = LibvirtSandbox.Error(e.code).value_nick
        result.append(f"{e.domain} {code}: {e.message}")
    loop.quit()
con = ctx.get_app_console()
con.connect("exited", lambda _c, status: result.append(f"status {status >> 8}"))
con.connect("closed", closed)
con.attach_stdio()
loop.run()
con.detach()
try:
    ctx.stop()
except GLib.Error:
    pass  # ended from outside: already gone
print(" | ".join(result), flush=True)
"""


class CheckEnd(SandboxTestCase):
    def check_end(self, *command, mount="", name=None):
        name = name or f"checkend{os.getpid()}"
        return subprocess.run(["/usr/bin/python3", "-c", CHECK_END, self.URI, name, mount,
                               *command], stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=TIMEOUT)

    def test_a_command_that_ran_ends_cleanly(self):
        r = self.check_end("/bin/sh", "-c", "exit 3")
        self.assertEqual((r.returncode, r.stdout), (0, b"status 3 | ok\n"), r.stderr)

    def test_a_guest_setup_failure_is_a_guest_error_with_the_inits_message(self):
        r = self.check_end("/bin/true", mount="guest-bind:/mnt=/nonexistent-source")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.decode(), r"^status 125 \| gvir-sandbox-error-quark guest: "
                         r"guest-bind:/mnt=/nonexistent-source: .*No such file")


class CheckEndQemu(CheckEnd):
    URI = "qemu:///system"

    # A destroyed VM's guest end just vanishes. (libvirt ends a container
    # by SIGTERM to its processes, so on LXC the init still reports the
    # command killed by SIGTERM; the domain's lifecycle event tells the
    # two apart, as virt-sandbox does.)
    def test_a_sandbox_destroyed_from_outside_is_a_protocol_error(self):
        name = f"checkend{os.getpid()}"
        proc = subprocess.Popen(["/usr/bin/python3", "-c", CHECK_END, self.URI, name, "",
                                 "/bin/sh", "-c", "echo started; exec sleep 600"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            self.assertEqual(proc.stdout.readline(), b"started\n")
            subprocess.run(["virsh", "-q", "-c", self.URI, "destroy", name], check=True,
                           capture_output=True, timeout=TIMEOUT)
            out, err = proc.communicate(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 0, err)
        self.assertRegex(out.decode(), r"^gvir-sandbox-error-quark protocol: the sandbox ended "
                         r"before its command reported an exit status")


class HelloWorld(HelloWorldChecks):
    pass


class HelloWorldQemu(HelloWorldChecks):
    """The 0.8-API programs (ConfigInteractive, ContextInteractive,
    get_app_console, attach_stdio) unchanged on a virtual machine; fewer
    checks than on LXC: each one boots a VM."""
    URI = "qemu:///system"
    LANGUAGES = ("gjs", "python")
    CHECKS = ("check_streams_and_status", "check_stdin_round_trip")


def _add_tests(case):
    checks = getattr(case, "CHECKS", None) or [name for name in dir(HelloWorldChecks)
                                               if name.startswith("check_")]
    for language in getattr(case, "LANGUAGES", EXAMPLES):
        for check in checks:
            def test(self, check=check, language=language):
                getattr(self, check)(language)
            setattr(case, f"test_{language}_{check[len('check_'):]}", test)


_add_tests(HelloWorld)
_add_tests(HelloWorldQemu)

if __name__ == "__main__":
    sandboxtest.main()
