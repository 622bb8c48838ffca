// SPDX-License-Identifier: LGPL-2.1-or-later
//! The domain XML of a sandbox, whichever its backend: the one writer
//! behind a context's start and the Builder classes.

use super::Layout;
use super::machine::MachineBoot;
use crate::config::Config;

/// The domain XML of `config` laid out as `layout`: a container without
/// `boot`, a virtual machine booted as `boot` says.
pub fn xml(config: &Config, layout: &Layout, boot: Option<&MachineBoot>) -> String {
    match boot {
        None => super::container::build(config, layout),
        Some(boot) => super::machine::build(config, layout, boot),
    }
}
