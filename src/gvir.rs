// SPDX-License-Identifier: LGPL-2.1-or-later
//! The parts of libvirt-gobject/libvirt-glib the library uses, bound by hand
//! (a handful of functions do not justify generated bindings): the
//! `GVirConnection` and `GVirDomain` types, and the bridge from them to the
//! `virt` crate's handles.

use std::ffi::{CString, c_char};
use std::ptr;

use glib::ffi::{GError, GType, gboolean, gpointer};
use glib::prelude::*;
use glib::translate::*;

use crate::error::{SandboxError, error};

pub mod ffi {
    use super::*;

    #[repr(C)]
    pub struct GVirConnection {
        _opaque: [u8; 0],
    }

    #[repr(C)]
    pub struct GVirDomain {
        _opaque: [u8; 0],
    }

    #[link(name = "virt-gobject-1.0")]
    unsafe extern "C" {
        pub fn gvir_connection_get_type() -> GType;
        pub fn gvir_domain_get_type() -> GType;
        pub fn gvir_domain_handle_get_type() -> GType;
        pub fn gvir_connection_new(uri: *const c_char) -> *mut GVirConnection;
        pub fn gvir_connection_get_uri(conn: *mut GVirConnection) -> *const c_char;
        pub fn gvir_init_object_check(
            argc: *mut std::ffi::c_int,
            argv: *mut *mut *mut c_char,
            err: *mut *mut GError,
        ) -> gboolean;
        pub fn gvir_connection_open(
            conn: *mut GVirConnection,
            cancellable: gpointer,
            err: *mut *mut GError,
        ) -> gboolean;
    }

    #[link(name = "virt-glib-1.0")]
    unsafe extern "C" {
        pub fn gvir_event_register();
    }

    #[repr(C)]
    pub struct GVirConfigDomain {
        _opaque: [u8; 0],
    }

    #[link(name = "virt-gconfig-1.0")]
    unsafe extern "C" {
        pub fn gvir_config_domain_get_type() -> GType;
        pub fn gvir_config_domain_new() -> *mut GVirConfigDomain;
        pub fn gvir_config_domain_new_from_xml(
            xml: *const c_char,
            err: *mut *mut GError,
        ) -> *mut GVirConfigDomain;
        pub fn gvir_config_domain_get_virt_type(domain: *mut GVirConfigDomain) -> std::ffi::c_int;
        pub fn gvir_config_domain_set_virt_type(domain: *mut GVirConfigDomain, t: std::ffi::c_int);
        pub fn gvir_config_object_to_xml(object: *mut GVirConfigDomain) -> *mut c_char;
        pub fn gvir_config_domain_disk_type_get_type() -> GType;
        pub fn gvir_config_domain_disk_format_get_type() -> GType;
    }

    /// libxml2's `xmlNode`, opaque.
    #[repr(C)]
    pub struct XmlNode {
        _opaque: [u8; 0],
    }

    #[link(name = "xml2")]
    unsafe extern "C" {
        pub fn xmlFirstElementChild(parent: *mut XmlNode) -> *mut XmlNode;
        pub fn xmlNextElementSibling(node: *mut XmlNode) -> *mut XmlNode;
        pub fn xmlCopyNode(node: *mut XmlNode, extended: std::ffi::c_int) -> *mut XmlNode;
        pub fn xmlAddChild(parent: *mut XmlNode, cur: *mut XmlNode) -> *mut XmlNode;
        pub fn xmlNodeSetContent(node: *mut XmlNode, content: *const u8);
    }
}

/// The GType of libvirt-gconfig's `GVirConfigDomainDiskType` enum.
pub fn disk_type_type() -> glib::Type {
    // SAFETY: a GType registration function without preconditions.
    unsafe { from_glib(ffi::gvir_config_domain_disk_type_get_type()) }
}

/// The GType of libvirt-gconfig's `GVirConfigDomainDiskFormat` enum.
pub fn disk_format_type() -> glib::Type {
    // SAFETY: a GType registration function without preconditions.
    unsafe { from_glib(ffi::gvir_config_domain_disk_format_get_type()) }
}

glib::wrapper! {
    /// libvirt-gconfig's `GVirConfigDomain` (LibvirtGConfig.Domain): a
    /// domain description backed by a libxml2 tree.
    pub struct ConfigDomain(Object<ffi::GVirConfigDomain>);
    match fn {
        type_ => || ffi::gvir_config_domain_get_type(),
    }
}

impl Default for ConfigDomain {
    fn default() -> Self {
        Self::new()
    }
}

impl ConfigDomain {
    /// An empty `<domain/>`.
    pub fn new() -> Self {
        // SAFETY: no arguments; returns a new object (transfer full).
        unsafe { from_glib_full(ffi::gvir_config_domain_new()) }
    }

