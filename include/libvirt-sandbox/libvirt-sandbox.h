/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt-sandbox.h: the one header to include.
 */
#pragma once

#define __LIBVIRT_SANDBOX_H__

#include <glib-object.h>
#include <libvirt-gobject/libvirt-gobject.h>

#include <libvirt-sandbox/libvirt-sandbox-declare.h>
#include <libvirt-sandbox/libvirt-sandbox-main.h>
#include <libvirt-sandbox/libvirt-sandbox-error.h>
#include <libvirt-sandbox/libvirt-sandbox-config-disk.h>
#include <libvirt-sandbox/libvirt-sandbox-config-mount.h>
#include <libvirt-sandbox/libvirt-sandbox-config-network.h>
#include <libvirt-sandbox/libvirt-sandbox-config.h>
#include <libvirt-sandbox/libvirt-sandbox-config-filesystem.h>
#include <libvirt-sandbox/libvirt-sandbox-config-mounts.h>
#include <libvirt-sandbox/libvirt-sandbox-config-networks.h>
#include <libvirt-sandbox/libvirt-sandbox-config-interactive.h>
#include <libvirt-sandbox/libvirt-sandbox-config-service.h>
#include <libvirt-sandbox/libvirt-sandbox-config-initrd.h>
#include <libvirt-sandbox/libvirt-sandbox-builder.h>
#include <libvirt-sandbox/libvirt-sandbox-console.h>
#include <libvirt-sandbox/libvirt-sandbox-context.h>

#undef __LIBVIRT_SANDBOX_H__
