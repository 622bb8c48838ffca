#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Escape attempts for the security tests, in two halves.

The probes run INSIDE a sandbox: the tests pass this file's own source to the
sandbox's /usr/bin/python3 (`python3 -c SOURCE PROBE ARGS...`, see
`probe_cmd`), so nothing has to be copied in and no path of the checkout has
to be visible inside. Each probe really tries its attack and prints one line
`SBX-RESULT <json>` saying what every step returned; a probe that needs the
host to look at something while the sandbox is still alive then prints
`SBX-HOLD` and waits for its stdin to reach end of file.

The host half (`HostSockets`, `Hijacker`, `Held`, `find_state_dir`, ...)
builds the targets, impersonates peers and collects what the host saw. It
only ever touches things the tests created (files under test-owned
directories, its own sockets) or values it read first and restores.

Standard library only: it must run unchanged on the host and in the sandbox.
"""
import ctypes
import errno
import hashlib
import json
import os
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

RESULT = "SBX-RESULT "
HOLD = "SBX-HOLD"
BEFORE = "SBX-BEFORE"
STATE_ROOT = "/run/libvirt-sandbox"

# The app channel protocol (init/src/protocol.rs), spoken by the impersonators.
WAIT, SYNC = 0x1B, 0x1C
STDIN, STDOUT, STDERR, EXIT, QUIT, ERROR, HELLO, WINSIZE, AUTH = range(1, 10)
PROTOCOL_VERSION = 2

# x86_64 system call numbers.
SYS_INIT_MODULE = 175
SYS_FINIT_MODULE = 313
SYS_OPEN_TREE = 428
SYS_MOUNT_SETATTR = 442
AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000
OPEN_TREE_CLONE = 1
MOUNT_ATTR_RDONLY = 0x1
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096


# ----------------------------------------------------------------- common

def ename(e):
    """A short, stable name for an exception (an errno name when it has one)."""
    if isinstance(e, OSError) and e.errno:
        return errno.errorcode.get(e.errno, str(e.errno))
    if isinstance(e, socket.timeout):
        return "timeout"
    return f"{type(e).__name__}: {e}"


def frame(proc, payload=b"", kind=None):
    if kind is None:
        kind = 1 if proc in (STDIN, STDOUT, STDERR) else 0
    return struct.pack(">IIIII", 20 + len(payload), proc, kind, 0, 0) + payload


def parse_frames(data):
    """Decodes the frames of `data` (after the handshake); returns
    [(proc, payload)], stopping at the first incomplete or invalid one."""
    out, pos = [], 0
    while pos + 20 <= len(data):
        length, proc = struct.unpack(">II", data[pos:pos + 8])
        if length < 20 or pos + length > len(data):
            break
        out.append((proc, data[pos + 20:pos + length]))
        pos += length
    return out


def impersonate(sock, frames, stop=None, wait_timeout=10.0, linger=3.0):
    """Plays the guest's side of the app channel on the connected `sock`:
    waits (bounded) for the host's WAIT byte, answers SYNC, waits for the
    host's SYNC, sends `frames`, then records everything the host sends until
    it closes the connection, `stop` is set, or `linger` seconds passed.
    Returns what happened; `received` is every byte the host sent."""
    r = {"got_wait": False, "got_sync": False, "sent": False, "eof": False}
    received = b""

    def pump(deadline, until):
        """Reads into `received` until `until(received)`, EOF, stop or deadline."""
        nonlocal received
        sock.setblocking(False)
        while time.monotonic() < deadline:
            if stop is not None and stop.is_set():
                return "stopped"
            ready, _, _ = select.select([sock], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                return ename(e)
            if not chunk:
                r["eof"] = True
                return "eof"
            received += chunk
            if until(received):
                return "ok"
        return "deadline"

    def send(data):
        try:
            sock.setblocking(True)
            sock.sendall(data)
            return True
        except OSError as e:
            r["send_error"] = ename(e)
            return False

    # 1. The host's WAIT.
    r["wait_phase"] = pump(time.monotonic() + wait_timeout, lambda b: WAIT in b)
    if WAIT not in received:
        # Nobody talks to us: an attacker sends its frames anyway.
        r["sent_blind"] = send(bytes([SYNC]) + b"".join(frames))
        r["received"] = received.hex()
        return r
    r["got_wait"] = True
    if send(bytes([SYNC])):
        # 2. The host's SYNC (after more of its WAITs).
        mark = len(received)
        r["sync_phase"] = pump(time.monotonic() + wait_timeout, lambda b: SYNC in b[mark:])
        if SYNC in received[mark:]:
            r["got_sync"] = True
            after = received[received.index(SYNC, mark) + 1:]
        else:
            after = b""
        # 3. Our frames, then whatever the host sends us.
        r["sent"] = send(b"".join(frames))
        if not r["eof"]:
            start = len(received)
            r["after_phase"] = pump(time.monotonic() + linger, lambda b: False)
            after += received[start:]
        r["received_frames"] = [[p, d.hex()] for p, d in parse_frames(after)]
    r["received"] = received.hex()
    return r


def attack_frames(variant):
    """The frames a fake guest sends: `auth` = HELLO, a wrong AUTH, a fake
    STDOUT and EXIT 0; `nohello` = the fake STDOUT and EXIT 0 alone."""
    fake = [frame(STDOUT, b"FAKE\n"), frame(EXIT, struct.pack(">i", 0))]
    if variant == "auth":
        return [frame(HELLO, struct.pack(">I", PROTOCOL_VERSION)),
                frame(AUTH, b"\0" * 32)] + fake
    return fake


# ------------------------------------------------------- in-sandbox helpers

_libc = None


def acl_entries(path):
    """The access ACL of `path` as (tag, perm, id) tuples, None when it has
    none (then its mode is all)."""
    try:
        acl = os.getxattr(path, "system.posix_acl_access", follow_symlinks=False)
    except OSError as e:
        if e.errno != errno.ENODATA:
            raise
        return None
    return [struct.unpack_from("<HHI", acl, 4 + 8 * i) for i in range((len(acl) - 4) // 8)]


ACL_USER, ACL_GROUP_OBJ, ACL_GROUP, ACL_OTHER = 0x02, 0x04, 0x08, 0x20


def acl_gives_group_and_others_nothing(path):
    """Whether the access ACL of `path` (its mode when it has none) gives
    its owning group and others no permission at all."""
    entries = acl_entries(path)
    if entries is None:
        return stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0
    return all(perm == 0 for tag, perm, _ in entries if tag in (ACL_GROUP_OBJ, ACL_OTHER))


def acl_named(path):
    """The named users and groups of the access ACL of `path`: {("user" or
    "group", id): perm}."""
    return {("user" if tag == ACL_USER else "group", id_): perm
            for tag, perm, id_ in acl_entries(path) or []
            if tag in (ACL_USER, ACL_GROUP)}


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.syscall.restype = ctypes.c_long
    return _libc


def syscall(nr, *args):
    """Returns the result or the errno name of a failed call."""
    rc = libc().syscall(ctypes.c_long(nr), *args)
    if rc < 0:
        e = ctypes.get_errno()
        return errno.errorcode.get(e, str(e))
    return int(rc)


def run(argv):
    try:
        p = subprocess.run(argv, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return {"rc": None, "err": ename(e)}
    return {"rc": p.returncode, "err": (p.stdout + p.stderr).decode(errors="replace")[-300:]}


def try_create(path, dir_fd=None):
    """Creates `path` (exclusively) and writes a line: 'created' or an errno name."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=dir_fd)
    except OSError as e:
        return ename(e)
    try:
        os.write(fd, b"written by a sandbox attack\n")
    finally:
        os.close(fd)
    return "created"


