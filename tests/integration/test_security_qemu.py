#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Escape attempts against QEMU sandboxes (qemu:///system, TCG): a guest
in each mode writing host paths through its 9p shares after remounts (and,
privileged, planting a device node in its grant), connecting to host
sockets, the secrets left in its state dir, host root without the secret impersonating
the guest on the app channel, the state directory against host nobody and a
neighbour sandbox, and the user QEMU runs as. A VM costs seconds, so each
test is one VM running a combined attack (probes in attacks.py)."""
import json
import os
import subprocess
import unittest

import attacks
import sandboxtest
from sandboxtest import TIMEOUT, VIRT_SANDBOX, domains, state_dirs
from test_security_lxc import (INIT_DIR, NOBODY, SLACK, NeighbourAttacks, SecurityTestCase,
                               secret_leftovers, written)


class QemuSecurityTestCase(SecurityTestCase):
    URI = "qemu:///system"


class PrivilegedGuest(QemuSecurityTestCase):
    def test_privileged_guest_remounts_9p_shares_rw_and_writes_host(self):
        target = self.host_dir()
        grant = self.host_dir(mode=0o755, name="grant")
        helpers = self.helpers_before()
        calls = [["write_direct", target, self.tok],
                 ["remount_root", target, self.tok],
                 ["bind_remount", target, self.tok],
                 ["helper_dirs", self.tok],
                 ["create", json.dumps(["/mnt/ok"])],
                 # Last: it detaches the shares it cannot remount.
                 ["ninep", target, self.tok, json.dumps(["/mnt"])]]
        _, res = self.probe("multi", json.dumps(calls),
                            options=["-p", "-m", f"host-bind:/mnt={grant}"])
        self.assertEqual(written(write_attempts(res, ("write_direct", "remount_root",
                                                      "bind_remount", "ninep"))), {},
                         f"the guest wrote host paths; {res}")
        self.assertHostDirEmpty(target)
        self.assertNoEtcFile()
        if helpers is not None:
            self.assertEqual(attacks.sha256_tree(INIT_DIR), helpers, "the host's helpers changed")
            self.assertFalse([n for n in os.listdir(INIT_DIR) if self.tok in n])
        # The grant still works.
        self.assertEqual(res["create"], {"/mnt/ok": "created"})
        self.assertTrue(os.path.exists(os.path.join(grant, "ok")))

    def test_privileged_guest_plants_device_node_in_grant(self):
        grant = self.host_dir(mode=0o755, name="grant")
        _, res = self.probe("plant", "/mnt", options=["-p", "-m", f"host-bind:/mnt={grant}"])
        self.assertEqual(attacks.device_nodes(grant), {},
                         f"device nodes landed on the host; {res}")


class GuestModes(QemuSecurityTestCase):
    """The LXC tests' write and remount attacks in the default and -S nobody
    modes, one VM each (-p is PrivilegedGuest's): writes to host paths
    directly, after remounting / read-write, through a read-write bind of /,
    with the new mount API, into the helpers' and state shares, through
    fresh 9p mounts. The default-mode VM also connects to every host socket
    the LXC test tries (the test's own listeners must get nothing), and,
    for both, the host state dir holds no secret while the command runs."""

    def attack(self, options, sockets=False):
        target = self.host_dir()
        helpers = self.helpers_before()
        calls = [["write_direct", target, self.tok],
                 ["remount_root", target, self.tok],
                 ["bind_remount", target, self.tok],
                 ["new_mount_api", target, self.tok],
                 ["helper_dirs", self.tok]]
        targets, listeners = [], None
        if sockets:
            listeners = attacks.HostSockets(self.tok)
            self.addCleanup(listeners.close)
            targets = listeners.targets() + [p for p in attacks.host_sockets()
                                             if p not in listeners.targets()]
            calls.append(["sockets", json.dumps(targets)])
        # Last: with the rights to, it would detach the shares.
        calls.append(["ninep", target, self.tok])
        secret = f"sekret-{self.tok}"
        before = state_dirs()
        h = self.held("multi", json.dumps(calls), options=[*options, "-e", f"PASSWORD={secret}"])
        try:
            res = self.wait_mark(h, attacks.HOLD)
            state = self.find_state(before, need=("app.sock",), name=self.name)
            names = sorted(os.listdir(state))
            left = secret_leftovers(state, [secret.encode()])
        finally:
            code, _, err = h.finish()
        self.assertEqual(code, 0, err[-2000:])
        # The target is there to attack (the root share shows it).
        self.assertTrue(res["write_direct"]["visible"], res)
        self.assertEqual(written(write_attempts(res, ("write_direct", "remount_root",
                                                      "bind_remount", "new_mount_api",
                                                      "ninep"))), {},
                         f"the guest wrote host paths; {res}")
        self.assertHostDirEmpty(target)
        self.assertNoEtcFile()
        if helpers is not None:
            self.assertEqual(attacks.sha256_tree(INIT_DIR), helpers, "the host's helpers changed")
        self.assertEqual(left, [], f"the running sandbox's state dir ({names}) keeps secrets")
        if sockets:
            connect = res["sockets"]["connect"]
            self.assertEqual(set(connect), set(targets))
            self.assertEqual({t: v for t, v in connect.items() if v.startswith("connected")}, {},
                             "host sockets answered from inside the VM")
            self.assertEqual({k: v for k, v in listeners.connections().items() if v}, {},
                             "the test's own host listeners got connections")
        return res

    def test_default_mode_writes_host_and_connects_to_host_sockets(self):
        self.attack((), sockets=True)

    def test_nobody_writes_host_paths_after_remounts(self):
        self.attack(("-S", "nobody"))


class GuestForkBomb(QemuSecurityTestCase):
    def test_fork_bomb_in_a_vm_hits_its_task_limit(self):
        # The limit is a pids cgroup in the guest: forks fail inside with
        # EAGAIN, the host gains no process (QEMU is one), the VM ends.
        n0 = attacks.host_process_count()
        h = self.held("forkbomb", 10000, "fork", options=("--max-tasks", "64"), hold=False)
        try:
            res = self.wait_mark(h, attacks.HOLD)
            grown = attacks.host_process_count() - n0
        finally:
            code, out, err = h.finish()
        info = f"{res}; host processes grew by {grown}; exit {code}; stderr {err[-1000:]!r}"
        self.assertLessEqual(res["forks"], 64, info)
        self.assertEqual(res["error"], "EAGAIN", info)
        self.assertLessEqual(grown, SLACK, info)
        self.assertEqual(code, 0, info)


class AppChannel(NeighbourAttacks, QemuSecurityTestCase):
    def test_host_root_without_secret_impersonates_guest_wrong_auth(self):
        self.host_hijack("auth")

    def test_state_dir_private_from_host_nobody_and_neighbour_sandbox(self):
        # One VM: the state dir's modes, host nobody's and a privileged LXC
        # neighbour's attempts to read it and to connect to its channel.
        a, state = self.state_of_a()
        try:
            # What the owning group, others and named ACL users get.
            shares = {n: (attacks.acl_gives_group_and_others_nothing(p), attacks.acl_named(p))
                      for n, p in [(".", state)] + [(n, os.path.join(state, n))
                                                    for n in os.listdir(state)]
                      if not os.path.islink(p)}
            nobody = subprocess.run(attacks.probe_cmd("host_nobody", state, self.secret),
                                    user=NOBODY, group=NOBODY, extra_groups=[],
                                    capture_output=True, timeout=TIMEOUT, cwd="/")
            lxc_before = domains("lxc:///")
            b = subprocess.run([VIRT_SANDBOX, "-c", "lxc:///", "-p", "--",
                                *attacks.probe_cmd("neighbour", state, self.secret)],
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
        finally:
            line, out, err = self.finish_a(a)
        self.assertAIntact(line, a, out, err)
        self.assertEqual(domains("lxc:///") - lxc_before, set(), "the neighbour's domain was left")
        by_nobody = attacks.parse_result(nobody.stdout)
        by_b = attacks.parse_result(b.stdout)
        self.assertIsNotNone(by_nobody, nobody.stderr)
        self.assertIsNotNone(by_b, b.stderr)
        for who, res in (("host nobody", by_nobody), ("LXC neighbour -p", by_b)):
            self.assertIsInstance(res["list"][state], str, f"{who} lists A's state: {res}")
            self.assertEqual({k: v for k, v in res["read"].items() if v.startswith("read")}, {},
                             f"{who} read A's files: {res['read']}")
            self.assertEqual({k: v for k, v in res["connect"].items() if v == "connected"}, {},
                             f"{who} connected to A's channel: {res}")
        self.assertNotIn(self.secret.encode(), b.stdout + b.stderr)
        # QEMU reads the state share as the VM's own user, by an ACL entry
        # for that uid alone (read, search, connect; never write but the
        # socket); nothing for the owning group or others.
        qemu_users = set()
        for n, (closed, named) in shares.items():
            self.assertTrue(closed, f"{n} of A's state is open to its group or others")
            for (kind, id_), perm in named.items():
                self.assertEqual(kind, "user", f"{n} is shared with a group: {named}")
                qemu_users.add(id_)
                if n != "app.sock":
                    self.assertEqual(perm & 2, 0, f"{n} is writable by uid {id_}")
        self.assertEqual(len(qemu_users), 1, f"A's state is shared with {qemu_users}")
        self.assertIn(qemu_users.pop(), range(0x3000_0000, 0x4000_0000))


class QemuUser(NeighbourAttacks, QemuSecurityTestCase):
    def test_qemu_of_sandbox_with_host_bind_include_and_disk_does_not_run_as_root(self):
        grant = self.host_dir(mode=0o755, name="grant")
        files = self.host_dir(mode=0o755, name="files")
        include = os.path.join(files, "included.txt")
        with open(include, "w") as f:
            f.write("included\n")
        image = os.path.join(files, "disk.img")
        with open(image, "wb") as f:
            f.truncate(1 << 20)
        before = domains(self.URI)
        a = self.start_a(options=["-m", f"host-bind:/mnt={grant}",
                                  "-i", f"/mnt/included.txt={include}",
                                  "--disk", f"file:data={image},format=raw"])
        try:
            name = attacks.wait_for(lambda: next((d for d in domains(self.URI) - before
                                                  if d == self.name), None),
                                    TIMEOUT, "the sandbox's domain", interval=0.05)
            pid = attacks.wait_for(lambda: qemu_pid(name), TIMEOUT, f"the QEMU process of {name}",
                                   interval=0.05)
            with open(f"/proc/{pid}/status") as f:
                ids = {l.split(":")[0]: l.split()[1:] for l in f if l.startswith(("Uid:", "Gid:"))}
        finally:
            line, out, err = self.finish_a(a)
        self.assertAIntact(line, a, out, err)
        self.assertNotIn("0", ids["Uid"], f"QEMU (pid {pid}) of {name} runs as host root: {ids}")


def write_attempts(res, probes):
    """{attempt: outcome} of the write probes `probes` and of the helper
    directories' probe in the combined result `res`."""
    attempts = {}
    for name in probes:
        attempts.update({f"{name}:{k}": v for k, v in res[name]["writes"].items()})
    for d, e in res["helper_dirs"].items():
        attempts.update({f"{d}:create": e["create"],
                         f"{d}:create-via-bind": e["create-via-bind"],
                         **{f"{d}/{n}": v for n, v in e["open_write"].items()}})
    return attempts


def qemu_pid(domain):
    """The pid of the QEMU process running `domain`, or None."""
    needle = f"guest={domain},".encode()
    for n in os.listdir("/proc"):
        if n.isdigit():
            try:
                with open(f"/proc/{n}/cmdline", "rb") as f:
                    if needle in f.read():
                        return int(n)
            except OSError:
                continue
    return None


if __name__ == "__main__":
    sandboxtest.main()
