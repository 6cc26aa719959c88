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
#include "hangar-window.h"

struct _HangarApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (HangarApplication, hangar_application, ADW_TYPE_APPLICATION)

HangarApplication *
hangar_application_new (void)
{
  return g_object_new (HANGAR_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       NULL);
}

static void
hangar_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = g_object_new (HANGAR_TYPE_WINDOW, "application", app, NULL);

  gtk_window_present (window);
}

static void
hangar_application_class_init (HangarApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = hangar_application_activate;
}

static void
hangar_application_init (HangarApplication *self)
{
}
