// SPDX-License-Identifier: LGPL-2.1-or-later
// Builds a sandbox configuration the way virt-sandbox's options would and
// prints it in the saved key-file format.
const LibvirtGObject = imports.gi.LibvirtGObject;
const LibvirtSandbox = imports.gi.LibvirtSandbox;

LibvirtGObject.init_object_check(null);
LibvirtSandbox.init_object_check(null);

const cfg = LibvirtSandbox.ConfigInteractive.new('demo');
cfg.set_command(['/bin/date']);
cfg.add_env_strv(['GREETING=hello']);
cfg.set_security_opts('dynamic');
print(cfg.save_to_data());
