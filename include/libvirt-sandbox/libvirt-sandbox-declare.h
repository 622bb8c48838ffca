/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * GVIR_SANDBOX_DECLARE_TYPE:
 * @ModuleObjName: the type's name in CamelCase, e.g. `GVirSandboxConfig`
 * @module_obj_name: the type's function prefix, e.g. `gvir_sandbox_config`
 * @MODULE: the prefix of the macros, `GVIR_SANDBOX`
 * @OBJ_NAME: the type's part of the macros, e.g. `CONFIG`
 * @ParentName: the parent type, e.g. `GObject`
 *
 * Declares what G_DECLARE_DERIVABLE_TYPE() declares (the get_type function,
 * the instance and class typedefs, the cast and check functions, g_autoptr
 * support) but not the instance struct: every class of this library is
 * derivable and its instance struct is the original's, written out after the
 * declaration as `{ ParentName parent; gpointer priv; }` (the original's
 * layout, so programs built against it see the same sizes). Each class
 * struct ends in `gpointer padding[20]`, the original's
 * LIBVIRT_SANDBOX_CLASS_PADDING.
 *
 * Since: 0.9
 */
#define GVIR_SANDBOX_DECLARE_TYPE(ModuleObjName, module_obj_name, MODULE, OBJ_NAME, ParentName) \
    GType module_obj_name##_get_type(void); \
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS \
    typedef struct _##ModuleObjName ModuleObjName; \
    typedef struct _##ModuleObjName##Class ModuleObjName##Class; \
    G_DEFINE_AUTOPTR_CLEANUP_FUNC(ModuleObjName, g_object_unref) \
    G_GNUC_UNUSED static inline ModuleObjName *MODULE##_##OBJ_NAME(gpointer ptr) { \
        return G_TYPE_CHECK_INSTANCE_CAST(ptr, module_obj_name##_get_type(), ModuleObjName); } \
    G_GNUC_UNUSED static inline ModuleObjName##Class *MODULE##_##OBJ_NAME##_CLASS(gpointer ptr) { \
        return G_TYPE_CHECK_CLASS_CAST(ptr, module_obj_name##_get_type(), ModuleObjName##Class); } \
    G_GNUC_UNUSED static inline gboolean MODULE##_IS_##OBJ_NAME(gpointer ptr) { \
        return G_TYPE_CHECK_INSTANCE_TYPE(ptr, module_obj_name##_get_type()); } \
    G_GNUC_UNUSED static inline gboolean MODULE##_IS_##OBJ_NAME##_CLASS(gpointer ptr) { \
        return G_TYPE_CHECK_CLASS_TYPE(ptr, module_obj_name##_get_type()); } \
    G_GNUC_UNUSED static inline ModuleObjName##Class *MODULE##_##OBJ_NAME##_GET_CLASS(gpointer ptr) { \
        return G_TYPE_INSTANCE_GET_CLASS(ptr, module_obj_name##_get_type(), ModuleObjName##Class); } \
    G_GNUC_END_IGNORE_DEPRECATIONS

G_END_DECLS
