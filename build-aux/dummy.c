/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* meson wants a C source for the shared library; the code is the Rust staticlib. */
static int __attribute__((unused)) libvirt_sandbox_dummy;
