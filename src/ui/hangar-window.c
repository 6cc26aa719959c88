/* hangar-window.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-window"

#include "config.h"

#include <glib/gi18n.h>

#include "hangar-window.h"

struct _HangarWindow
{
  AdwApplicationWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (HangarWindow, hangar_window, ADW_TYPE_APPLICATION_WINDOW)

static void
hangar_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), HANGAR_TYPE_WINDOW);

  G_OBJECT_CLASS (hangar_window_parent_class)->dispose (object);
}

static void
hangar_window_class_init (HangarWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hangar_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/ui/hangar-window.ui");
}

static void
hangar_window_init (HangarWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