def try_open_write(path):
    """Opens an existing file for writing (no truncation, nothing written)."""
    try:
        os.close(os.open(path, os.O_WRONLY))
        return "opened-for-write"
    except OSError as e:
        return ename(e)


def try_write(path, data):
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as e:
        return "open:" + ename(e)
    try:
        os.write(fd, data)
        return "written"
    except OSError as e:
        return ename(e)
    finally:
        os.close(fd)


def write_same(path):
    """Writes a file's current content back into it: proves it is writable
    without changing anything."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return "read:" + ename(e)
    return try_write(path, data if data.strip() else b"\n")


def scratch_dir():
    """A new directory the sandbox can write (its private tmpfs, or /dev);
    None if there is none."""
    for parent in ("/tmp", "/dev/shm", "/run", "/var/tmp", "/dev"):
        try:
            return tempfile.mkdtemp(prefix="sbxatk", dir=parent)
        except OSError:
            continue
    return None


def mount_point():
    """A directory to mount on: a scratch dir, else an existing directory of
    the root (mounting over it needs no write access to it)."""
    d = scratch_dir()
    if d:
        return d
    for d in ("/media", "/srv", "/opt", "/mnt"):
        if os.path.isdir(d):
            return d
    return None


def mountinfo():
    """[(mount point, fstype, source)] of /proc/self/mountinfo."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            fields = left.split()
            rfields = right.split()
            out.append((fields[4].replace("\\040", " "), rfields[0], rfields[1]))
    return out


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError as e:
        return "error:" + ename(e)


def connect_unix(target, timeout=2.0):
    """Connects to a path or abstract ('@name') AF_UNIX socket, trying the
    stream, seqpacket and datagram types; 'connected:<type>' or an errno name."""
    addr = "\0" + target[1:] if target.startswith("@") else target
    last = None
    for kind, name in ((socket.SOCK_STREAM, "stream"), (socket.SOCK_SEQPACKET, "seqpacket"),
                       (socket.SOCK_DGRAM, "dgram")):
        s = socket.socket(socket.AF_UNIX, kind)
        s.settimeout(timeout)
        try:
            s.connect(addr)
            return "connected:" + name
        except OSError as e:
            last = ename(e)
            if e.errno != errno.EPROTOTYPE:
                return last
        finally:
            s.close()
    return last


# ------------------------------------------------------------ the probes

def probe_sockets(targets_json):
    """connect() to every socket in the list (paths and '@abstract')."""
    return {"connect": {t: connect_unix(t) for t in json.loads(targets_json)}}


