/* hangar-display.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HANGAR_TYPE_DISPLAY (hangar_display_get_type ())

G_DECLARE_FINAL_TYPE (HangarDisplay, hangar_display, HANGAR, DISPLAY, GtkWidget)

G_END_DECLS
