/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib-object.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* ---- GVirSandboxConfigNetworkAddress ------------------------------------ */

#define GVIR_SANDBOX_TYPE_CONFIG_NETWORK_ADDRESS (gvir_sandbox_config_network_address_get_type())

/**
 * GVirSandboxConfigNetworkAddress:
 *
 * A static IPv4 or IPv6 address of a sandbox network interface, with the
 * length of its network prefix and an optional broadcast address.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigNetworkAddress, gvir_sandbox_config_network_address, GVIR_SANDBOX, CONFIG_NETWORK_ADDRESS, GObject)

struct _GVirSandboxConfigNetworkAddress
{
    GObject parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigNetworkAddressClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigNetworkAddressClass
{
    GObjectClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigNetworkAddress:primary:
 *
 * The address itself (construct-only).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigNetworkAddress:broadcast:
 *
 * The broadcast address, or %NULL (construct-only).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigNetworkAddress:prefix:
 *
 * The length of the network prefix, 0 to 128 (construct-only; default 24).
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_network_address_new:
 * @primary: the address
 * @prefix: the length of the network prefix (at most 128)
 * @broadcast: (nullable): the broadcast address, or %NULL
 *
 * Creates a new address.
 *
 * Returns: (transfer full): a new address
 *
 * Since: 0.6.0
 */
GVirSandboxConfigNetworkAddress *gvir_sandbox_config_network_address_new(GInetAddress *primary,
                                                                         guint prefix,
                                                                         GInetAddress *broadcast);

/**
 * gvir_sandbox_config_network_address_set_primary:
 * @addr: a #GVirSandboxConfigNetworkAddress
 * @primary: the new address
 *
 * Sets the new address (the #GVirSandboxConfigNetworkAddress:primary
 * property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_address_set_primary(GVirSandboxConfigNetworkAddress *addr,
                                                     GInetAddress *primary);

/**
 * gvir_sandbox_config_network_address_get_primary:
 * @addr: a #GVirSandboxConfigNetworkAddress
 *
 * Gets the address (the #GVirSandboxConfigNetworkAddress:primary property).
 *
 * Returns: (transfer none): the address
 *
 * Since: 0.6.0
 */
GInetAddress *gvir_sandbox_config_network_address_get_primary(GVirSandboxConfigNetworkAddress *addr);

/**
 * gvir_sandbox_config_network_address_set_prefix:
 * @addr: a #GVirSandboxConfigNetworkAddress
 * @prefix: the length of the network prefix (at most 128)
 *
 * Sets the length of the network prefix (at most 128) (the
 * #GVirSandboxConfigNetworkAddress:prefix property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_address_set_prefix(GVirSandboxConfigNetworkAddress *addr,
                                                    guint prefix);

/**
 * gvir_sandbox_config_network_address_get_prefix:
 * @addr: a #GVirSandboxConfigNetworkAddress
 *
 * Gets the length of the network prefix (the
 * #GVirSandboxConfigNetworkAddress:prefix property).
 *
 * Returns: the length of the network prefix
 *
 * Since: 0.6.0
 */
guint gvir_sandbox_config_network_address_get_prefix(GVirSandboxConfigNetworkAddress *addr);

/**
 * gvir_sandbox_config_network_address_set_broadcast:
 * @addr: a #GVirSandboxConfigNetworkAddress
 * @broadcast: (nullable): the broadcast address, or %NULL for none
 *
 * Sets the broadcast address, or %NULL for none (the
 * #GVirSandboxConfigNetworkAddress:broadcast property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_address_set_broadcast(GVirSandboxConfigNetworkAddress *addr,
                                                       GInetAddress *broadcast);

/**
 * gvir_sandbox_config_network_address_get_broadcast:
 * @addr: a #GVirSandboxConfigNetworkAddress
 *
 * Gets the broadcast address (the #GVirSandboxConfigNetworkAddress:broadcast
 * property).
 *
 * Returns: (transfer none) (nullable): the broadcast address
 *
 * Since: 0.6.0
 */
