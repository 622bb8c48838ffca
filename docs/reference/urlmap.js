// SPDX-License-Identifier: LGPL-2.1-or-later
// Where gi-docgen's links to the dependencies' types go. GLib, GObject and
// Gio have gi-docgen references on docs.gtk.org; libvirt-glib has only
// gtk-doc books (installed for devhelp by libvirt-glib-1.0-dev), so its
// types link to the project.
baseURLs = [
    [ 'GLib', 'https://docs.gtk.org/glib/' ],
    [ 'GObject', 'https://docs.gtk.org/gobject/' ],
    [ 'Gio', 'https://docs.gtk.org/gio/' ],
    [ 'LibvirtGObject', 'https://gitlab.com/libvirt/libvirt-glib/' ],
    [ 'LibvirtGConfig', 'https://gitlab.com/libvirt/libvirt-glib/' ],
]
