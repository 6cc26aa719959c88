/* hangar-window.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-window"

#include "config.h"

#include <glib/gi18n.h>

#include "hangar-add-connection-dialog.h"
#include "hangar-machine-list.h"
#include "hangar-machine-page.h"
#include "hangar-ui-util.h"
#include "hangar-window.h"

struct _HangarWindow
{
  AdwApplicationWindow  parent_instance;

  /* The connections shown in the sidebar; owned (usually the application's store). */
  GListModel           *connections;
  GSettings            *settings;
  /* Follows the selected connection, for update_actions (). */
  GSignalGroup         *connection_signals;
  /* Follows the machines of the connection whose machine page is shown. */
  GSignalGroup         *machines_signals;

  /* Template widgets */
  AdwLeaflet           *leaflet;
  GtkListView          *connection_view;
  GtkSingleSelection   *connection_selection;
  GtkStack             *content_stack;
  HangarMachineList    *machine_list;
  AdwToastOverlay      *toast_overlay;

  /* Built when a machine is first opened (see ensure_machine_page ()), then kept; owned. */
  HangarMachinePage    *machine_page;

  /* --show-console NAME, until a connection lists NAME; the machine lists watched meanwhile. */
  char                 *pending_console;
  GPtrArray            *pending_lists;
};

G_DEFINE_FINAL_TYPE (HangarWindow, hangar_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CONNECTIONS,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

HangarWindow *
hangar_window_new (HangarApplication *application)
{
  g_return_val_if_fail (HANGAR_IS_APPLICATION (application), NULL);

  return g_object_new (HANGAR_TYPE_WINDOW,
                       "application", application,
                       "connections", hangar_application_get_connections (application),
                       NULL);
}

/**
 * hangar_window_get_connections:
 *
 * Returns: (transfer none): the connections in the sidebar
 */
GListModel *
hangar_window_get_connections (HangarWindow *self)
{
  g_return_val_if_fail (HANGAR_IS_WINDOW (self), NULL);

  return self->connections;
}

HangarConnection *
hangar_window_get_selected_connection (HangarWindow *self)
{
  g_return_val_if_fail (HANGAR_IS_WINDOW (self), NULL);

  return gtk_single_selection_get_selected_item (self->connection_selection);
}

GtkWidget *
hangar_window_get_machine_list (HangarWindow *self)
{
  g_return_val_if_fail (HANGAR_IS_WINDOW (self), NULL);

  return GTK_WIDGET (self->machine_list);
}

/* The machine page holds the console, the graphs and many rows: start-up does not build it
 * (it is hidden until a machine is opened), so the first call adds it to the content stack. */
static HangarMachinePage *
ensure_machine_page (HangarWindow *self)
{
  if (self->machine_page != NULL)
    return self->machine_page;

  self->machine_page = g_object_ref_sink (g_object_new (HANGAR_TYPE_MACHINE_PAGE, NULL));
  g_object_bind_property (self->leaflet, "folded", self->machine_page, "folded",
                          G_BINDING_SYNC_CREATE);
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->machine_page), "machine");

  return self->machine_page;
}

/* The machine on the machine page, or NULL (also when the page was never built). */
static HangarMachine *
shown_machine (HangarWindow *self)
{
  if (self->machine_page == NULL)
    return NULL;

  return hangar_machine_page_get_machine (self->machine_page);
}

/**
 * hangar_window_get_machine_page:
 *
 * Returns: (transfer none): the machine page, built now if no machine was opened yet
 */
GtkWidget *
hangar_window_get_machine_page (HangarWindow *self)
{
  g_return_val_if_fail (HANGAR_IS_WINDOW (self), NULL);

  return GTK_WIDGET (ensure_machine_page (self));
}

static void
update_actions (HangarWindow *self)
{
  HangarConnection *connection = hangar_window_get_selected_connection (self);
  HangarConnectionState state = HANGAR_CONNECTION_STATE_DISCONNECTED;

  if (connection != NULL)
    state = hangar_connection_get_state (connection);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.remove-connection", connection != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reconnect",
                                 connection != NULL &&
                                 (state == HANGAR_CONNECTION_STATE_DISCONNECTED ||
                                  state == HANGAR_CONNECTION_STATE_RECONNECTING));
}

void
hangar_window_show_machines (HangarWindow *self)
{
  g_return_if_fail (HANGAR_IS_WINDOW (self));

  g_signal_group_set_target (self->machines_signals, NULL);
  gtk_stack_set_visible_child_name (self->content_stack, "list");
  if (self->machine_page != NULL)
    hangar_machine_page_set_machine (self->machine_page, NULL);
  hangar_machine_list_focus (self->machine_list);
}