GInetAddress *gvir_sandbox_config_network_address_get_broadcast(GVirSandboxConfigNetworkAddress *addr);

/* ---- GVirSandboxConfigNetworkRoute -------------------------------------- */

#define GVIR_SANDBOX_TYPE_CONFIG_NETWORK_ROUTE (gvir_sandbox_config_network_route_get_type())

/**
 * GVirSandboxConfigNetworkRoute:
 *
 * A static route of a sandbox network interface: traffic for the target
 * network goes through the gateway.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigNetworkRoute, gvir_sandbox_config_network_route, GVIR_SANDBOX, CONFIG_NETWORK_ROUTE, GObject)

struct _GVirSandboxConfigNetworkRoute
{
    GObject parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigNetworkRouteClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigNetworkRouteClass
{
    GObjectClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigNetworkRoute:prefix:
 *
 * The length of the target network prefix, 0 to 128 (construct-only; default 24).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigNetworkRoute:gateway:
 *
 * The gateway address (construct-only).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigNetworkRoute:target:
 *
 * The target network address (construct-only).
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_network_route_new:
 * @target: the target network address
 * @prefix: the length of the target network prefix (at most 128)
 * @gateway: the gateway address
 *
 * Creates a new route.
 *
 * Returns: (transfer full): a new route
 *
 * Since: 0.6.0
 */
GVirSandboxConfigNetworkRoute *gvir_sandbox_config_network_route_new(GInetAddress *target,
                                                                     guint prefix,
                                                                     GInetAddress *gateway);

/**
 * gvir_sandbox_config_network_route_set_prefix:
 * @route: a #GVirSandboxConfigNetworkRoute
 * @prefix: the length of the target network prefix (at most 128)
 *
 * Sets the length of the target network prefix (at most 128) (the
 * #GVirSandboxConfigNetworkRoute:prefix property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_route_set_prefix(GVirSandboxConfigNetworkRoute *route,
                                                  guint prefix);

/**
 * gvir_sandbox_config_network_route_get_prefix:
 * @route: a #GVirSandboxConfigNetworkRoute
 *
 * Gets the length of the target network prefix (the
 * #GVirSandboxConfigNetworkRoute:prefix property).
 *
 * Returns: the length of the target network prefix
 *
 * Since: 0.6.0
 */
guint gvir_sandbox_config_network_route_get_prefix(GVirSandboxConfigNetworkRoute *route);

/**
 * gvir_sandbox_config_network_route_set_gateway:
 * @route: a #GVirSandboxConfigNetworkRoute
 * @gateway: the gateway address
 *
 * Sets the gateway address (the #GVirSandboxConfigNetworkRoute:gateway
 * property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_route_set_gateway(GVirSandboxConfigNetworkRoute *route,
                                                   GInetAddress *gateway);

/**
 * gvir_sandbox_config_network_route_get_gateway:
 * @route: a #GVirSandboxConfigNetworkRoute
 *
 * Gets the gateway address (the #GVirSandboxConfigNetworkRoute:gateway
 * property).
 *
 * Returns: (transfer none): the gateway address
 *
 * Since: 0.6.0
 */
GInetAddress *gvir_sandbox_config_network_route_get_gateway(GVirSandboxConfigNetworkRoute *route);

/**
 * gvir_sandbox_config_network_route_set_target:
 * @route: a #GVirSandboxConfigNetworkRoute
 * @target: the target network address
 *
 * Sets the target network address (the #GVirSandboxConfigNetworkRoute:target
 * property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_route_set_target(GVirSandboxConfigNetworkRoute *route,
                                                  GInetAddress *target);

/**
 * gvir_sandbox_config_network_route_get_target:
 * @route: a #GVirSandboxConfigNetworkRoute
 *
 * Gets the target network address (the #GVirSandboxConfigNetworkRoute:target
 * property).
 *
 * Returns: (transfer none): the target network address
 *
 * Since: 0.6.0
 */
GInetAddress *gvir_sandbox_config_network_route_get_target(GVirSandboxConfigNetworkRoute *route);