def probe_private_dirs(markers_json, grant_file=""):
    """What the sandbox sees of the host's /run, /tmp, /var/tmp, /dev/shm."""
    mounts = {m: t for m, t, _ in mountinfo()}
    r = {"fstype": {}, "markers": {}, "listing": {}}
    for d in ("/run", "/tmp", "/var/tmp", "/dev/shm"):
        r["fstype"][d] = mounts.get(d)
        try:
            r["listing"][d] = sorted(os.listdir(d))
        except OSError as e:
            r["listing"][d] = ename(e)
    for m in json.loads(markers_json):
        r["markers"][m] = os.path.lexists(m)
    if grant_file:
        r["grant"] = read_text(grant_file)
    return r


def probe_write_direct(target_dir, tok):
    """Plain writes to host paths outside the grants."""
    return {"visible": os.path.isdir(target_dir), "writes": {
        "etc": try_create(f"/etc/sbx-attack-{tok}"),
        "target": try_create(f"{target_dir}/direct"),
        "proc1root": try_create(f"/proc/1/root{target_dir}/proc1root"),
        "procselfroot": try_create(f"/proc/self/root{target_dir}/procselfroot"),
    }}


def probe_remount_root(target_dir, tok):
    """Remounts / read-write (three ways), writing after each."""
    r = {"steps": {}, "writes": {}}
    r["steps"]["mount -o remount,rw /"] = run(["mount", "-o", "remount,rw", "/"])
    r["writes"]["remount"] = try_create(f"{target_dir}/remount")
    r["writes"]["remount-etc"] = try_create(f"/etc/sbx-attack-{tok}")
    r["steps"]["mount -o remount,rw,bind /"] = run(["mount", "-o", "remount,rw,bind", "/"])
    r["writes"]["remount-bind"] = try_create(f"{target_dir}/remount-bind")
    rc = libc().mount(None, b"/", None, ctypes.c_ulong(MS_REMOUNT | MS_BIND), None)
    r["steps"]["mount(2) MS_REMOUNT|MS_BIND"] = \
        rc if rc == 0 else ename(OSError(ctypes.get_errno(), ""))
    r["writes"]["remount-syscall"] = try_create(f"{target_dir}/remount-syscall")
    return r


def probe_bind_remount(target_dir, tok):
    """Binds / somewhere, remounts that bind read-write, writes through it."""
    d = mount_point()
    r = {"dir": d, "steps": {}, "writes": {}}
    if d is None:
        r["writes"]["bind"] = "no mount point"
        return r
    r["steps"]["bind"] = run(["mount", "--bind", "/", d])
    r["steps"]["remount"] = run(["mount", "-o", "remount,rw,bind", d])
    r["writes"]["bind"] = try_create(f"{d}{target_dir}/bind")
    r["writes"]["bind-etc"] = try_create(f"{d}/etc/sbx-attack-{tok}")
    r["steps"]["rbind"] = run(["mount", "--rbind", "/", d])
    r["steps"]["rbind-remount"] = run(["mount", "-o", "remount,rw,bind", d])
    r["writes"]["rbind"] = try_create(f"{d}{target_dir}/rbind")
    return r


def probe_ninep(target_dir, tok, skip_json="[]"):
    """(QEMU) For every 9p share of the guest (but the grants, whose mount
    points are in `skip_json`): remounts it read-write in place and writes,
    then detaches it (not /) and mounts the share afresh, read-write, with
    mount(2), and writes through that. The root share is written into
    `target_dir` and /etc, the others at their top."""
    skip = set(json.loads(skip_json))
    shares = {}
    for mp, fstype, tag in mountinfo():
        if fstype == "9p":
            shares.setdefault(tag, mp)
    r = {"steps": {}, "writes": {}}

    def write_through(base, tag, how):
        if shares[tag] == "/":
            r["writes"][f"{tag}:{how}:target"] = try_create(f"{base}{target_dir}/9p-{how}")
            r["writes"][f"{tag}:{how}:etc"] = try_create(f"{base}/etc/sbx-attack-{tok}-{how}")
        else:
            r["writes"][f"{tag}:{how}"] = try_create(f"{base}/sbx-attack-{tok}-{how}")

    for tag, mp in shares.items():
        if mp in skip:
            continue
        r["steps"][f"remount {mp} rw"] = run(["mount", "-o", "remount,rw", mp])
        write_through("" if mp == "/" else mp, tag, "remounted")
        if mp != "/":
            r["steps"][f"umount {mp}"] = run(["umount", "-l", mp])
        d = scratch_dir()
        if d is None:
            r["writes"][f"{tag}:fresh"] = "no scratch dir"
            continue
        rc = libc().mount(tag.encode(), d.encode(), b"9p", ctypes.c_ulong(0),
                          b"trans=virtio,version=9p2000.L")
        if rc != 0:
            r["steps"][f"mount {tag} rw"] = ename(OSError(ctypes.get_errno(), ""))
            continue
        r["steps"][f"mount {tag} rw"] = "ok"
        write_through(d, tag, "fresh")
    return r


