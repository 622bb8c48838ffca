// SPDX-License-Identifier: LGPL-2.1-or-later
//! What a sandbox whose owner was killed (SIGKILL, a crash) leaves on the
//! host, swept at the next start: its state directory (which holds its
//! secret, and the `-e` values until the init has read them), its task
//! cgroup, the files lent to its QEMU, what libvirt left of its container
//! in its own state directory and, should it still run, its transient
//! domain (libvirt's AUTODESTROY normally ends it when the owner's
//! connection closes).

use super::state::{self, Stale};

/// Sweeps the state root of this user (see [`state::sweep`]); the domains
/// looked for are those of `conn` (the other driver's sandboxes end by
/// AUTODESTROY; their task cgroups, which only containers have, stay until
/// a start on their own connection if their domain still runs).
pub(crate) fn leftovers(conn: &virt::connect::Connect) {
    // Listed once, and only when a directory is stale.
    let running: std::cell::OnceCell<Option<Vec<virt::domain::Domain>>> =
        std::cell::OnceCell::new();
    let running = || {
        running
            .get_or_init(|| {
                conn.list_all_domains(
                    virt::sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE
                        | virt::sys::VIR_CONNECT_LIST_DOMAINS_TRANSIENT,
                )
                .map_err(|e| {
                    glib::g_debug!(
                        "LibvirtSandbox",
                        "sweep: cannot list the running domains: {}",
                        e.message()
                    )
                })
                .ok()
            })
            .as_ref()
    };
    state::sweep(&state::state_root(), |name, stale| {
        // Without the list, a directory may be in use: leave it.
        let Some(domains) = running() else {
            return false;
        };
        let domain = domains
            .iter()
            .find(|d| d.name().is_ok_and(|n| n == name) && !d.is_persistent().unwrap_or(true));
        let destroyed = match (domain, stale) {
            (None, _) => {
                // Ended by AUTODESTROY: what libvirt left of it goes too.
                super::lxc_leftovers::remove(conn, name);
                false
            }
            // An older version's start, whose owner may still run.
            (Some(_), Stale::Unowned) => return false,
            (Some(domain), Stale::DeadOwner(owner)) => {
                glib::g_debug!(
                    "LibvirtSandbox",
                    "sweep: destroying the sandbox '{name}' of the killed process {}",
                    owner.pid
                );
                if let Err(e) = super::imp::destroy_domain(domain) {
                    glib::g_warning!(
                        "LibvirtSandbox",
                        "cannot destroy the sandbox '{name}' left by the killed process {}: \
                         {}; destroy it with virsh",
                        owner.pid,
                        e.message()
                    );
                    return false;
                }
                true
            }
        };
        // Its QEMU is gone with the domain: what it was lent goes back.
        super::lending::give_back_recorded(&state::state_root().join(name));
        super::tasks::remove_stale(name, destroyed)
    });
}