/* ---- GVirSandboxConfigNetworkFilterrefParameter ------------------------- */

#define GVIR_SANDBOX_TYPE_CONFIG_NETWORK_FILTERREF_PARAMETER (gvir_sandbox_config_network_filterref_parameter_get_type())

/**
 * GVirSandboxConfigNetworkFilterrefParameter:
 *
 * One `NAME=VALUE` parameter of a network filter reference (for example
 * `IP=192.168.122.1` for libvirt's `clean-traffic` filter).
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigNetworkFilterrefParameter, gvir_sandbox_config_network_filterref_parameter, GVIR_SANDBOX, CONFIG_NETWORK_FILTERREF_PARAMETER, GObject)

struct _GVirSandboxConfigNetworkFilterrefParameter
{
    GObject parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigNetworkFilterrefParameterClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigNetworkFilterrefParameterClass
{
    GObjectClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigNetworkFilterrefParameter:name:
 *
 * The parameter name.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigNetworkFilterrefParameter:value:
 *
 * The parameter value.
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_network_filterref_parameter_new:
 *
 * Creates a parameter with neither name nor value.
 *
 * Returns: (transfer full): a new parameter
 *
 * Since: 0.6.0
 */
GVirSandboxConfigNetworkFilterrefParameter *gvir_sandbox_config_network_filterref_parameter_new(void);

/**
 * gvir_sandbox_config_network_filterref_parameter_set_name:
 * @param: a #GVirSandboxConfigNetworkFilterrefParameter
 * @name: the parameter name
 *
 * Sets the parameter name (the
 * #GVirSandboxConfigNetworkFilterrefParameter:name property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_filterref_parameter_set_name(GVirSandboxConfigNetworkFilterrefParameter *param,
                                                              const gchar *name);

/**
 * gvir_sandbox_config_network_filterref_parameter_get_name:
 * @param: a #GVirSandboxConfigNetworkFilterrefParameter
 *
 * Gets the parameter name (the
 * #GVirSandboxConfigNetworkFilterrefParameter:name property).
 *
 * Returns: (transfer none) (nullable): the parameter name
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_network_filterref_parameter_get_name(GVirSandboxConfigNetworkFilterrefParameter *param);

/**
 * gvir_sandbox_config_network_filterref_parameter_set_value:
 * @param: a #GVirSandboxConfigNetworkFilterrefParameter
 * @value: the parameter value
 *
 * Sets the parameter value (the
 * #GVirSandboxConfigNetworkFilterrefParameter:value property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_filterref_parameter_set_value(GVirSandboxConfigNetworkFilterrefParameter *param,
                                                               const gchar *value);

/**
 * gvir_sandbox_config_network_filterref_parameter_get_value:
 * @param: a #GVirSandboxConfigNetworkFilterrefParameter
 *
 * Gets the parameter value (the
 * #GVirSandboxConfigNetworkFilterrefParameter:value property).
 *
 * Returns: (transfer none) (nullable): the parameter value
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_network_filterref_parameter_get_value(GVirSandboxConfigNetworkFilterrefParameter *param);

/* ---- GVirSandboxConfigNetworkFilterref ---------------------------------- */

#define GVIR_SANDBOX_TYPE_CONFIG_NETWORK_FILTERREF (gvir_sandbox_config_network_filterref_get_type())

/**
 * GVirSandboxConfigNetworkFilterref:
 *
 * A reference to a libvirt network filter (nwfilter) applied to a sandbox
 * network interface, with its parameters.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigNetworkFilterref, gvir_sandbox_config_network_filterref, GVIR_SANDBOX, CONFIG_NETWORK_FILTERREF, GObject)

struct _GVirSandboxConfigNetworkFilterref
{
    GObject parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigNetworkFilterrefClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigNetworkFilterrefClass
{
    GObjectClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigNetworkFilterref:name:
 *
 * The name of the libvirt network filter.
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_network_filterref_new:
 *
 * Creates a filter reference with no name and no parameters.
 *
 * Returns: (transfer full): a new filter reference
 *
 * Since: 0.6.0
 */