def probe_plant(grant):
    """In a granted (writable) host directory: a file made setuid root and
    a device node. Either gives host users a way up if it lands on the host
    as such. (Harmless content: a script, which the kernel never runs
    setuid, and a node for /dev/null.)"""
    r = {}
    f = os.path.join(grant, "suid")
    r["create"] = try_create(f)
    for what, call in (("chown root", lambda: os.chown(f, 0, 0)),
                       ("chmod 4755", lambda: os.chmod(f, 0o4755))):
        try:
            call()
            r[what] = "ok"
        except OSError as e:
            r[what] = ename(e)
    try:
        os.mknod(os.path.join(grant, "null"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        r["mknod"] = "ok"
    except OSError as e:
        r["mknod"] = ename(e)
    return r


def probe_create(paths_json):
    """Creates each path (the grants' positive control)."""
    return {p: try_create(p) for p in json.loads(paths_json)}


def probe_helper_dirs(tok):
    """Remounts the host's init helpers dir and the sandbox's own state dir
    (both host directories shared read-only) read-write and writes there."""
    r = {}
    for d in ("/dev/.libvirt-sandbox-bin", "/dev/.libvirt-sandbox"):
        e = r[d] = {"steps": {}}
        e["visible"] = os.path.isdir(d)
        e["steps"]["remount,rw,bind"] = run(["mount", "-o", "remount,rw,bind", d])
        e["steps"]["remount,rw"] = run(["mount", "-o", "remount,rw", d])
        mp = mount_point()
        if mp:
            e["steps"]["bind-elsewhere"] = run(["mount", "--bind", d, mp])
            e["steps"]["bind-elsewhere-rw"] = run(["mount", "-o", "remount,rw,bind", mp])
        e["create"] = try_create(f"{d}/sbx-attack-{tok}")
        bound = mp and e["steps"]["bind-elsewhere"]["rc"] == 0
        e["create-via-bind"] = try_create(f"{mp}/sbx-attack-{tok}-bind") if bound else "bind failed"
        try:
            names = sorted(os.listdir(d))
        except OSError as ex:
            names = []
            e["list"] = ename(ex)
        e["open_write"] = {n: try_open_write(os.path.join(d, n)) for n in names
                           if os.path.isfile(os.path.join(d, n)) and "sbx-attack" not in n}
    return r


def probe_new_mount_api(target_dir, tok):
    """open_tree(OPEN_TREE_CLONE) of / and mount_setattr() clearing
    MOUNT_ATTR_RDONLY, on the clone and on the live mount, then writes."""

    class MountAttr(ctypes.Structure):
        _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                    ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]

    attr = MountAttr(0, MOUNT_ATTR_RDONLY, 0, 0)
    rel = target_dir.lstrip("/")
    r = {"steps": {}, "writes": {}}
    for name, flags in (("clone", OPEN_TREE_CLONE | os.O_CLOEXEC),
                        ("clone-recursive", OPEN_TREE_CLONE | AT_RECURSIVE | os.O_CLOEXEC)):
        fd = syscall(SYS_OPEN_TREE, ctypes.c_int(AT_FDCWD), b"/", ctypes.c_uint(flags))
        r["steps"][f"open_tree {name}"] = fd if isinstance(fd, str) else "ok"
        if isinstance(fd, str):
            r["writes"][name] = "no tree: " + fd
            continue
        rc = syscall(SYS_MOUNT_SETATTR, ctypes.c_int(fd), b"", ctypes.c_uint(AT_EMPTY_PATH),
                     ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)))
        r["steps"][f"mount_setattr {name}"] = rc
        r["writes"][name] = try_create(f"{rel}/newapi-{name}", dir_fd=fd)
        os.close(fd)
    rc = syscall(SYS_MOUNT_SETATTR, ctypes.c_int(AT_FDCWD), b"/", ctypes.c_uint(0),
                 ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)))
    r["steps"]["mount_setattr live /"] = rc
    r["writes"]["live"] = try_create(f"{target_dir}/newapi-live")
    r["writes"]["live-etc"] = try_create(f"/etc/sbx-attack-{tok}")
    return r


def probe_knobs(knobs_json):
    """Writes value+1 into host-global sysctls and sysfs attributes: directly,
    after remounting /proc/sys and /sys read-write, and through fresh proc and
    sysfs mounts. The host restores the values."""
    knobs = json.loads(knobs_json)
    r = {"steps": {}, "writes": {}}

    def attempt(tag, prefix_map=None):
        for k in knobs:
            path = k["path"]
            if prefix_map:
                for old, new in prefix_map.items():
                    if path.startswith(old + "/"):
                        path = new + path[len(old):]
                        break
                else:
                    continue
            r["writes"][f"{tag}:{k['path']}"] = try_write(path, f"{k['value'] + 1}\n".encode())

    attempt("direct")
    for argv in (["mount", "-o", "remount,rw", "/proc/sys"],
                 ["mount", "-o", "remount,rw,bind", "/proc/sys"],
                 ["mount", "-o", "remount,rw", "/sys"],
                 ["mount", "-o", "remount,rw,bind", "/sys"]):
        r["steps"][" ".join(argv)] = run(argv)
    attempt("remounted")
    proc, sysfs = mount_point(), mount_point()
    if proc and sysfs and proc != sysfs:
        r["steps"]["new proc"] = run(["mount", "-t", "proc", "proc", proc])
        r["steps"]["new sysfs"] = run(["mount", "-t", "sysfs", "sysfs", sysfs])
        attempt("fresh", {"/proc": proc, "/sys": sysfs})
    return r


