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


class HelloWorld(SandboxTestCase):
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


def _add_tests():
    checks = [name for name in dir(HelloWorld) if name.startswith("check_")]
    for language in EXAMPLES:
        for check in checks:
            def test(self, check=check, language=language):
                getattr(self, check)(language)
            setattr(HelloWorld, f"test_{language}_{check[len('check_'):]}", test)


_add_tests()

if __name__ == "__main__":
    sandboxtest.main()
