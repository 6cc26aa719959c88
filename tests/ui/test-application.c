/* test-application.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HangarApplication: --connect (repeatable) decides the connections, added connections are
 * remembered in GSettings (the memory backend here) and forgotten when removed.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "hangar-application.h"
#include "hangar-ui-test-utils.h"
#include "hangar-window.h"

typedef struct
{
  char **uris;       /* what the window saw */
  gboolean had_window;
} RunResult;

static void
activate_after_cb (GApplication *app,
                   RunResult    *result)
{
  GListModel *connections = hangar_application_get_connections (HANGAR_APPLICATION (app));
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  for (guint i = 0; i < g_list_model_get_n_items (connections); i++)
    {
      g_autoptr(HangarConnection) connection = g_list_model_get_item (connections, i);

      g_strv_builder_add (builder, hangar_connection_get_uri (connection));
    }
  result->uris = g_strv_builder_end (builder);
  result->had_window = HANGAR_IS_WINDOW (window) &&
                       hangar_window_get_connections (HANGAR_WINDOW (window)) == connections;
  g_application_quit (app);
}

static void
test_connect_option (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hangar-test-ui-app-XXXXXX", NULL);
  g_autofree char *one = g_strdup_printf ("test://%s/one.xml", dir);
  g_autofree char *two = g_strdup_printf ("test://%s/two.xml", dir);
  char *argv[] = { (char *) "hangar", (char *) "--connect", one, (char *) "-c", two, NULL };
  g_autoptr(HangarApplication) app = hangar_application_new ();
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  g_auto(GStrv) saved = NULL;
  RunResult result = { 0 };

  g_signal_connect_after (app, "activate", G_CALLBACK (activate_after_cb), &result);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), G_N_ELEMENTS (argv) - 1, argv), ==, 0);

  /* Both URIs, in order, in the window's sidebar; nothing saved, since none was added by hand. */
  g_assert_true (result.had_window);
  g_assert_nonnull (result.uris);
  g_assert_cmpuint (g_strv_length (result.uris), ==, 2);
  g_assert_cmpstr (result.uris[0], ==, one);
  g_assert_cmpstr (result.uris[1], ==, two);
  saved = g_settings_get_strv (settings, "connections");
  g_assert_cmpuint (g_strv_length (saved), ==, 0);

  g_strfreev (result.uris);
  g_rmdir (dir);
}

static void
test_remember (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hangar-test-ui-app-XXXXXX", NULL);
  g_autofree char *uri = g_strdup_printf ("test://%s/world.xml", dir);
  g_autoptr(HangarApplication) app = hangar_application_new ();
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  g_auto(GStrv) saved = NULL;
  g_auto(GStrv) after = NULL;
  HangarConnection *connection;

  g_settings_reset (settings, "connections");

  connection = hangar_application_add_connection (app, uri, TRUE);
  g_assert_nonnull (connection);
  g_assert_true (hangar_application_add_connection (app, uri,
                                                    TRUE) == connection);  /* no duplicate */
  g_assert_cmpuint (g_list_model_get_n_items (hangar_application_get_connections (app)), ==, 1);
  saved = g_settings_get_strv (settings, "connections");
  g_assert_cmpuint (g_strv_length (saved), ==, 1);
  g_assert_cmpstr (saved[0], ==, uri);

  hangar_application_remove_connection (app, connection);
  g_assert_cmpuint (g_list_model_get_n_items (hangar_application_get_connections (app)), ==, 0);
  after = g_settings_get_strv (settings, "connections");
  g_assert_cmpuint (g_strv_length (after), ==, 0);

  g_rmdir (dir);
}

static void
help_overlay_activate_after_cb (GApplication *app,
                                gboolean     *checked)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));
  GtkApplicationWindow *window = GTK_APPLICATION_WINDOW (active);
  g_auto(GStrv) accels = NULL;
  g_auto(GStrv) actions = NULL;
  GtkShortcutsWindow *overlay;

  /* Not built with the window (GtkApplication would build gtk/help-overlay.ui for each one). */
  g_assert_nonnull (window);
  g_assert_null (gtk_application_window_get_help_overlay (window));

  /* Ctrl+? shows it, as GtkApplication's own shortcut would. */
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay");
  g_assert_cmpuint (g_strv_length (accels), ==, 1);
  g_assert_cmpstr (accels[0], ==, "<Control>question");
  actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (app), "<Control>question");
  g_assert_true (g_strv_contains ((const char * const *) actions, "win.show-help-overlay"));

  /* Built and shown on first use, over the window. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  overlay = gtk_application_window_get_help_overlay (window);
  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (overlay));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (overlay)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (overlay)) == GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (overlay));

  /* Closing hides it; asking again shows the same one. */
  gtk_window_close (GTK_WINDOW (overlay));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (overlay)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  g_assert_true (gtk_application_window_get_help_overlay (window) == overlay);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (overlay)));

  *checked = TRUE;
  g_application_quit (app);
}

static void
test_help_overlay (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hangar-test-ui-app-XXXXXX", NULL);
  g_autofree char *uri = g_strdup_printf ("test://%s/world.xml", dir);
  char *argv[] = { (char *) "hangar", (char *) "--connect", uri, NULL };
  g_autoptr(HangarApplication) app = hangar_application_new ();
  gboolean checked = FALSE;

  g_signal_connect_after (app, "activate", G_CALLBACK (help_overlay_activate_after_cb), &checked);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), G_N_ELEMENTS (argv) - 1, argv), ==, 0);
  g_assert_true (checked);

  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  if (!hangar_ui_test_init (&argc, &argv))
    return 0;

  g_test_add_func ("/hangar/ui/application/connect-option", test_connect_option);
  g_test_add_func ("/hangar/ui/application/remember", test_remember);
  g_test_add_func ("/hangar/ui/application/help-overlay", test_help_overlay);

  return g_test_run ();
}