def probe_module():
    """init_module() and finit_module()."""
    image = b"\x7fELF\x02\x01\x01" + b"\0" * 57
    r = {"init_module": syscall(SYS_INIT_MODULE, image, ctypes.c_ulong(len(image)), b"")}
    try:
        fd = os.open("/bin/true", os.O_RDONLY)
        r["finit_module"] = syscall(SYS_FINIT_MODULE, ctypes.c_int(fd), b"", ctypes.c_int(0))
        os.close(fd)
    except OSError as e:
        r["finit_module"] = "open:" + ename(e)
    return r


def probe_cgroup_v1(tok):
    """Mounts a new named cgroup v1 hierarchy and a controller's hierarchy,
    writes release_agent (its current value back) wherever one is found."""
    r = {"steps": {}, "release_agent": {}}
    d = mount_point()
    r["steps"]["mount name="] = run(["mount", "-t", "cgroup", "-o", f"none,name=sbxattack-{tok}",
                                     "cgroup", d]) if d else "no mount point"
    agents = []
    if d and os.path.exists(f"{d}/release_agent"):
        agents.append(f"{d}/release_agent")
    d2 = scratch_dir()
    if d2:
        r["steps"]["mount memory"] = run(["mount", "-t", "cgroup", "-o", "memory", "cgroup", d2])
        if os.path.exists(f"{d2}/release_agent"):
            agents.append(f"{d2}/release_agent")
    for m, t, _ in mountinfo():
        agent = f"{m}/release_agent"
        if t == "cgroup" and os.path.exists(agent) and agent not in agents:
            agents.append(agent)
    for a in agents:
        r["release_agent"][a] = write_same(a)
    r["self_cgroup"] = read_text("/proc/self/cgroup")
    return r


def probe_cgroup_escape(tok):
    """Writes its own pid into cgroup.procs and tasks of every cgroup root it
    sees or can mount. Prints SBX-BEFORE and waits for a line first, so the
    host can note where it is."""
    sys.stdout.write(BEFORE + "\n")
    sys.stdout.flush()
    sys.stdin.buffer.readline()
    r = {"before": read_text("/proc/self/cgroup"), "writes": {}, "steps": {}}
    roots = [m for m, t, _ in mountinfo() if t in ("cgroup", "cgroup2")]
    for ctrl in ("memory", "pids", "cpu", "devices", "freezer"):
        d = scratch_dir()
        if d:
            res = run(["mount", "-t", "cgroup", "-o", ctrl, "cgroup", d])
            r["steps"][f"mount {ctrl}"] = res
            if res["rc"] == 0:
                roots.append(d)
    d = scratch_dir()
    if d:
        res = run(["mount", "-t", "cgroup2", "none", d])
        r["steps"]["mount cgroup2"] = res
        if res["rc"] == 0:
            roots.append(d)
    pid = str(os.getpid()).encode()
    for root in roots:
        for f in ("cgroup.procs", "tasks"):
            p = os.path.join(root, f)
            if os.path.exists(p):
                r["writes"][p] = try_write(p, pid)
    r["after"] = read_text("/proc/self/cgroup")
    return r


def probe_blockdev(devices_json):
    """For each host block device [major, minor]: mknod a node and read it;
    then mounts a devtmpfs of its own (every host node is there); if the
    device cgroup stops the reads, moves to the root device cgroup / allows
    everything in its own and reads again."""
    devices = json.loads(devices_json)
    r = {"mknod": {}, "read": {}, "steps": {}}
    nodes = []
    for parent in ("/tmp", "/dev/shm", "/run", "/var/tmp", "/dev"):
        try:
            d = tempfile.mkdtemp(prefix="sbxatk", dir=parent)
        except OSError as e:
            r["mknod"][parent] = "mkdtemp:" + ename(e)
            continue
        for major, minor in devices:
            node = os.path.join(d, f"disk-{major}-{minor}")
            try:
                os.mknod(node, 0o600 | stat.S_IFBLK, os.makedev(major, minor))
                r["mknod"][node] = "ok"
                nodes.append(node)
            except OSError as e:
                r["mknod"][node] = ename(e)
    d = mount_point()
    if d:
        r["steps"]["mount devtmpfs"] = run(["mount", "-t", "devtmpfs", "devtmpfs", d])
        for major, minor in devices:
            for line in read_text(f"/sys/dev/block/{major}:{minor}/uevent").splitlines():
                if line.startswith("DEVNAME=") and os.path.exists(os.path.join(d, line[8:])):
                    nodes.append(os.path.join(d, line[8:]))

    def read_all(tag):
        for node in nodes:
            try:
                with open(node, "rb") as f:
                    digest = hashlib.sha256(f.read(4096)).hexdigest()
                r["read"][f"{tag}:{node}"] = "sha256:" + digest
            except OSError as e:
                r["read"][f"{tag}:{node}"] = ename(e)

    read_all("direct")
    if not any(v.startswith("sha256:") for v in r["read"].values()):
        pid = str(os.getpid()).encode()
        own = [l.split(":", 2)[2] for l in read_text("/proc/self/cgroup").splitlines()
               if ":devices:" in l]
        for m, t, _ in mountinfo():
            if t == "cgroup" and os.path.exists(f"{m}/devices.allow"):
                for o in own:
                    p = os.path.join(m, o.lstrip("/"), "devices.allow")
                    r["steps"][p] = try_write(p, b"a")
                r["steps"][f"{m}/cgroup.procs"] = try_write(f"{m}/cgroup.procs", pid)
        read_all("after-cgroup")
    return r


