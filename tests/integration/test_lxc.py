#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""virt-sandbox on lxc:/// against a real libvirtd: the console matrix, exit
codes, stdout/stderr separation, binary-safe stdin, isolation, errors, and
cleanup after every run."""
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import sandboxtest
from sandboxtest import TIMEOUT, VIRT_SANDBOX, SandboxTestCase, domains


class ExitStatus(SandboxTestCase):
    def test_true(self):
        self.assertEqual(self.sandbox("/bin/true").returncode, 0)

    def test_false(self):
        self.assertEqual(self.sandbox("/bin/false").returncode, 1)

    def test_exit_3(self):
        self.assertEqual(self.sandbox("/bin/sh", "-c", "exit 3").returncode, 3)

    def test_killed_by_signal(self):
        self.assertEqual(self.sandbox("/bin/sh", "-c", "kill -9 $$").returncode, 137)

    def test_missing_command(self):
        r = self.sandbox("/nonexistent/command")
        self.assertEqual(r.returncode, 127)
        self.assertIn(b"/nonexistent/command", r.stderr)

    def test_path_lookup(self):
        r = self.sandbox("echo", "found")
        self.assertEqual((r.returncode, r.stdout), (0, b"found\n"))


class Streams(SandboxTestCase):
    def test_stdout_and_stderr_are_separate(self):
        r = self.sandbox("/bin/sh", "-c", "echo out; echo err >&2; echo out2")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, b"out\nout2\n")
        self.assertEqual(r.stderr, b"err\n")

    def test_output_only(self):
        r = self.sandbox("/bin/date", "+%Y")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, rb"^\d{4}\n$")

    def test_no_io(self):
        r = self.sandbox("/bin/true")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, b"", b""))

    def test_binary_stdin_round_trip(self):
        data = os.urandom(10 * 1024 * 1024)
        r = self.sandbox("/bin/cat", input=data)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(len(r.stdout), len(data))
        self.assertEqual(hashlib.sha256(r.stdout).hexdigest(), hashlib.sha256(data).hexdigest())

    def test_stdin_eof_reaches_command(self):
        r = self.sandbox("/bin/sh", "-c", "wc -c", input=b"12345")
        self.assertEqual(r.stdout.strip(), b"5")


class Terminal(SandboxTestCase):
    def test_tty_no_io(self):
        code, _ = self.sandbox_tty("/bin/false")
        self.assertEqual(code, 1)

    def test_tty_output(self):
        code, out = self.sandbox_tty("/bin/sh", "-c", "test -t 0 && test -t 1 && echo is-a-tty")
        self.assertEqual(code, 0)
        self.assertIn(b"is-a-tty", out)

    def test_tty_exit_3(self):
        code, _ = self.sandbox_tty("/bin/sh", "-c", "exit 3")
        self.assertEqual(code, 3)

    def test_tty_killed_by_signal(self):
        code, _ = self.sandbox_tty("/bin/sh", "-c", "kill -9 $$")
        self.assertEqual(code, 137)

    def test_tty_window_size_follows_the_terminal(self):
        # The command's terminal has the size before the command starts.
        code, out = self.sandbox_tty("/bin/sh", "-c", 'echo "size:$(stty size)"',
                                     size=(33, 111))
        self.assertEqual(code, 0)
        self.assertIn(b"size:33 111", out)

    def test_tty_input_and_output(self):
        code, out = self.sandbox_tty("/bin/sh", "-c", "read line; echo got:$line",
                                     send=b"hello\r")
        self.assertEqual(code, 0)
        self.assertIn(b"got:hello", out)


class Isolation(SandboxTestCase):
    def test_host_root_is_read_only(self):
        r = self.sandbox("/bin/sh", "-c", "touch /usr/.sandbox-write-test")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"Read-only file system", r.stderr)
        self.assertFalse(os.path.exists("/usr/.sandbox-write-test"))

    def test_only_sandbox_processes_visible(self):
        r = self.sandbox("/bin/sh", "-c", "ls -d /proc/[0-9]* | wc -l; cat /proc/1/cmdline")
        self.assertEqual(r.returncode, 0)
        count, cmdline = r.stdout.split(b"\n", 1)
        # init, the shell, ls/wc/cat: a handful, never the host's hundreds.
        self.assertLessEqual(int(count), 6)
        self.assertIn(b"libvirt-sandbox-init", cmdline)

    def test_runs_as_caller(self):
        r = self.sandbox("/usr/bin/id", "-u")
        self.assertEqual(r.stdout.strip(), str(os.geteuid()).encode())

    def test_two_unnamed_sandboxes_run_together(self):
        # Each marks its start in a shared grant and waits for the other's
        # mark: run one after the other, the first would wait in vain. Without
        # -n each gets a name of its own.
        meeting = tempfile.mkdtemp(prefix="twin-", dir="/var/tmp")
        self.addCleanup(shutil.rmtree, meeting, True)
        results = {}
        script = ('touch /mnt/$0; i=0; '
                  'while [ "$(ls /mnt | wc -l)" -lt 2 ] && [ $i -lt 300 ]; do '
                  'sleep 0.1; i=$((i+1)); done; ls /mnt | wc -l')

        def run(who):
            results[who] = self.sandbox("/bin/sh", "-c", script, who,
                                        options=("-m", f"host-bind:/mnt={meeting}"))

        threads = [threading.Thread(target=run, args=(who,)) for who in ("one", "two")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual({who: (r.returncode, r.stdout) for who, r in results.items()},
                         {"one": (0, b"2\n"), "two": (0, b"2\n")},
                         f"the two sandboxes did not run at the same time: {results}")

    def test_the_domain_is_named_as_the_sandbox_and_a_name_in_use_is_refused(self):
        name = f"twin{os.getpid()}"
        first = subprocess.Popen([VIRT_SANDBOX, "-c", self.URI, "-n", name, "--",
                                  "/bin/sh", "-c", "echo started; read x"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        try:
            self.assertEqual(first.stdout.readline(), b"started\n")
            # Exactly the name, as the original (and its man page) say.
            self.assertIn(name, domains(self.URI))
            second = self.sandbox("/bin/true", options=("-n", name))
            first.stdin.write(b"done\n")
            first.stdin.close()
            first.wait(timeout=TIMEOUT)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
            first.stdout.close()
            first.stderr.close()
        self.assertEqual(first.returncode, 0)
        self.assertEqual(second.returncode, 1, second.stderr)
        self.assertEqual(len(second.stderr.strip().splitlines()), 1, second.stderr)
        self.assertIn(f"a sandbox named '{name}' is already running".encode(), second.stderr)


def status_fields(text):
    """The Cap*/NoNewPrivs lines of /proc/self/status as a dict."""
    return dict(line.split(":\t") for line in text.splitlines() if ":\t" in line)


PROBE = ("grep -E '^(CapPrm|CapEff|CapBnd|NoNewPrivs):' /proc/self/status; "
         "echo \"id:\t$(id -u) $(id -g) $(id -un)\"; echo \"env:\t$HOME $USER\"")


class Identity(SandboxTestCase):
    def probe(self, *options):
        r = self.sandbox("/bin/sh", "-c", PROBE, options=options)
        self.assertEqual(r.returncode, 0, r.stderr)
        return status_fields(r.stdout.decode())

    def test_default_has_no_capabilities(self):
        f = self.probe()
        self.assertEqual(f["id"], f"{os.geteuid()} {os.getegid()} root")
        for cap in ("CapPrm", "CapEff", "CapBnd"):
            self.assertEqual(int(f[cap], 16), 0, cap)
        self.assertEqual(f["NoNewPrivs"], "1")

    def test_root_without_capabilities_cannot_mount_or_write_etc(self):
        r = self.sandbox("/bin/sh", "-c", "mount -t tmpfs none /mnt || echo mount-failed; "
                         "touch /etc/sandbox-test || echo write-failed")
        self.assertEqual(r.stdout.split(), [b"mount-failed", b"write-failed"])

    def test_switch_to_another_user(self):
        f = self.probe("-S", "nobody")
        self.assertEqual(f["id"], "65534 65534 nobody")
        self.assertEqual(f["env"], "/nonexistent nobody")
        self.assertEqual(int(f["CapEff"], 16), 0)

    def test_privileged_keeps_capabilities(self):
        f = self.probe("-p")
        self.assertEqual(f["id"].split()[:2], ["0", "0"])
        self.assertNotEqual(int(f["CapEff"], 16), 0)
        self.assertNotEqual(int(f["CapBnd"], 16), 0)

    def test_environment_reaches_the_command(self):
        r = self.sandbox("/bin/sh", "-c", 'echo "$GREETING|$EMPTY|"',
                         options=("-e", "GREETING=hello world", "-e", "EMPTY="))
        self.assertEqual(r.stdout, b"hello world||\n")

    def test_no_network_without_options(self):
        r = self.sandbox("/bin/ls", "/sys/class/net")
        self.assertEqual(r.stdout.split(), [b"lo"])

    def test_unknown_user(self):
        r = self.sandbox("/bin/true", options=("-S", "no-such-user-here"))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"no-such-user-here", r.stderr)

    def test_bad_environment_option(self):
        r = self.sandbox("/bin/true", options=("-e", "NO_EQUALS_SIGN"))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"NO_EQUALS_SIGN", r.stderr)


class Security(SandboxTestCase):
    """This host's libvirt has no SELinux/AppArmor driver (the golden XML
    tests cover the labels themselves): the default works, anything that
    needs a driver fails fast with a clear error."""

    def test_default_dynamic_label_runs(self):
        r = self.sandbox("/bin/true", options=("-s", "dynamic"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_static_label_without_a_driver(self):
        r = self.sandbox("/bin/true", options=("-s", "static,label=system_u:system_r:svirt_t:s0"))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"no SELinux or AppArmor security driver", r.stderr)

    def test_bad_security_option(self):
        r = self.sandbox("/bin/true", options=("-s", "bogus"))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"unknown mode 'bogus'", r.stderr)


class Verbose(SandboxTestCase):
    def test_verbose_tells_what_the_init_set_up(self):
        quiet = self.sandbox("/bin/true")
        self.assertEqual((quiet.returncode, quiet.stderr), (0, b""))
        loud = self.sandbox("/bin/true", options=("-v", "-m", "ram:/mnt=1M"))
        self.assertEqual(loud.returncode, 0, loud.stderr)
        lines = loud.stderr.decode().splitlines()
        self.assertTrue(all(line.startswith("libvirt-sandbox-init: ") for line in lines), lines)
        self.assertIn("libvirt-sandbox-init: running /bin/true", lines)
        self.assertTrue(any("copied 0 includes" in line for line in lines), lines)
        self.assertTrue(any("user namespace" in line for line in lines), lines)


class VirtBootstrap(SandboxTestCase):
    def test_virt_bootstraps_layer_extraction_command_line(self):
        # Exactly the command virt-bootstrap (virt-manager's project) runs to
        # unpack an image layer, on a host with no SELinux or AppArmor. Its
        # layers sit in its cache under /var/lib, visible read-only inside.
        work = tempfile.mkdtemp(prefix="sbx-bootstrap-", dir="/var/lib")
        self.addCleanup(shutil.rmtree, work, True)
        os.chmod(work, 0o755)
        tree = os.path.join(work, "tree")
        os.makedirs(os.path.join(tree, "etc"))
        os.makedirs(os.path.join(tree, "dev"))
        with open(os.path.join(tree, "etc", "os-release"), "w") as f:
            f.write("ID=layer\n")
        with open(os.path.join(tree, "dev", "null-ish"), "w") as f:
            f.write("excluded\n")
        with open(os.path.join(tree, "etc", ".wh.removed"), "w") as f:
            f.write("whiteout\n")
        os.chmod(os.path.join(tree, "etc", "os-release"), 0o640)
        layer = os.path.join(work, "layer.tar")
        subprocess.run(["tar", "cf", layer, "-C", tree, "."], check=True)
        os.chmod(layer, 0o644)
        dest = os.path.join(work, "dest")
        os.mkdir(dest)
        r = subprocess.run(
            [VIRT_SANDBOX, "--security=inherit", "-c", self.URI,
             f"--name=bootstrap_{os.getpid()}", "-m", f"host-bind:/mnt={dest}", "--",
             "/bin/tar", "xf", layer, "-C", "/mnt", "--exclude", "dev/*",
             "--exclude", "*/.wh.*", "--overwrite", "--absolute-names", "--acls",
             "--xattrs", "--selinux"],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(dest, "etc", "os-release")) as f:
            self.assertEqual(f.read(), "ID=layer\n")
        self.assertEqual(os.stat(os.path.join(dest, "etc", "os-release")).st_mode & 0o777,
                         0o640)
        self.assertFalse(os.path.exists(os.path.join(dest, "dev", "null-ish")))
        self.assertFalse(os.path.exists(os.path.join(dest, "etc", ".wh.removed")))
        # Written as the caller (root), not as the sandbox's private ids.
        self.assertEqual(os.stat(os.path.join(dest, "etc")).st_uid, os.geteuid())


class Errors(SandboxTestCase):
    def test_bad_mount_option(self):
        r = self.sandbox("/bin/true", options=("-m", "nonsense"))
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn(b"mount", r.stderr)

    def test_domain_destroyed_from_outside(self):
        """Destroying the domain under a running sandbox ends the client,
        without a crash or a hang."""
        proc = subprocess.Popen([VIRT_SANDBOX, "-c", self.URI, "-n", "victim", "--",
                                 "/bin/sh", "-c", "echo started; exec sleep 600"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            # The command has run once its first line arrives.
            self.assertEqual(proc.stdout.readline(), b"started\n")
            [victim] = [d for d in domains(self.URI) - self.domains_before
                        if d == "victim"]
            subprocess.run(["virsh", "-q", "-c", self.URI, "destroy", victim], check=True,
                           capture_output=True, timeout=60)
            _, err = proc.communicate(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        # Told apart from the command's death by libvirt's SIGTERM: one line
        # and virt-sandbox's own status (test_outside_events.py has more).
        # Never a crash (a negative code) or a hang.
        self.assertEqual(proc.returncode, 255, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn(b"was ended from outside", err)

    def test_bad_values_are_one_line_naming_the_problem(self):
        # One rule set for the CLI, the parsers, setters and key files: each
        # refused before anything is created, in one line.
        long_target = "/" + "x" * 120_000
        # A root that does not exist (libvirt itself would create it).
        missing_root = f"/var/tmp/sbx-no-root-{os.getpid()}-{time.monotonic_ns()}"
        self.addCleanup(shutil.rmtree, missing_root, True)
        cases = [
            (("-m", "host-bind:/mnt/../etc=/tmp"), b"'..' component"),
            (("-m", "ram:/mnt=1M", "-m", "ram:/mnt=2M"), b"same target"),
            (("-e", "A B=1"), b"'A B' is not valid"),
            (("-r", missing_root), b"-r/--root"),
            (("-n", ""), b"invalid sandbox name"),
            (("-m", f"ram:{long_target}/../x=1M"), b"more bytes)"),
        ]
        for options, needle in cases:
            with self.subTest(options=[o[:40] for o in options]):
                r = self.sandbox("/bin/true", options=options)
                self.assertNotEqual(r.returncode, 0, r.stderr[:300])
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr[:600])
                self.assertIn(needle, r.stderr)
                self.assertLess(len(r.stderr), 1000, "the error quotes the whole value")

    def test_a_long_value_anywhere_gives_a_short_line(self):
        # Whichever check refuses a 120 kB value (an option parser, a start
        # check, libvirt, the guest's init), the line quotes ~200 characters
        # of it; each of these printed 120-360 kB before.
        x = "x" * 120_000
        path = "/" + x
        cases = [
            ("-m", f"host-bind:/mnt={path}"),
            ("-m", f"host-bind:{path}=/tmp"),
            ("-m", f"host-image:/mnt={path}"),
            ("-m", f"ram:/mnt={x}"),
            ("-m", f"guest-bind:/mnt={path}"),
            ("--disk", f"file:t={path}"),
            ("-s", f"static,label={x}"),
            ("-N", f"address={x}"),
            ("-i", path),
            ("-I", path),
            ("--max-tasks", x),
            ("--fs-backend", x),
            ("-c", x),
        ]
        for options in cases:
            with self.subTest(options=[o[:40] for o in options]):
                cmd = [VIRT_SANDBOX, *(() if options[0] == "-c" else ("-c", self.URI)),
                       *options, "--", "/bin/true"]
                r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                   timeout=TIMEOUT)
                self.assertNotEqual(r.returncode, 0, r.stderr[:300])
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr[:600])
                self.assertLess(len(r.stderr), 1000, r.stderr[:600])
                self.assertIn(b"more bytes)", r.stderr)
        # A command name the init cannot execute, quoted by the init itself.
        r = self.sandbox(x)
        self.assertEqual(r.returncode, 127, r.stderr[:300])
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr[:600])
        self.assertLess(len(r.stderr), 1000, r.stderr[:600])

    def test_non_utf8_arguments_name_their_option(self):
        for args, needle in (([b"-n", b"\xff", b"--", b"/bin/true"], b"the value of -n"),
                             ([b"--", b"/bin/echo", b"a", b"\xff"],
                              b"argument 2 of the command")):
            r = subprocess.run([VIRT_SANDBOX.encode(), b"-c", self.URI.encode(), *args],
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn(needle, r.stderr)
            self.assertIn(b"not valid UTF-8", r.stderr)

    def test_unknown_option(self):
        r = self.sandbox("/bin/true", options=("--no-such-option",))
        self.assertEqual(r.returncode, 2)

    def test_unsupported_uri(self):
        r = subprocess.run([os.environ.get("VIRT_SANDBOX", "virt-sandbox"), "-c", "test:///default",
                            "/bin/true"], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"not supported", r.stderr)


if __name__ == "__main__":
    sandboxtest.main()