void
hangar_window_show_machine (HangarWindow  *self,
                            HangarMachine *machine)
{
  HangarConnection *connection;

  g_return_if_fail (HANGAR_IS_WINDOW (self));
  g_return_if_fail (HANGAR_IS_MACHINE (machine));

  connection = hangar_machine_get_connection (machine);
  g_signal_group_set_target (self->machines_signals,
                             connection ? hangar_connection_get_machines (connection) : NULL);

  hangar_machine_page_set_machine (ensure_machine_page (self), machine);
  gtk_stack_set_visible_child_name (self->content_stack, "machine");
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
  gtk_widget_grab_focus (GTK_WIDGET (self->machine_page));
}

static void pending_items_changed_cb (HangarWindow *self);
static void pending_state_cb         (HangarWindow *self);

static void
clear_pending_console (HangarWindow *self)
{
  g_clear_pointer (&self->pending_console, g_free);
  /* By function, not by data alone: the window's signal groups connect to the same objects
   * with the window as data, and must keep their handlers. */
  for (guint i = 0; self->pending_lists != NULL && i < self->pending_lists->len; i++)
    {
      gpointer instance = g_ptr_array_index (self->pending_lists, i);

      g_signal_handlers_disconnect_by_func (instance, pending_items_changed_cb, self);
      g_signal_handlers_disconnect_by_func (instance, pending_state_cb, self);
    }
  g_clear_pointer (&self->pending_lists, g_ptr_array_unref);
}

static gboolean
try_show_console (HangarWindow *self)
{
  guint n = g_list_model_get_n_items (self->connections);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HangarConnection) connection = g_list_model_get_item (self->connections, i);
      HangarMachine *machine;

      machine = hangar_connection_lookup_machine_by_name (connection, self->pending_console);
      if (machine == NULL)
        continue;

      g_object_ref (machine);
      clear_pending_console (self);
      gtk_single_selection_set_selected (self->connection_selection, i);
      hangar_window_show_machine (self, machine);
      adw_view_stack_set_visible_child_name (hangar_machine_page_get_view_stack (self->machine_page),
                                             "console");
      g_object_unref (machine);
      return TRUE;
    }

  return FALSE;
}

/* Every connection has answered (listed its machines or failed) and none has the machine:
 * say so rather than wait for ever. */
static gboolean
pending_settled_idle_cb (gpointer user_data)
{
  HangarWindow *self = user_data;
  g_autofree char *message = NULL;
  guint n;

  if (self->pending_console == NULL || try_show_console (self))
    return G_SOURCE_REMOVE;

  n = g_list_model_get_n_items (self->connections);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HangarConnection) connection = g_list_model_get_item (self->connections, i);
      HangarConnectionState state = hangar_connection_get_state (connection);

      if (state == HANGAR_CONNECTION_STATE_CONNECTING || state == HANGAR_CONNECTION_STATE_RECONNECTING)
        return G_SOURCE_REMOVE;
    }

  /* Translators: %s is a machine name given with --show-console */
  message = g_strdup_printf (_("No machine is called “%s”."), self->pending_console);
  g_message ("%s", message);
  clear_pending_console (self);
  hangar_add_toast (GTK_WIDGET (self), message);

  return G_SOURCE_REMOVE;
}

static void
pending_items_changed_cb (HangarWindow *self)
{
  if (self->pending_console != NULL)
    try_show_console (self);
}

static void
pending_state_cb (HangarWindow *self)
{
  if (self->pending_console != NULL)
    g_idle_add_full (G_PRIORITY_LOW, pending_settled_idle_cb, g_object_ref (self), g_object_unref);
}

/**
 * hangar_window_show_console:
 * @self: the window
 * @name: a machine name
 *
 * Shows the console of the machine called @name, now or as soon as a connection lists it.
 */
void
hangar_window_show_console (HangarWindow *self,
                            const char   *name)
{
  guint n;

  g_return_if_fail (HANGAR_IS_WINDOW (self));
  g_return_if_fail (name != NULL);

  clear_pending_console (self);
  self->pending_console = g_strdup (name);
  if (try_show_console (self))
    return;

  self->pending_lists = g_ptr_array_new_with_free_func (g_object_unref);
  n = g_list_model_get_n_items (self->connections);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HangarConnection) connection = g_list_model_get_item (self->connections, i);
      GListModel *machines = hangar_connection_get_machines (connection);

      g_signal_connect_object (machines, "items-changed", G_CALLBACK (pending_items_changed_cb),
                               self, G_CONNECT_SWAPPED);
      g_ptr_array_add (self->pending_lists, g_object_ref (machines));
      g_signal_connect_object (connection, "notify::state", G_CALLBACK (pending_state_cb),
                               self, G_CONNECT_SWAPPED);
      g_ptr_array_add (self->pending_lists, g_object_ref (connection));
    }
  pending_state_cb (self);
}