def probe_host_processes(targets_json):
    """Looks for host processes (by pid and by a token in their command line)
    and signals them: kill(0), and SIGUSR1 where the host said so."""
    r = {"targets": {}, "token_seen_in": []}
    targets = json.loads(targets_json)
    me = os.getpid()
    for t in targets:
        pid = int(t["pid"])
        e = r["targets"][str(pid)] = {}
        e["proc_exists"] = os.path.exists(f"/proc/{pid}")
        e["cmdline"] = (read_text(f"/proc/{pid}/cmdline").replace("\0", " ")[:200]
                        if e["proc_exists"] else None)
        if pid == me or pid == 1:
            e["kill0"] = e["sigusr1"] = "skipped: that is us"
            continue
        try:
            os.kill(pid, 0)
            e["kill0"] = "ok"
        except OSError as ex:
            e["kill0"] = ename(ex)
        if t.get("signal"):
            try:
                os.kill(pid, signal.SIGUSR1)
                e["sigusr1"] = "sent"
            except OSError as ex:
                e["sigusr1"] = ename(ex)
    tokens = [t["token"] for t in targets if t.get("token")]
    for name in os.listdir("/proc"):
        if name.isdigit():
            cmd = read_text(f"/proc/{name}/cmdline")
            if any(tok in cmd for tok in tokens) and int(name) != me:
                r["token_seen_in"].append(int(name))
    r["nprocs_visible"] = sum(1 for n in os.listdir("/proc") if n.isdigit())
    return r


def probe_neighbour(state_dir, secret):
    """Sandbox B against sandbox A: list the state root, read A's files,
    connect to A's channel socket and play A's guest."""
    r = {"read": {}, "connect": {}}
    for d in (STATE_ROOT, state_dir):
        try:
            r.setdefault("list", {})[d] = sorted(os.listdir(d))
        except OSError as e:
            r.setdefault("list", {})[d] = ename(e)
    for name in ("launch.json", "sandbox.cfg"):
        p = os.path.join(state_dir, name)
        try:
            with open(p, "rb") as f:
                data = f.read()
            r["read"][name] = f"read {len(data)} bytes" + (
                ", has the secret" if secret and secret.encode() in data else "")
        except OSError as e:
            r["read"][name] = ename(e)
    sockets = [os.path.join(state_dir, "app.sock")]
    try:
        sockets += [os.path.join(state_dir, n) for n in os.listdir(state_dir)
                    if stat.S_ISSOCK(os.lstat(os.path.join(state_dir, n)).st_mode)
                    and os.path.join(state_dir, n) not in sockets]
    except OSError:
        pass
    for p in sockets:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect(p)
        except OSError as e:
            r["connect"][p] = ename(e)
            s.close()
            continue
        r["connect"][p] = "connected"
        r.setdefault("hijack", {})[p] = impersonate(s, attack_frames("auth"),
                                                    wait_timeout=3, linger=2)
        s.close()
    return r


def probe_host_nobody(state_dir, secret):
    """Run on the HOST as nobody: the same attempts on A's state."""
    return probe_neighbour(state_dir, secret)


def probe_forkbomb(max_attempts, kind="fork"):
    """Creates child processes that pause, until that fails or max_attempts;
    prints how many, holds, then kills the children and exits 0.

    kind `fork`: os.fork() children calling signal.pause() (each costs the
    sandbox's memory cgroup ~0.7 MiB: a few hundred fill a small memory
    limit before a task limit is reached). kind `clone`: what a careful
    attacker does to get the most processes out of little memory: clone(2)
    with CLONE_VM, each child a real process (its own pid) sharing the
    parent's memory, running the pause system call on a small stack of its
    own (~40 KiB each)."""
    kids, error, stacks = [], None, []
    if kind == "clone":
        lc = libc()
        lc.clone.restype = ctypes.c_int
        lc.clone.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
        # The child runs syscall(SYS_pause): no libc state touched.
        fn = ctypes.cast(lc.syscall, ctypes.c_void_p)
        CLONE_VM, SYS_PAUSE = 0x100, 34
    for _ in range(int(max_attempts)):
        if kind == "clone":
            stack = ctypes.create_string_buffer(16384)
            stacks.append(stack)
            top = (ctypes.addressof(stack) + 16384 - 64) & ~0xF
            pid = lc.clone(fn, top, CLONE_VM | signal.SIGCHLD, SYS_PAUSE)
            if pid < 0:
                e = ctypes.get_errno()
                error = errno.errorcode.get(e, str(e))
                break
        else:
            try:
                pid = os.fork()
            except OSError as e:
                error = ename(e)
                break
            if pid == 0:
                try:
                    signal.pause()
                finally:
                    os._exit(0)
        kids.append(pid)
    emit({"forks": len(kids), "error": error, "kind": kind})
    hold()
    for k in kids:
        try:
            os.kill(k, signal.SIGKILL)
        except OSError:
            pass
    for k in kids:
        try:
            os.waitpid(k, 0)
        except OSError:
            pass
    return None


