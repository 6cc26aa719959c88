/* hangar-columns-layout.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HANGAR_TYPE_COLUMNS_LAYOUT (hangar_columns_layout_get_type ())

G_DECLARE_FINAL_TYPE (HangarColumnsLayout, hangar_columns_layout, HANGAR, COLUMNS_LAYOUT, GtkLayoutManager)

GtkLayoutManager *hangar_columns_layout_new (void) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
