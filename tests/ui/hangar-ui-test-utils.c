/* hangar-ui-test-utils.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "hangar-connection.h"
#include "hangar-ui-test-utils.h"

/* FALSE (after printing a TAP skip) when there is no display to test on. */
gboolean
hangar_ui_test_init (int    *argc,
                     char ***argv)
{
  static GtkCssProvider *provider;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("1..0 # SKIP no display (run under xvfb-run)\n");
      return FALSE;
    }

  gtk_test_init (argc, argv, NULL);
  adw_init ();
  hangar_event_loop_init ();

  /* No transitions, so what a test shows is on screen at once; the app's own style sheet,
   * which AdwApplication would load. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/hangarvm/Hangar/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  return TRUE;
}

gboolean
_hangar_ui_test_timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

typedef struct
{
  GtkWidget *widget;
  char      *path;
  gboolean   done;
} Screenshot;

/* Called when the widget has drawn; the paintable then holds its render node. */
static void
invalidate_contents_cb (GdkPaintable *paintable,
                        Screenshot   *shot)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gdk_paintable_get_intrinsic_width (paintable);
  int height = gdk_paintable_get_intrinsic_height (paintable);
  GskRenderer *renderer;

  if (shot->done)
    return;

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    return;

  renderer = gtk_native_get_renderer (gtk_widget_get_native (shot->widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, shot->path));
  shot->done = TRUE;
}

/* Console's kgx-test-gtk-utils.c way: paintable → the window's renderer → PNG in the build
 * dir. */
void
hangar_ui_test_save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  Screenshot shot = { widget, path, FALSE };
  gulong id;

  id = g_signal_connect (paintable, "invalidate-contents", G_CALLBACK (invalidate_contents_cb),
                         &shot);
  gtk_widget_queue_draw (widget);
  WAIT_UNTIL (shot.done);
  g_signal_handler_disconnect (paintable, id);
  g_test_message ("Screenshot: %s", path);
}

GtkWidget *
hangar_ui_test_find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = hangar_ui_test_find_descendant (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

void
hangar_ui_test_remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_remove (child);
    }
  g_rmdir (path);
}