    /// Parses `xml` (libvirt-gconfig checks it is a `<domain>`).
    pub fn from_xml(xml: &str) -> crate::Result<Self> {
        let xml = CString::new(xml)
            .map_err(|_| error(SandboxError::InvalidArgument, "the domain XML holds a NUL"))?;
        let mut err = ptr::null_mut();
        // SAFETY: a valid string; a new object or NULL with `err` set.
        let domain = unsafe { ffi::gvir_config_domain_new_from_xml(xml.as_ptr(), &mut err) };
        if domain.is_null() {
            // SAFETY: set on failure.
            let e: glib::Error = unsafe { from_glib_full(err) };
            return Err(error(
                SandboxError::Failed,
                format!("cannot parse the domain XML: {}", e.message()),
            ));
        }
        // SAFETY: a new reference, ours.
        Ok(unsafe { from_glib_full(domain) })
    }

    /// The XML of the domain, as libvirt-gconfig writes it.
    pub fn to_xml(&self) -> String {
        // SAFETY: a live object; returns a new string (transfer full).
        let xml: Option<glib::GString> =
            unsafe { from_glib_full(ffi::gvir_config_object_to_xml(self.to_glib_none().0)) };
        xml.map(Into::into).unwrap_or_default()
    }

    /// The root `<domain>` node of the object's libxml2 tree.
    fn root(&self) -> *mut ffi::XmlNode {
        // "node" is a readable pointer property of every GVirConfigObject.
        self.property::<glib::Pointer>("node") as *mut ffi::XmlNode
    }

    /// Replaces the domain's content with `xml`'s: its virtualization type
    /// and every element under `<domain>` (the object stays the same, so a
    /// caller holding it sees the new content).
    pub fn fill_from_xml(&self, xml: &str) -> crate::Result<()> {
        let parsed = Self::from_xml(xml)?;
        let (dst, src) = (self.root(), parsed.root());
        if dst.is_null() || src.is_null() {
            return Err(error(
                SandboxError::Failed,
                "the libvirt-gconfig domain has no XML node",
            ));
        }
        // SAFETY: both nodes are the live roots of the two objects' trees
        // (`parsed` outlives the loop); xmlNodeSetContent(NULL) frees the
        // children, xmlCopyNode(.., 1) makes a deep copy that xmlAddChild
        // moves into `dst`'s document.
        unsafe {
            ffi::gvir_config_domain_set_virt_type(
                self.to_glib_none().0,
                ffi::gvir_config_domain_get_virt_type(parsed.to_glib_none().0),
            );
            ffi::xmlNodeSetContent(dst, ptr::null());
            let mut child = ffi::xmlFirstElementChild(src);
            while !child.is_null() {
                let copy = ffi::xmlCopyNode(child, 1);
                if copy.is_null() {
                    return Err(error(SandboxError::Failed, "out of memory copying XML"));
                }
                ffi::xmlAddChild(dst, copy);
                child = ffi::xmlNextElementSibling(child);
            }
        }
        Ok(())
    }
}

glib::wrapper! {
    /// libvirt-gobject's `GVirConnection` (LibvirtGObject.Connection).
    pub struct Connection(Object<ffi::GVirConnection>);
    match fn {
        type_ => || ffi::gvir_connection_get_type(),
    }
}

glib::wrapper! {
    /// libvirt-gobject's `GVirDomain` (LibvirtGObject.Domain).
    pub struct Domain(Object<ffi::GVirDomain>);
    match fn {
        type_ => || ffi::gvir_domain_get_type(),
    }
}

impl Connection {
    /// Creates a (not yet opened) connection to `uri`; with `None`,
    /// libvirt chooses the URI when it is opened (`LIBVIRT_DEFAULT_URI`,
    /// `uri_default` of libvirt.conf, else the first driver that answers).
    pub fn new(uri: Option<&str>) -> Self {
        let uri = uri.map(|uri| CString::new(uri).unwrap_or_default());
        // SAFETY: a valid string or NULL (libvirt's default); returns a new
        // reference (transfer full).
        unsafe {
            from_glib_full(ffi::gvir_connection_new(
                uri.as_ref().map_or(ptr::null(), |uri| uri.as_ptr()),
            ))
        }
    }

    /// The connection's URI: the one it was created with, or once opened
    /// without one, the URI libvirt chose.
    pub fn uri(&self) -> String {
        // SAFETY: live object; the string is owned by it (transfer none)
        // and copied at once.
        unsafe {
            from_glib_none::<_, Option<String>>(ffi::gvir_connection_get_uri(self.to_glib_none().0))
        }
        .unwrap_or_default()
    }

    /// Opens the connection (blocking).
    pub fn open(&self) -> crate::Result<()> {
        let mut err = ptr::null_mut();
        // SAFETY: live object; `err` receives a GError we own.
        let ok =
            unsafe { ffi::gvir_connection_open(self.to_glib_none().0, ptr::null_mut(), &mut err) };
        if ok == glib::ffi::GFALSE {
            // SAFETY: on failure libvirt-gobject sets the error.
            let e: glib::Error = unsafe { from_glib_full(err) };
            return Err(error(SandboxError::Libvirt, e.message()));
        }
        Ok(())
    }