/* The machine on screen was undefined (here, by virsh, or by another client): go back. */
static void
machines_changed_cb (HangarWindow *self,
                     guint         position,
                     guint         removed,
                     guint         added,
                     GListModel   *machines)
{
  HangarMachine *machine = shown_machine (self);
  HangarConnection *connection;
  HangarMachine *current;
  g_autofree char *message = NULL;

  if (machine == NULL || removed == 0)
    return;

  connection = hangar_machine_get_connection (machine);
  current = NULL;
  if (connection != NULL)
    current = hangar_connection_lookup_machine (connection, hangar_machine_get_uuid (machine));
  if (current == machine)
    return;

  /* After a reconnect the list may hold a new object for the same domain: follow it. */
  if (current != NULL)
    {
      hangar_window_show_machine (self, current);
      return;
    }

  /* The daemon went away: the list page says so, no need for a toast. */
  if (connection == NULL ||
      hangar_connection_get_state (connection) != HANGAR_CONNECTION_STATE_CONNECTED)
    {
      hangar_window_show_machines (self);
      return;
    }

  /* Translators: %s is a machine name */
  message = g_strdup_printf (_("“%s” no longer exists."), hangar_machine_get_name (machine));
  hangar_window_show_machines (self);
  hangar_add_toast (GTK_WIDGET (self), message);
}

static void
machine_activated_cb (HangarWindow      *self,
                      HangarMachine     *machine,
                      HangarMachineList *list)
{
  hangar_window_show_machine (self, machine);
}

static void
connection_activated_cb (HangarWindow *self,
                         guint         position,
                         GtkListView  *view)
{
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
  hangar_machine_list_focus (self->machine_list);
}

static void
selected_connection_cb (HangarWindow       *self,
                        GParamSpec         *pspec,
                        GtkSingleSelection *selection)
{
  HangarMachine *machine = shown_machine (self);
  HangarConnection *connection = hangar_window_get_selected_connection (self);

  g_signal_group_set_target (self->connection_signals, connection);

  if (machine != NULL && hangar_machine_get_connection (machine) != connection)
    hangar_window_show_machines (self);

  update_actions (self);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HangarWindow *self = HANGAR_WINDOW (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "machine") == 0)
    hangar_window_show_machines (self);
  else
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* The console of a machine of the selected connection (the machine list's row menu). */
static void
show_machine_console_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  HangarWindow *self = HANGAR_WINDOW (widget);
  HangarConnection *connection = hangar_window_get_selected_connection (self);
  HangarMachine *machine = NULL;

  if (connection != NULL)
    machine = hangar_connection_lookup_machine (connection, g_variant_get_string (parameter, NULL));
  if (machine == NULL)
    return;

  hangar_window_show_machine (self, machine);
  adw_view_stack_set_visible_child_name (hangar_machine_page_get_view_stack (self->machine_page),
                                         "console");
}

/* GtkApplication builds gtk/help-overlay.ui under the resource base path for every new window,
 * which costs start-up a shortcuts window nobody may open; ours sits at another path and is built
 * here, when it is first asked for (the main menu or Ctrl+?). */
static void
show_help_overlay_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  GtkApplicationWindow *window = GTK_APPLICATION_WINDOW (widget);
  GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (window);

  if (overlay == NULL)
    {
      g_autoptr(GtkBuilder) builder = NULL;

      builder = gtk_builder_new_from_resource ("/io/github/hangarvm/Hangar/ui/help-overlay.ui");
      overlay = GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
      gtk_application_window_set_help_overlay (window, overlay);
    }

  gtk_window_present (GTK_WINDOW (overlay));
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  HangarWindow *self = HANGAR_WINDOW (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "list") != 0)
    hangar_window_show_machines (self);
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
  hangar_machine_list_set_search_mode (self->machine_list, TRUE);
}

static void
add_connection_response_cb (HangarWindow               *self,
                            const char                 *uri,
                            HangarAddConnectionDialog  *dialog)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  HangarConnection *connection;
  guint position;

  if (!HANGAR_IS_APPLICATION (app))
    return;

  connection = hangar_application_add_connection (HANGAR_APPLICATION (app), uri, TRUE);
  if (g_list_store_find (G_LIST_STORE (self->connections), connection, &position))
    gtk_single_selection_set_selected (self->connection_selection, position);
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
}

