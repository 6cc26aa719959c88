/* hangar-display.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-display"

#include "config.h"

#include "hangar-display.h"

struct _HangarDisplay
{
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (HangarDisplay, hangar_display, GTK_TYPE_WIDGET)

static void
hangar_display_class_init (HangarDisplayClass *klass)
{
}

static void
hangar_display_init (HangarDisplay *self)
{
}