def probe_multi(calls_json):
    """Several probes in one sandbox run: [[name, args...], ...]."""
    return {c[0]: PROBES[c[0]](*c[1:]) for c in json.loads(calls_json)}


PROBES = {name[len("probe_"):]: f for name, f in dict(globals()).items()
          if name.startswith("probe_") and callable(f)}


def emit(obj):
    sys.stdout.write(RESULT + json.dumps(obj) + "\n")
    sys.stdout.flush()


def hold():
    sys.stdout.write(HOLD + "\n")
    sys.stdout.flush()
    while sys.stdin.buffer.read(65536):
        pass


def main(argv):
    hold_after = argv[:1] == ["--hold"]
    if hold_after:
        argv = argv[1:]
    result = PROBES[argv[0]](*argv[1:])
    if result is not None:
        emit(result)
        if hold_after:
            hold()
    return 0


# ---------------------------------------------------------------- host side

def probe_cmd(name, *args, hold=False):
    """The sandbox command running probe `name` with `args` (this file's
    source goes in as `python3 -c`)."""
    with open(__file__) as f:
        source = f.read()
    return ["/usr/bin/python3", "-c", source, *(["--hold"] if hold else []), name, *map(str, args)]


def parse_result(stdout):
    """The probe's JSON result from its output, or None."""
    for line in stdout.decode(errors="replace").splitlines():
        if line.startswith(RESULT):
            return json.loads(line[len(RESULT):])
    return None


def token():
    return os.urandom(6).hex()


def host_process_count():
    return sum(1 for n in os.listdir("/proc") if n.isdigit())


def host_sockets(roots=("/run", "/tmp", "/var/lib")):
    """Every AF_UNIX socket file under `roots` (find -type s)."""
    found = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: None):
            for n in filenames + dirnames:
                p = os.path.join(dirpath, n)
                try:
                    if stat.S_ISSOCK(os.lstat(p).st_mode):
                        found.append(p)
                except OSError:
                    pass
    return sorted(set(found))