static void
add_connection_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  HangarWindow *self = HANGAR_WINDOW (widget);
  HangarAddConnectionDialog *dialog;

  dialog = hangar_add_connection_dialog_new (GTK_WINDOW (self));
  g_signal_connect_object (dialog, "add-connection", G_CALLBACK (add_connection_response_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
remove_connection_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  HangarWindow *self = HANGAR_WINDOW (widget);
  HangarConnection *connection = hangar_window_get_selected_connection (self);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autofree char *message = NULL;

  if (connection == NULL || !HANGAR_IS_APPLICATION (app))
    return;

  /* Translators: %s is a connection title such as "QEMU/KVM" or a host name */
  message = g_strdup_printf (_("Removed the connection “%s”."),
                             hangar_connection_get_title (connection));
  hangar_window_show_machines (self);
  hangar_application_remove_connection (HANGAR_APPLICATION (app), connection);
  hangar_add_toast (GTK_WIDGET (self), message);
}

static void
reconnect_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HangarWindow *self = HANGAR_WINDOW (widget);
  HangarConnection *connection = hangar_window_get_selected_connection (self);

  if (connection != NULL)
    hangar_connection_reconnect_now (connection);
}

static char *
connection_state_icon_cb (gpointer              item,
                          HangarConnectionState state,
                          gboolean              is_local)
{
  switch (state)
    {
    case HANGAR_CONNECTION_STATE_CONNECTED:
      return g_strdup (is_local ? "computer-symbolic" : "network-server-symbolic");
    case HANGAR_CONNECTION_STATE_CONNECTING:
    case HANGAR_CONNECTION_STATE_RECONNECTING:
      return g_strdup ("content-loading-symbolic");
    case HANGAR_CONNECTION_STATE_DISCONNECTED:
    default:
      return g_strdup ("network-offline-symbolic");
    }
}

static gboolean
nonempty_cb (gpointer    item,
             const char *text)
{
  return text != NULL && *text != '\0';
}

static void
hangar_window_constructed (GObject *object)
{
  HangarWindow *self = HANGAR_WINDOW (object);

  G_OBJECT_CLASS (hangar_window_parent_class)->constructed (object);

  if (self->connections == NULL)
    self->connections = G_LIST_MODEL (g_list_store_new (HANGAR_TYPE_CONNECTION));
  gtk_single_selection_set_model (self->connection_selection, self->connections);
  selected_connection_cb (self, NULL, self->connection_selection);
}

static void
hangar_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HangarWindow *self = HANGAR_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONNECTIONS:
      g_value_set_object (value, self->connections);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  HangarWindow *self = HANGAR_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONNECTIONS:
      g_set_object (&self->connections, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_window_dispose (GObject *object)
{
  HangarWindow *self = HANGAR_WINDOW (object);

  if (self->connection_signals != NULL)
    g_signal_group_set_target (self->connection_signals, NULL);
  if (self->machines_signals != NULL)
    g_signal_group_set_target (self->machines_signals, NULL);
  clear_pending_console (self);

  gtk_widget_dispose_template (GTK_WIDGET (object), HANGAR_TYPE_WINDOW);

  g_clear_object (&self->connection_signals);
  g_clear_object (&self->machines_signals);
  g_clear_object (&self->machine_page);
  g_clear_object (&self->connections);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hangar_window_parent_class)->dispose (object);
}

static void
hangar_window_class_init (HangarWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hangar_window_constructed;
  object_class->dispose = hangar_window_dispose;
  object_class->get_property = hangar_window_get_property;
  object_class->set_property = hangar_window_set_property;

  properties[PROP_CONNECTIONS] =
    g_param_spec_object ("connections", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  hangar_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/ui/hangar-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HangarWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, HangarWindow, connection_view);
  gtk_widget_class_bind_template_child (widget_class, HangarWindow, connection_selection);
  gtk_widget_class_bind_template_child (widget_class, HangarWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, HangarWindow, machine_list);
  gtk_widget_class_bind_template_child (widget_class, HangarWindow, toast_overlay);
  gtk_widget_class_bind_template_callback (widget_class, machine_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, connection_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, selected_connection_cb);
  gtk_widget_class_bind_template_callback (widget_class, connection_state_icon_cb);
  gtk_widget_class_bind_template_callback (widget_class, nonempty_cb);

  gtk_widget_class_install_action (widget_class, "win.add-connection", NULL, add_connection_action);
  gtk_widget_class_install_action (widget_class, "win.remove-connection", NULL,
                                   remove_connection_action);
  gtk_widget_class_install_action (widget_class, "win.reconnect", NULL, reconnect_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.show-machine-console", "s",
                                   show_machine_console_action);
  gtk_widget_class_install_action (widget_class, "win.show-help-overlay", NULL,
                                   show_help_overlay_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.add-connection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);

  g_type_ensure (HANGAR_TYPE_CONNECTION);
  g_type_ensure (HANGAR_TYPE_MACHINE_LIST);
}

static void
hangar_window_init (HangarWindow *self)
{
  self->connection_signals = g_signal_group_new (HANGAR_TYPE_CONNECTION);
  g_signal_group_connect_object (self->connection_signals, "notify::state",
                                 G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);

  self->machines_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_object (self->machines_signals, "items-changed",
                                 G_CALLBACK (machines_changed_cb), self, G_CONNECT_SWAPPED);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (SCHEMA_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  update_actions (self);
}
