/* hangar-application.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-application"

#include "config.h"

#include <glib/gi18n.h>

#include "hangar-application.h"
#include "hangar-console-module.h"
#include "hangar-window.h"

#define SYSTEM_URI  "qemu:///system"
#define SESSION_URI "qemu:///session"

struct _HangarApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  /* Every open HangarConnection, in sidebar order; owned. */
  GListStore     *connections;
  /* From the command line; NULL when not given. */
  char          **connect_uris;
  char           *console_uri;
  char           *show_console;
  /* The automatic qemu:///system probe, replaced by qemu:///session if it fails; weak. */
  HangarConnection *probe;
  guint           populated : 1;
};

G_DEFINE_FINAL_TYPE (HangarApplication, hangar_application, ADW_TYPE_APPLICATION)

static const GOptionEntry main_entries[] = {
  { "connect", 'c', 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("Open the libvirt connection URI (may be repeated)"), N_("URI") },
  { "console", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Open a console window for vnc://HOST:PORT or spice://HOST:PORT"), N_("URI") },
  { "show-console", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Show the console of the machine NAME"), N_("NAME") },
  { NULL }
};

HangarApplication *
hangar_application_new (void)
{
  return g_object_new (HANGAR_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       NULL);
}

/**
 * hangar_application_get_connections:
 *
 * Returns: (transfer none): a #GListModel of #HangarConnection
 */
GListModel *
hangar_application_get_connections (HangarApplication *self)
{
  g_return_val_if_fail (HANGAR_IS_APPLICATION (self), NULL);

  return G_LIST_MODEL (self->connections);
}

/* The machine named by --show-console, for the console page to pick up; may be NULL. */
const char *
hangar_application_get_show_console (HangarApplication *self)
{
  g_return_val_if_fail (HANGAR_IS_APPLICATION (self), NULL);

  return self->show_console;
}

static gboolean
find_connection (HangarApplication *self,
                 const char        *uri,
                 guint             *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HangarConnection) connection = NULL;

      connection = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if (g_strcmp0 (hangar_connection_get_uri (connection), uri) == 0)
        {
          if (position != NULL)
            *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

static void
remember_uri (HangarApplication *self,
              const char        *uri,
              gboolean           add)
{
  g_auto(GStrv) saved = g_settings_get_strv (self->settings, "connections");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) result = NULL;
  gboolean found = FALSE;

  for (guint i = 0; saved[i] != NULL; i++)
    {
      if (g_strcmp0 (saved[i], uri) == 0)
        {
          found = TRUE;
          if (!add)
            continue;
        }
      g_strv_builder_add (builder, saved[i]);
    }

  if (add && found)
    return;
  if (add)
    g_strv_builder_add (builder, uri);

  result = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "connections", (const char * const *) result);
}

/**
 * hangar_application_add_connection:
 * @uri: a libvirt URI, already validated
 * @remember: whether to save it in GSettings for the next start
 *
 * Opens @uri unless a connection to it is already open.
 *
 * Returns: (transfer none): the connection for @uri
 */
HangarConnection *
hangar_application_add_connection (HangarApplication *self,
                                   const char        *uri,
                                   gboolean           remember)
{
  g_autoptr(HangarConnection) connection = NULL;
  guint position;

  g_return_val_if_fail (HANGAR_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  if (remember)
    remember_uri (self, uri, TRUE);

  if (find_connection (self, uri, &position))
    {
      connection = g_list_model_get_item (G_LIST_MODEL (self->connections), position);
      return connection;  /* the store keeps its reference */
    }

  connection = hangar_connection_new (uri);
  g_list_store_append (self->connections, connection);
  hangar_connection_open (connection);

  return connection;
}

void
hangar_application_remove_connection (HangarApplication *self,
                                      HangarConnection  *connection)
{
  guint position;

  g_return_if_fail (HANGAR_IS_APPLICATION (self));
  g_return_if_fail (HANGAR_IS_CONNECTION (connection));

  remember_uri (self, hangar_connection_get_uri (connection), FALSE);

  if (g_list_store_find (self->connections, connection, &position))
    {
      hangar_connection_close (connection);
      g_list_store_remove (self->connections, position);
    }
}

/* qemu:///system is the default only when its daemon answers us; otherwise the user's own
 * session daemon is, which needs no rights. */
static void
probe_state_cb (HangarApplication *self,
                GParamSpec        *pspec,
                HangarConnection  *connection)
{
  guint position;

  switch (hangar_connection_get_state (connection))
    {
    case HANGAR_CONNECTION_STATE_CONNECTED:
      g_signal_handlers_disconnect_by_func (connection, probe_state_cb, self);
      g_clear_weak_pointer (&self->probe);
      break;

    case HANGAR_CONNECTION_STATE_DISCONNECTED:
      if (hangar_connection_get_error (connection) == NULL)
        break;
      g_signal_handlers_disconnect_by_func (connection, probe_state_cb, self);
      g_clear_weak_pointer (&self->probe);
      g_debug ("%s does not answer, using %s", SYSTEM_URI, SESSION_URI);
      if (g_list_store_find (self->connections, connection, &position))
        {
          hangar_connection_close (connection);
          g_list_store_remove (self->connections, position);
        }
      hangar_application_add_connection (self, SESSION_URI, FALSE);
      break;

    case HANGAR_CONNECTION_STATE_CONNECTING:
    case HANGAR_CONNECTION_STATE_RECONNECTING:
    default:
      break;
    }
}

static void
populate_connections (HangarApplication *self)
{
  g_auto(GStrv) saved = NULL;
  HangarConnection *connection;

  if (self->populated)
    return;
  self->populated = TRUE;

  if (self->connect_uris != NULL && self->connect_uris[0] != NULL)
    {
      for (guint i = 0; self->connect_uris[i] != NULL; i++)
        hangar_application_add_connection (self, self->connect_uris[i], FALSE);
      return;
    }

  saved = g_settings_get_strv (self->settings, "connections");
  if (saved[0] != NULL)
    {
      for (guint i = 0; saved[i] != NULL; i++)
        hangar_application_add_connection (self, saved[i], FALSE);
      return;
    }

  connection = hangar_application_add_connection (self, SYSTEM_URI, FALSE);
  g_set_weak_pointer (&self->probe, connection);
  g_signal_connect_object (connection, "notify::state", G_CALLBACK (probe_state_cb),
                           self, G_CONNECT_SWAPPED);
  probe_state_cb (self, NULL, connection);
}

static gboolean
open_console_window (HangarApplication *self)
{
  g_autoptr(GError) error = NULL;
  GtkWindow *window;

  if (self->console_uri == NULL)
    return FALSE;

  window = hangar_console_module_new_window (GTK_APPLICATION (self), self->console_uri, &error);
  if (window != NULL)
    gtk_window_present (window);
  else
    g_printerr ("%s\n", error->message);
  g_clear_pointer (&self->console_uri, g_free);

  return TRUE;
}

static void
hangar_application_activate (GApplication *app)
{
  HangarApplication *self = HANGAR_APPLICATION (app);
  GtkWindow *window;

  if (open_console_window (self))
    return;

  populate_connections (self);

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL || !HANGAR_IS_WINDOW (window))
    window = GTK_WINDOW (hangar_window_new (self));

  /* Once: a later activation without --show-console leaves the window as it is. */
  if (self->show_console != NULL)
    {
      hangar_window_show_console (HANGAR_WINDOW (window), self->show_console);
      g_clear_pointer (&self->show_console, g_free);
    }

  gtk_window_present (window);
}

static int
hangar_application_handle_local_options (GApplication *app,
                                         GVariantDict *options)
{
  HangarApplication *self = HANGAR_APPLICATION (app);
  g_autofree char *console = NULL;
  g_autofree char *show_console = NULL;
  g_auto(GStrv) connect = NULL;

  if (g_variant_dict_lookup (options, "connect", "^as", &connect))
    {
      for (guint i = 0; connect[i] != NULL; i++)
        {
          g_autoptr(GError) error = NULL;

          if (!hangar_validate_uri (connect[i], &error))
            {
              g_printerr ("%s\n", error->message);
              return EXIT_FAILURE;
            }
        }
      g_strfreev (self->connect_uris);
      self->connect_uris = g_steal_pointer (&connect);
    }

  if (g_variant_dict_lookup (options, "console", "s", &console))
    {
      g_free (self->console_uri);
      self->console_uri = g_steal_pointer (&console);
    }

  if (g_variant_dict_lookup (options, "show-console", "s", &show_console))
    {
      g_free (self->show_console);
      self->show_console = g_steal_pointer (&show_console);
    }

  return G_APPLICATION_CLASS (hangar_application_parent_class)->handle_local_options (app, options);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  HangarApplication *self = user_data;
  const char *developers[] = { "The Hangar authors", NULL };
  GtkWindow *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                        "application-name", _("Hangar"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Hangar authors"),
                        "developers", developers,
                        "version", PACKAGE_VERSION,
                        "comments", _("Manage virtual machines on libvirt hosts"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        NULL);
  gtk_window_present (about);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "quit", quit_action },
};

static void
hangar_application_startup (GApplication *app)
{
  HangarApplication *self = HANGAR_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *add_accels[] = { "<Control>n", NULL };
  static const char *search_accels[] = { "<Control>f", NULL };
  static const char *help_overlay_accels[] = { "<Control>question", NULL };

  G_APPLICATION_CLASS (hangar_application_parent_class)->startup (app);

  hangar_event_loop_init ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.add-connection", add_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.search", search_accels);
  /* GtkApplication sets this one only for gtk/help-overlay.ui, which we do not have (see
   * show_help_overlay_action () in hangar-window.c). */
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay",
                                         help_overlay_accels);
}