def wait_for(predicate, timeout, what, interval=0.001):
    """Polls `predicate` until it returns something true (returned), bounded."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def new_state_dir(before, need=("app.sock",), name=None):
    """A state directory not in `before` (of the sandbox called `name` if
    given) holding the files `need`, or None."""
    try:
        names = set(os.listdir(STATE_ROOT)) - before
    except (FileNotFoundError, PermissionError):
        return None
    for n in sorted(names):
        if name is not None and n != name:
            continue
        d = os.path.join(STATE_ROOT, n)
        if all(os.path.exists(os.path.join(d, f)) for f in need):
            return d
    return None


def find_state_dir(before, timeout=60, need=("app.sock",), name=None):
    return wait_for(lambda: new_state_dir(before, need, name), timeout,
                    f"a new state dir of {name or 'a sandbox'} with {need}")


def in_sandbox_pid(tok):
    """Host pid of the process running inside a sandbox (its NSpid has more
    than one level) whose command line contains `tok`."""
    for n in os.listdir("/proc"):
        if not n.isdigit():
            continue
        try:
            with open(f"/proc/{n}/cmdline", "rb") as f:
                cmd = f.read()
            with open(f"/proc/{n}/status") as f:
                nspid = [l.split()[1:] for l in f if l.startswith("NSpid:")]
        except OSError:
            continue
        if tok.encode() in cmd and nspid and len(nspid[0]) > 1:
            return int(n)
    return None


def cgroups_of(pid):
    """{hierarchy: path} of a host process."""
    out = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            num, ctrls, path = line.rstrip("\n").split(":", 2)
            out[ctrls or num] = path
    return out


def read_file(path):
    with open(path) as f:
        return f.read()


def device_nodes(d):
    """Entries of host directory `d` that are device nodes. (Setuid files
    the sandbox's root makes in its grants are allowed: grants are written
    with the caller's rights, see docs/security.md.)"""
    bad = {}
    for n in os.listdir(d):
        st = os.lstat(os.path.join(d, n))
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            bad[n] = f"device node {os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
    return bad


def sha256_tree(d):
    out = {}
    for n in sorted(os.listdir(d)):
        p = os.path.join(d, n)
        if os.path.isfile(p):
            with open(p, "rb") as f:
                out[n] = hashlib.sha256(f.read()).hexdigest()
    return out


class HostSockets:
    """Listening AF_UNIX sockets owned by root, where such sockets live on a
    real host; `connections()` says which accepted a connection."""

    def __init__(self, tok):
        self.tok = tok
        self.listeners = {}  # label -> socket
        self.dirs = []
        self.files = []
        tmpx = tempfile.mkdtemp(prefix=f"sbx-attack-x11-{tok}-", dir="/tmp")
        os.chmod(tmpx, 0o1777)
        tmux = tempfile.mkdtemp(prefix=f"sbx-attack-tmux-{tok}-", dir="/tmp")
        os.chmod(tmux, 0o700)
        varlib = tempfile.mkdtemp(prefix=f"sbx-attack-{tok}-", dir="/var/lib")
        os.chmod(varlib, 0o755)
        self.dirs += [tmpx, tmux, varlib]
        for path, mode in ((f"/run/sbx-attack-{tok}-0666.sock", 0o666),
                           (f"/run/sbx-attack-{tok}-0600.sock", 0o600),
                           (f"{tmpx}/X0", 0o777),
                           (f"{tmux}/default", 0o600),
                           (f"{varlib}/root-0600.sock", 0o600),
                           (f"{varlib}/group-0660.sock", 0o660)):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(path)
            os.chmod(path, mode)
            s.listen(16)
            s.setblocking(False)
            self.listeners[path] = s
            self.files.append(path)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(f"\0sbx-attack-{tok}")
        s.listen(16)
        s.setblocking(False)
        self.listeners[f"@sbx-attack-{tok}"] = s

    def targets(self):
        return list(self.listeners)

    def connections(self):
        """{label: number of connections waiting} (non-blocking accept)."""
        out = {}
        for label, s in self.listeners.items():
            n = 0
            while True:
                try:
                    c, _ = s.accept()
                    c.close()
                    n += 1
                except (BlockingIOError, InterruptedError):
                    break
            out[label] = n
        return out

    def close(self):
        for s in self.listeners.values():
            s.close()
        for f in self.files:
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass
        for d in self.dirs:
            import shutil
            shutil.rmtree(d, ignore_errors=True)


def host_connectable(path):
    """Whether the host itself can connect to the socket (stale ones cannot)."""
    return connect_unix(path, timeout=1).startswith("connected")


class Hijacker(threading.Thread):
    """Host root without the secret: watches the state root for the app.sock
    of a new sandbox (called `name`), connects as early as it can, and plays the guest
    (`attack_frames(variant)`), recording everything the host sent it."""

    def __init__(self, before, variant, name=None, timeout=60):
        super().__init__(daemon=True)
        self.before, self.variant, self.name, self.timeout = before, variant, name, timeout
        self.stop = threading.Event()
        self.state_dir = None
        self.connect = None
        self.result = None
        self.error = None

    def run(self):
        try:
            self.state_dir = find_state_dir(self.before, self.timeout, name=self.name)
            path = os.path.join(self.state_dir, "app.sock")
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                self.connect = "connected"
            except OSError as e:
                self.connect = ename(e)
                return
            self.result = impersonate(s, attack_frames(self.variant), stop=self.stop,
                                      wait_timeout=self.timeout, linger=self.timeout)
            s.close()
        except Exception as e:  # reported by the test
            self.error = ename(e)

    def received(self):
        return bytes.fromhex(self.result["received"]) if self.result else b""


class Held:
    """A sandbox whose probe talks to the host while it runs: `wait_for(MARK)`
    reads its stdout until a line MARK (bounded) and returns the probe's
    result if one came; `send()` writes to its stdin; `finish()` ends its
    stdin and returns (exit code, stdout, stderr)."""

    def __init__(self, cmd, timeout=120):
        self.timeout = timeout
        self.out = b""
        self.err = b""
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)

        def drain():
            self.err = self.p.stderr.read()
        self._errt = threading.Thread(target=drain, daemon=True)
        self._errt.start()
        self._seen = 0

    def wait_for(self, mark):
        """Waits for the line `mark`; returns the probe's result (or None).
        Raises TimeoutError, or EOFError if the sandbox ended first."""
        fd = self.p.stdout.fileno()
        deadline = time.monotonic() + self.timeout
        needle = (mark + "\n").encode()
        while needle not in self.out[self._seen:]:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {mark} after {self.timeout} s; printed {self.out!r}")
            ready, _, _ = select.select([fd], [], [], min(left, 1))
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise EOFError(f"the sandbox ended before {mark}; printed {self.out!r}, "
                                   f"stderr {self.err!r}")
                self.out += chunk
        self._seen = self.out.index(needle, self._seen) + len(needle)
        return parse_result(self.out)

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def finish(self):
        """Ends the sandbox's stdin and waits for it; (code, stdout, stderr)."""
        if self.p.returncode is None:
            try:
                self.p.stdin.close()
            except OSError:
                pass
            deadline = time.monotonic() + self.timeout
            fd = self.p.stdout.fileno()
            while time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 1)
                if ready:
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        break
                    self.out += chunk
            try:
                self.p.wait(max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
            self._errt.join(10)
            self.p.stdout.close()
            self.p.stderr.close()
        return self.p.returncode, self.out, self.err

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        for f in (self.p.stdin, self.p.stdout, self.p.stderr):
            try:
                f.close()
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
