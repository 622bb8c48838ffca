#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""examples/virt-sandbox-mkinitrd.py (the original's example flow) writes a
valid newc initrd with /init and the modules asked for, and fails cleanly."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_builder import read_newc  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "examples", "virt-sandbox-mkinitrd.py")


class MkinitrdExample(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="py-mkinitrd-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.tree = os.path.join(self.dir, "modules")
        os.makedirs(os.path.join(self.tree, "kernel"))
        with open(os.path.join(self.tree, "modules.dep"), "w") as f:
            f.write("kernel/virtio_net.ko: kernel/net_failover.ko\nkernel/net_failover.ko:\n"
                    "kernel/virtio-rng.ko:\n")
        for name in ("virtio_net", "net_failover", "virtio-rng"):
            with open(os.path.join(self.tree, "kernel", name + ".ko"), "wb") as f:
                f.write(name.encode())
        self.init = os.path.join(self.dir, "init")
        with open(self.init, "wb") as f:
            f.write(b"init program")

    def run_example(self, *args):
        return subprocess.run([sys.executable, EXAMPLE, *args], capture_output=True,
                              text=True, timeout=60)

    def test_writes_the_initrd(self):
        out = os.path.join(self.dir, "demo.initrd")
        # The original example's modules (its defaults).
        r = self.run_example("--kmoddir", self.tree, "--init", self.init, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            entries = read_newc(f.read())
        self.assertEqual(entries["init"][1], b"init program")
        order = entries["modules/order"][1].decode().split()
        self.assertEqual([w for w in order if w.endswith(".ko")],
                         ["00-virtio_rng.ko", "01-net_failover.ko", "02-virtio_net.ko"])

    def test_missing_module_tree(self):
        out = os.path.join(self.dir, "x.initrd")
        r = self.run_example("--kmoddir", os.path.join(self.dir, "nope"), "--init", self.init, out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Kernel module dir", r.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
