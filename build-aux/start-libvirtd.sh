#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Starts virtlogd and libvirtd without systemd, idempotently.
#
# libvirtd runs in its own mount namespace with the cgroup2 mount at
# /sys/fs/cgroup/unified removed: with the host's hybrid cgroup layout libvirt 9.0's
# LXC driver otherwise fails every container start (virCgroupV2BindMount).
#
# It runs in the foreground under `tini -s`, a child subreaper: libvirt
# daemonises QEMU, so an exited QEMU becomes the child of the nearest
# subreaper, else of PID 1. Without systemd, PID 1 may reap orphans late (on
# these machines a second or two later), and until then libvirt sees the
# zombie as a running QEMU: every VM teardown took 1.5 s longer.
set -eu

answers() { timeout 10 virsh -c lxc:/// version >/dev/null 2>&1; }

mkdir -p /var/log/libvirt /var/run/libvirt

if [ -f /var/run/virtlogd.pid ] && kill -0 "$(cat /var/run/virtlogd.pid)" 2>/dev/null; then
    :
else
    /usr/sbin/virtlogd -d
fi

if answers; then
    exit 0
fi

# A pid file pointing at a live libvirtd that does not answer: stop that PID only.
if [ -f /var/run/libvirtd.pid ]; then
    pid=$(cat /var/run/libvirtd.pid)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    fi
    rm -f /var/run/libvirtd.pid
fi

unshare -m --propagation private sh -c \
    'umount /sys/fs/cgroup/unified 2>/dev/null || true; exec setsid tini -s -- /usr/sbin/libvirtd' \
    </dev/null >>/var/log/libvirt/libvirtd-console.log 2>&1 &

# Its sockets answer a moment after it starts; poll until they do (bounded).
i=0
until answers; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then
        echo "start-libvirtd: libvirtd did not answer on lxc:/// after 10 s; see /var/log/libvirt/libvirtd.log" >&2
        exit 1
    fi
    sleep 0.1
done
timeout 20 virsh -c qemu:///system version >/dev/null
