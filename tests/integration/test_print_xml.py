#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""virt-sandbox --print-xml prints the domain XML a start of the same
command creates, and starts nothing: no libvirt domain, no state directory.

The XML a start creates is the one it hands to libvirt, which the library
logs at debug level ("starting domain:"). The two are compared after
removing the values a start picks itself, per run:
- the uid of a VM's QEMU user (`<seclabel model='dac'><label>+UID:+GID`);
- an interface's random MAC and host device name (`<mac address>`,
  `<target dev='vsb-...'>`), when the config names no MAC;
- an LXC file disk's loop device (no disk here).
Everything else (paths into the state directory, the temporary host-bind
directory, the cached kernel and initrd, the devices) must be equal.
"""
import os
import re
import subprocess
import uuid

import sandboxtest
from sandboxtest import VIRT_SANDBOX, TIMEOUT, STATE_ROOT, SandboxTestCase, domains


def without_per_run_values(xml):
    xml = re.sub(r"(<label>\+)\d+(:\+\d+</label>)", r"\1UID\2", xml)
    xml = re.sub(r'(<mac address=")[0-9a-f:]+(")', r"\1MAC\2", xml)
    xml = re.sub(r'(<target dev=")vsb-[0-9a-f]+(")', r"\1DEV\2", xml)
    return xml


def started_xml(log):
    """The domain XML of the debug line "starting domain:" in `log`."""
    marker = "starting domain:\n"
    start = log.index(marker) + len(marker)
    end = log.index("</domain>\n", start) + len("</domain>\n")
    return log[start:end]


class PrintXml:
    OPTIONS = [
        # The domain's private directories, a RAM disk, a temporary
        # host-bind directory in the state directory.
        ["-m", "ram:/tmp=10M", "-m", "host-bind:/srv="],
        [],
    ]

    def name(self):
        return f"px-{uuid.uuid4().hex[:8]}"

    def print_xml(self, name, options):
        cmd = [VIRT_SANDBOX, "-c", self.URI, "-n", name, *options, "--print-xml",
               "--", "/bin/true"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_print_xml_starts_nothing(self):
        name = self.name()
        xml = self.print_xml(name, self.OPTIONS[0])
        self.assertIn(f"<name>{name}</name>", xml)
        self.assertTrue(xml.startswith("<domain type="), xml[:80])
        # Nothing of it exists: no domain (running or defined), no state dir.
        self.assertNotIn(name, domains(self.URI))
        defined = subprocess.run(["virsh", "-q", "-c", self.URI, "list", "--all", "--name"],
                                 check=True, capture_output=True, text=True).stdout
        self.assertNotIn(name, defined.split())
        self.assertFalse(os.path.exists(os.path.join(STATE_ROOT, name)))

    def test_print_xml_is_the_started_domain(self):
        for options in self.OPTIONS:
            with self.subTest(options=options):
                name = self.name()
                printed = self.print_xml(name, options)
                env = dict(os.environ, G_MESSAGES_DEBUG="LibvirtSandbox")
                cmd = [VIRT_SANDBOX, "-c", self.URI, "-n", name, *options, "--", "/bin/true"]
                r = subprocess.run(cmd, capture_output=True, text=True, env=env,
                                   stdin=subprocess.DEVNULL, timeout=TIMEOUT)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                started = started_xml(r.stdout + r.stderr)
                self.assertEqual(without_per_run_values(printed),
                                 without_per_run_values(started))

    def test_print_xml_refuses_a_running_name(self):
        # A state directory of that name (a sandbox running) is refused,
        # and left alone.
        name = self.name()
        path = os.path.join(STATE_ROOT, name)
        os.makedirs(path, mode=0o700)
        try:
            cmd = [VIRT_SANDBOX, "-c", self.URI, "-n", name, "--print-xml", "--", "/bin/true"]
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("is running", r.stderr)
            self.assertTrue(os.path.isdir(path))
        finally:
            os.rmdir(path)


class PrintXmlLxc(PrintXml, SandboxTestCase):
    URI = "lxc:///"


class PrintXmlQemu(PrintXml, SandboxTestCase):
    URI = "qemu:///system"


if __name__ == "__main__":
    sandboxtest.main()