static void
hangar_application_window_added (GtkApplication *app,
                                 GtkWindow      *window)
{
#if DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (window), "devel");
#endif

  GTK_APPLICATION_CLASS (hangar_application_parent_class)->window_added (app, window);
}

static void
hangar_application_constructed (GObject *object)
{
  G_OBJECT_CLASS (hangar_application_parent_class)->constructed (object);

  /* The .Devel application id would otherwise move the resource base path. */
  g_application_set_resource_base_path (G_APPLICATION (object), "/io/github/hangarvm/Hangar");
}

static void
hangar_application_dispose (GObject *object)
{
  HangarApplication *self = HANGAR_APPLICATION (object);

  g_clear_weak_pointer (&self->probe);
  if (self->connections != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(HangarConnection) connection = NULL;

      connection = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

          hangar_connection_close (connection);
        }
      g_list_store_remove_all (self->connections);
    }

  G_OBJECT_CLASS (hangar_application_parent_class)->dispose (object);
}

static void
hangar_application_finalize (GObject *object)
{
  HangarApplication *self = HANGAR_APPLICATION (object);

  g_clear_object (&self->connections);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->connect_uris, g_strfreev);
  g_clear_pointer (&self->console_uri, g_free);
  g_clear_pointer (&self->show_console, g_free);

  G_OBJECT_CLASS (hangar_application_parent_class)->finalize (object);
}

static void
hangar_application_class_init (HangarApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  GtkApplicationClass *gtk_app_class = GTK_APPLICATION_CLASS (klass);

  object_class->constructed = hangar_application_constructed;
  object_class->dispose = hangar_application_dispose;
  object_class->finalize = hangar_application_finalize;

  app_class->activate = hangar_application_activate;
  app_class->startup = hangar_application_startup;
  app_class->handle_local_options = hangar_application_handle_local_options;

  gtk_app_class->window_added = hangar_application_window_added;
}

static void
hangar_application_init (HangarApplication *self)
{
  self->settings = g_settings_new (SCHEMA_ID);
  self->connections = g_list_store_new (HANGAR_TYPE_CONNECTION);

  g_application_add_main_option_entries (G_APPLICATION (self), main_entries);
}