    /// A new reference to the underlying libvirt connection, or
    /// `NOT_CONNECTED` while the GVirConnection is not open.
    pub fn virt_connect(&self) -> crate::Result<virt::connect::Connect> {
        let value = self.property_value("handle");
        // SAFETY: "handle" is the boxed GVirConnectionHandle, whose copy
        // function is virConnectRef: we get our own reference, or NULL.
        let handle = unsafe { glib::gobject_ffi::g_value_dup_boxed(value.to_glib_none().0) };
        if handle.is_null() {
            return Err(error(
                SandboxError::NotConnected,
                "the libvirt connection is not open; call LibvirtGObject.Connection.open() first",
            ));
        }
        // SAFETY: a connection pointer we own one reference of; Connect's drop releases it.
        Ok(unsafe { virt::connect::Connect::from_ptr(handle as virt::sys::virConnectPtr) })
    }
}

impl Domain {
    /// Wraps a libvirt domain in a `GVirDomain` (it takes its own reference).
    pub fn from_virt(domain: &virt::domain::Domain) -> Self {
        // SAFETY: a GValue of the boxed GVirDomainHandle type holding the
        // domain pointer; g_value_set_boxed takes a reference (virDomainRef).
        unsafe {
            let mut value = glib::Value::from_type(from_glib(ffi::gvir_domain_handle_get_type()));
            glib::gobject_ffi::g_value_set_boxed(
                value.to_glib_none_mut().0,
                domain.as_ptr() as glib::ffi::gconstpointer,
            );
            glib::Object::with_mut_values(Self::static_type(), &mut [("handle", value)])
                .unsafe_cast()
        }
    }
}

/// Routes libvirt's events (console streams, domain lifecycle) through the
/// GLib main loop. Idempotent.
pub fn event_register() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: no arguments; libvirt-glib guards its own state.
    ONCE.call_once(|| unsafe { ffi::gvir_event_register() });
}

impl Domain {
    /// A new reference to the underlying libvirt domain.
    pub fn virt_domain(&self) -> crate::Result<virt::domain::Domain> {
        let value = self.property_value("handle");
        // SAFETY: "handle" is the boxed GVirDomainHandle, whose copy function
        // is virDomainRef: we get our own reference, or NULL.
        let handle = unsafe { glib::gobject_ffi::g_value_dup_boxed(value.to_glib_none().0) };
        if handle.is_null() {
            return Err(error(
                SandboxError::NotRunning,
                "the domain object has no libvirt domain",
            ));
        }
        // SAFETY: a domain pointer we own one reference of.
        Ok(unsafe { virt::domain::Domain::from_ptr(handle as virt::sys::virDomainPtr) })
    }

    /// The live XML description of the domain.
    pub fn live_xml(&self) -> crate::Result<String> {
        self.virt_domain()?.xml_desc(0).map_err(|e| {
            error(
                SandboxError::Libvirt,
                format!("cannot read the sandbox's domain: {}", e.message()),
            )
        })
    }
}

/// Starts the defined domain `domain` with `files` passed in
/// (`virDomainCreateWithFiles`, which the `virt` crate does not wrap):
/// libvirt's LXC driver gives them to the container's init as fds 3.., in
/// order. libvirt duplicates them; the caller keeps its own.
pub fn create_domain_with_files(
    domain: &virt::domain::Domain,
    files: &[std::os::fd::BorrowedFd<'_>],
    flags: u32,
) -> Result<(), virt::error::Error> {
    use std::os::fd::AsRawFd;
    let mut raw: Vec<std::ffi::c_int> = files.iter().map(|f| f.as_raw_fd()).collect();
    let count = std::ffi::c_uint::try_from(raw.len()).unwrap_or(std::ffi::c_uint::MAX);
    // SAFETY: the domain pointer is live for the borrow of `domain`; libvirt
    // reads `count` ints from `raw` (live, and as long as said) during the
    // call and does not keep the pointer; the fds stay open (borrowed).
    let rc = unsafe {
        virt::sys::virDomainCreateWithFiles(domain.as_ptr(), count, raw.as_mut_ptr(), flags)
    };
    if rc < 0 {
        return Err(virt::error::Error::last_error());
    }
    Ok(())
}

/// Initializes libvirt-gobject (and libvirt-glib, GObject) for a Rust program,
/// as `gvir_init_object_check(NULL, NULL)` does for C.
pub fn init_object() -> crate::Result<()> {
    let mut err = ptr::null_mut();
    // SAFETY: NULL argc/argv are allowed; `err` receives a GError we own.
    let ok = unsafe { ffi::gvir_init_object_check(ptr::null_mut(), ptr::null_mut(), &mut err) };
    if ok == glib::ffi::GFALSE {
        // SAFETY: set on failure.
        let e: glib::Error = unsafe { from_glib_full(err) };
        return Err(error(
            SandboxError::Failed,
            format!("cannot initialize libvirt-gobject: {}", e.message()),
        ));
    }
    Ok(())
}
