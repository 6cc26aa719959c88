/* test-console-window.c: `hangar --console vnc://…` windows against hangar-test-vnc-server.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <string.h>

#include "hangar-console-window.h"
#include "hangar-display.h"
#include "hangar-test-server.h"

static GtkWidget *
child (GtkWindow  *window,
       const char *name)
{
  GtkWidget *widget = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window),
                                                                 HANGAR_TYPE_CONSOLE_WINDOW, name));

  g_assert_nonnull (widget);
  return widget;
}

static const char *
page (GtkWindow *window)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (child (window, "stack")));
}

static void
test_bad_uri (void)
{
  static const char *uris[] = { "vnc://ho st:5900", "http://example.org/", "vnc://host:0", "nonsense" };

  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    {
      GtkWindow *window = hangar_console_window_new (NULL, uris[i]);
      AdwStatusPage *error_page = ADW_STATUS_PAGE (child (window, "error_page"));

      gtk_window_present (window);
      g_assert_cmpstr (page (window), ==, "error");
      g_assert_cmpstr (adw_status_page_get_title (error_page), ==, "Cannot Open Console");
      g_assert_nonnull (strstr (adw_status_page_get_description (error_page), uris[i]));
      g_test_message ("%s", adw_status_page_get_description (error_page));
      g_assert_false (gtk_widget_get_visible (child (window, "error_reconnect_button")));
      gtk_window_destroy (window);
    }
}

/* Every header control that shows only an icon needs a name for screen readers: GTK 4.8 does
 * not use the tooltip, so AT-SPI showed "GtkMenuButton" and "GtkImage". */
static guint
check_icon_only (GtkWidget *widget)
{
  const char *label = NULL;
  guint n = 0;

  /* The window controls (close) are GTK's own and named by it. */
  if (GTK_IS_WINDOW_CONTROLS (widget))
    return 0;

  if (GTK_IS_MENU_BUTTON (widget) || GTK_IS_BUTTON (widget) || GTK_IS_IMAGE (widget))
    {
      if (GTK_IS_MENU_BUTTON (widget))
        label = gtk_menu_button_get_label (GTK_MENU_BUTTON (widget));
      else if (GTK_IS_BUTTON (widget))
        label = gtk_button_get_label (GTK_BUTTON (widget));

      if (label == NULL)
        {
          g_test_message ("%s: tooltip “%s”", G_OBJECT_TYPE_NAME (widget),
                          gtk_widget_get_tooltip_text (widget));
          g_assert_nonnull (gtk_widget_get_tooltip_text (widget));
          g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget),
                                                           GTK_ACCESSIBLE_PROPERTY_LABEL));
          n++;
        }
      /* Not into the button's own icon or the menu button's inner toggle. */
      return n;
    }

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    n += check_icon_only (c);
  return n;
}