GVirSandboxConfigNetworkFilterref *gvir_sandbox_config_network_filterref_new(void);

/**
 * gvir_sandbox_config_network_filterref_get_name:
 * @ref: a #GVirSandboxConfigNetworkFilterref
 *
 * Gets the name of the network filter (the
 * #GVirSandboxConfigNetworkFilterref:name property).
 *
 * Returns: (transfer none) (nullable): the name of the network filter
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_network_filterref_get_name(GVirSandboxConfigNetworkFilterref *ref);

/**
 * gvir_sandbox_config_network_filterref_set_name:
 * @ref: a #GVirSandboxConfigNetworkFilterref
 * @name: the name of the network filter
 *
 * Sets the name of the network filter (the
 * #GVirSandboxConfigNetworkFilterref:name property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_filterref_set_name(GVirSandboxConfigNetworkFilterref *ref,
                                                    const gchar *name);

/**
 * gvir_sandbox_config_network_filterref_add_parameter:
 * @ref: a #GVirSandboxConfigNetworkFilterref
 * @param: (transfer none): the parameter to append
 *
 * Appends the parameter @param to the parameters of the filter reference.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_filterref_add_parameter(GVirSandboxConfigNetworkFilterref *ref,
                                                         GVirSandboxConfigNetworkFilterrefParameter *param);

/**
 * gvir_sandbox_config_network_filterref_get_parameters:
 * @ref: a #GVirSandboxConfigNetworkFilterref
 *
 * Lists the parameters in the order they were added.
 *
 * Returns: (transfer full) (element-type GVirSandboxConfigNetworkFilterrefParameter):
 *   a new list of the parameters in the order they were added; free with
 *   `g_list_free_full(list, g_object_unref)`
 *
 * Since: 0.6.0
 */
GList *gvir_sandbox_config_network_filterref_get_parameters(GVirSandboxConfigNetworkFilterref *ref);

/* ---- GVirSandboxConfigNetwork ------------------------------------------- */

#define GVIR_SANDBOX_TYPE_CONFIG_NETWORK (gvir_sandbox_config_network_get_type())

/**
 * GVirSandboxConfigNetwork:
 *
 * One network interface of a sandbox: the libvirt network it is connected
 * to, its MAC address, and either DHCP or static addresses and routes,
 * optionally with a network filter.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigNetwork, gvir_sandbox_config_network, GVIR_SANDBOX, CONFIG_NETWORK, GObject)

struct _GVirSandboxConfigNetwork
{
    GObject parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigNetworkClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigNetworkClass
{
    GObjectClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigNetwork:dhcp:
 *
 * Whether the interface is configured by DHCP (default %TRUE).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigNetwork:source:
 *
 * The name of the libvirt network the interface is connected to, or %NULL
 * for the default network.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigNetwork:mac:
 *
 * The MAC address of the interface, or %NULL to let libvirt pick one.
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_network_new:
 *
 * Creates an interface configured by DHCP.
 *
 * Returns: (transfer full): a new network interface
 *
 * Since: 0.6.0
 */
GVirSandboxConfigNetwork *gvir_sandbox_config_network_new(void);

