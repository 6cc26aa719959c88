/* hangar-ui-util.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-ui-util"

#include "config.h"

#include <glib/gi18n.h>

#include "hangar-resources.h"
#include "hangar-ui-util.h"

/* The templates live in a GResource compiled into this static library. Nothing else refers
 * to it, so without this reference the linker would leave it (and its constructor) out. */
void
hangar_ui_ensure_resources (void)
{
  static GResource *resource;

  if (resource == NULL)
    resource = hangar_get_resource ();
}

/* GTK 4.8 names a labelled button twice: its label property ("_Start") and the child label it is
 * labelled by ("Start"), so a screen reader hears "Start Start". With an accessible label set in
 * the template, dropping the relation leaves one clean name. */
void
hangar_fix_button_name (GtkWidget *button)
{
  g_return_if_fail (GTK_IS_WIDGET (button));

  gtk_accessible_reset_relation (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

/* Memory as people read it: "512 MiB", "4 GiB", "1.5 GiB". libvirt counts in KiB. */
char *
hangar_format_memory_kib (guint64 kib)
{
  if (kib == 0)
    return g_strdup ("—");
  if (kib < 1024 * 1024)
    return g_strdup_printf (_("%llu MiB"), (unsigned long long) (kib / 1024));
  if (kib % (1024 * 1024) == 0)
    return g_strdup_printf (_("%llu GiB"), (unsigned long long) (kib / (1024 * 1024)));
  return g_strdup_printf (_("%.1f GiB"), kib / (1024.0 * 1024.0));
}

/* Shows a non-blocking message in the nearest AdwToastOverlay above @widget. */
void
hangar_add_toast (GtkWidget  *widget,
                  const char *title)
{
  g_autofree char *escaped = NULL;
  GtkWidget *overlay;
  AdwToast *toast;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (title != NULL);

  overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  if (overlay == NULL && ADW_IS_APPLICATION_WINDOW (gtk_widget_get_root (widget)))
    {
      AdwApplicationWindow *window = ADW_APPLICATION_WINDOW (gtk_widget_get_root (widget));

      /* Called with the window itself: the overlay is its content. */
      overlay = adw_application_window_get_content (window);
      if (!ADW_IS_TOAST_OVERLAY (overlay))
        overlay = NULL;
    }
  if (overlay == NULL)
    {
      g_message ("%s", title);
      return;
    }

  /* AdwToast 1.2 always parses its title as markup; names may hold < & >. */
  escaped = g_markup_escape_text (title, -1);
  toast = adw_toast_new (escaped);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

/* An error that blocks what the user asked for: a dialog with the model's sentence. */
void
hangar_show_error (GtkWidget    *widget,
                   const char   *heading,
                   const GError *error)
{
  GtkRoot *root;
  GtkWidget *dialog;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (heading != NULL);
  g_return_if_fail (error != NULL);

  g_debug ("%s: %s", heading, error->message);

  root = gtk_widget_get_root (widget);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   heading, error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}