static void
test_accessible_names (void)
{
  GtkWindow *window = hangar_console_window_new (NULL, "vnc://127.0.0.1:1");
  GtkWidget *header = gtk_widget_get_ancestor (child (window, "fullscreen_button"), ADW_TYPE_HEADER_BAR);

  g_assert_nonnull (header);
  /* Send keys, fit, fullscreen and the keyboard-grab indicator. */
  g_assert_cmpuint (check_icon_only (header), ==, 4);
  gtk_test_accessible_assert_property (child (window, "fullscreen_button"),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Fullscreen");
  gtk_window_destroy (window);
}

static void
test_connect_and_lose (void)
{
  const char *args[] = { "--listen", "--size", "320x240", NULL };
  TestServer *server = server_start (args);
  g_autofree char *uri = g_strdup_printf ("vnc://127.0.0.1:%u", server->port);
  g_autofree char *title = g_strdup_printf ("127.0.0.1:%u — ", server->port);
  g_autofree char *connected = g_strdup_printf ("127.0.0.1:%u — Connected", server->port);
  g_autofree char *disconnected = g_strdup_printf ("127.0.0.1:%u — Disconnected", server->port);
  GtkWindow *window = hangar_console_window_new (NULL, uri);
  HangarDisplay *display = HANGAR_DISPLAY (child (window, "display"));

  gtk_window_present (window);
  /* The title carries the address and the state. */
  g_assert_true (g_str_has_prefix (gtk_window_get_title (window), title));
  WAIT_FOR (g_strcmp0 (page (window), "display") == 0);
  g_assert_cmpstr (gtk_window_get_title (window), ==, connected);

  /* Resize-guest is on: the server is asked for the view's size. It refuses, so the view
   * keeps scaling the 320×240 screen and stays connected. */
  g_assert_true (hangar_display_get_resize_guest (display));
  {
    g_autofree char *line = server_next (server, "SIZE ");
    int width = 0, height = 0;

    g_test_message ("%s (view %d×%d)", line, gtk_widget_get_width (GTK_WIDGET (display)),
                    gtk_widget_get_height (GTK_WIDGET (display)));
    g_assert_cmpint (sscanf (line, "SIZE %d %d", &width, &height), ==, 2);
    g_assert_cmpint (width, >, 0);
    g_assert_cmpint (height, >, 0);
  }
  g_assert_cmpstr (page (window), ==, "display");

  /* The send-key menu's action. */
  gtk_widget_activate_action (GTK_WIDGET (window), "console.send-keys", "s", "ctrl-alt-del");
  server_expect (server, "EXTKEY 1 0xffe3 0x1d");
  server_expect (server, "EXTKEY 1 0xffe9 0x38");
  server_expect (server, "EXTKEY 1 0xffff 0xd3");

  /* Fit / 1:1. */
  g_assert_true (hangar_display_get_scale_to_fit (display));
  gtk_widget_activate_action (GTK_WIDGET (window), "console.scale-to-fit", NULL);
  g_assert_false (hangar_display_get_scale_to_fit (display));

  /* The server goes away: the window says so and offers to reconnect. */
  server_stop (server);
  WAIT_FOR (g_strcmp0 (page (window), "error") == 0);
  /* One Reconnect, the error page's, with the keyboard focus (Enter reconnects). */
  g_assert_true (gtk_widget_get_visible (child (window, "error_reconnect_button")));
  g_assert_true (gtk_root_get_focus (GTK_ROOT (window)) == child (window, "error_reconnect_button"));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (child (window, "error_page"))), ==,
                   "Disconnected");
  g_assert_cmpstr (gtk_window_get_title (window), ==, disconnected);

  /* Reconnecting to nothing ends in the error page again, not a hang or a crash. */
  gtk_widget_activate_action (GTK_WIDGET (window), "console.reconnect", NULL);
  WAIT_FOR (g_strcmp0 (page (window), "error") == 0);
  g_test_message ("%s", adw_status_page_get_description (ADW_STATUS_PAGE (child (window, "error_page"))));

  gtk_window_destroy (window);
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (item) && gtk_widget_get_visible (GTK_WIDGET (item)))
        return ADW_MESSAGE_DIALOG (item);
    }
  return NULL;
}

static void
answer_password (const char *password)
{
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  WAIT_FOR ((dialog = find_dialog ()) != NULL);
  entry = gtk_widget_get_last_child (adw_message_dialog_get_extra_child (dialog));
  g_assert_true (GTK_IS_ENTRY (entry));
  g_assert_false (gtk_entry_get_visibility (GTK_ENTRY (entry)));
  gtk_editable_set_text (GTK_EDITABLE (entry), password);
  adw_message_dialog_response (dialog, "connect");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_password (void)
{
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      const char *args[] = { "--listen", "--size", "320x240", "--password", "s3cret", NULL };
      TestServer *server = server_start (args);
      g_autofree char *uri = g_strdup_printf ("vnc://127.0.0.1:%u", server->port);
      GtkWindow *window = hangar_console_window_new (NULL, uri);

      gtk_window_present (window);
      if (attempt == 0)
        {
          answer_password ("s3cret");
          WAIT_FOR (g_strcmp0 (page (window), "display") == 0);
        }
      else
        {
          const char *description;

          answer_password ("wrong");
          WAIT_FOR (g_strcmp0 (page (window), "error") == 0);
          description = adw_status_page_get_description (ADW_STATUS_PAGE (child (window, "error_page")));
          g_test_message ("%s", description);
          g_assert_nonnull (strstr (description, "password"));
        }

      gtk_window_destroy (window);
      server_stop (server);
    }
}

int
main (int   argc,
      char *argv[])
{
  /* GTK's test accessibility backend: accessible properties are kept and checked without an
   * AT-SPI bus (the suite's GTK_A11Y=none would drop them). */
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/display/console-window/bad-uri", test_bad_uri);
  g_test_add_func ("/display/console-window/accessible-names", test_accessible_names);
  g_test_add_func ("/display/console-window/connect-and-lose", test_connect_and_lose);
  g_test_add_func ("/display/console-window/password", test_password);

  return g_test_run ();
}