/**
 * gvir_sandbox_config_network_set_source:
 * @config: a #GVirSandboxConfigNetwork
 * @network: (nullable): the libvirt network name, or %NULL for the default
 *
 * Sets the libvirt network name, or %NULL for the default (the
 * #GVirSandboxConfigNetwork:source property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_set_source(GVirSandboxConfigNetwork *config,
                                            const gchar *network);

/**
 * gvir_sandbox_config_network_get_source:
 * @config: a #GVirSandboxConfigNetwork
 *
 * Gets the libvirt network name (the #GVirSandboxConfigNetwork:source
 * property).
 *
 * Returns: (transfer none) (nullable): the libvirt network name
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_network_get_source(GVirSandboxConfigNetwork *config);

/**
 * gvir_sandbox_config_network_set_mac:
 * @config: a #GVirSandboxConfigNetwork
 * @mac: (nullable): the MAC address (`NN:NN:NN:NN:NN:NN`), or %NULL
 *
 * Sets the MAC address (`NN:NN:NN:NN:NN:NN`), or %NULL (the
 * #GVirSandboxConfigNetwork:mac property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_set_mac(GVirSandboxConfigNetwork *config,
                                         const gchar *mac);

/**
 * gvir_sandbox_config_network_get_mac:
 * @config: a #GVirSandboxConfigNetwork
 *
 * Gets the MAC address (the #GVirSandboxConfigNetwork:mac property).
 *
 * Returns: (transfer none) (nullable): the MAC address
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_network_get_mac(GVirSandboxConfigNetwork *config);

/**
 * gvir_sandbox_config_network_set_dhcp:
 * @config: a #GVirSandboxConfigNetwork
 * @dhcp: whether the interface is configured by DHCP
 *
 * Sets whether the interface is configured by DHCP (the
 * #GVirSandboxConfigNetwork:dhcp property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_set_dhcp(GVirSandboxConfigNetwork *config,
                                          gboolean dhcp);

/**
 * gvir_sandbox_config_network_get_dhcp:
 * @config: a #GVirSandboxConfigNetwork
 *
 * Tells whether the interface is configured by DHCP.
 *
 * Returns: whether the interface is configured by DHCP
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_network_get_dhcp(GVirSandboxConfigNetwork *config);

/**
 * gvir_sandbox_config_network_add_address:
 * @config: a #GVirSandboxConfigNetwork
 * @addr: (transfer none): the static address to append
 *
 * Appends the static address @addr to the addresses of the interface.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_add_address(GVirSandboxConfigNetwork *config,
                                             GVirSandboxConfigNetworkAddress *addr);

/**
 * gvir_sandbox_config_network_get_addresses:
 * @config: a #GVirSandboxConfigNetwork
 *
 * Lists the static addresses in the order they were added.
 *
 * Returns: (transfer full) (element-type GVirSandboxConfigNetworkAddress):
 *   a new list of the static addresses in the order they were added; free
 *   with `g_list_free_full(list, g_object_unref)`
 *
 * Since: 0.6.0
 */
GList *gvir_sandbox_config_network_get_addresses(GVirSandboxConfigNetwork *config);

/**
 * gvir_sandbox_config_network_add_route:
 * @config: a #GVirSandboxConfigNetwork
 * @route: (transfer none): the static route to append
 *
 * Appends the static route @route to the routes of the interface.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_add_route(GVirSandboxConfigNetwork *config,
                                           GVirSandboxConfigNetworkRoute *route);

/**
 * gvir_sandbox_config_network_get_routes:
 * @config: a #GVirSandboxConfigNetwork
 *
 * Lists the static routes in the order they were added.
 *
 * Returns: (transfer full) (element-type GVirSandboxConfigNetworkRoute):
 *   a new list of the static routes in the order they were added; free
 *   with `g_list_free_full(list, g_object_unref)`
 *
 * Since: 0.6.0
 */
GList *gvir_sandbox_config_network_get_routes(GVirSandboxConfigNetwork *config);

/**
 * gvir_sandbox_config_network_set_filterref:
 * @config: a #GVirSandboxConfigNetwork
 * @ref: (transfer none) (nullable): the network filter reference, replacing
 *   any earlier one, or %NULL for none
 *
 * Sets the network filter reference, replacing any earlier one, or %NULL for
 * none.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_network_set_filterref(GVirSandboxConfigNetwork *config,
                                               GVirSandboxConfigNetworkFilterref *ref);

/**
 * gvir_sandbox_config_network_get_filterref:
 * @config: a #GVirSandboxConfigNetwork
 *
 * Gets the network filter reference.
 *
 * Returns: (transfer none) (nullable): the network filter reference
 *
 * Since: 0.6.0
 */
GVirSandboxConfigNetworkFilterref *gvir_sandbox_config_network_get_filterref(GVirSandboxConfigNetwork *config);

G_END_DECLS
