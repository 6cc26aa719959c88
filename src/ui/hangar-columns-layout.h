/* hangar-columns-layout.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The machine list's columns, in order. */
typedef enum {
  HANGAR_COLUMN_NAME,
  HANGAR_COLUMN_STATE,
  HANGAR_COLUMN_MEMORY,
  HANGAR_COLUMN_VCPUS,
  HANGAR_COLUMN_OS,
  HANGAR_N_COLUMNS,
} HangarColumn;

/* Where each column goes in a row @width wide whose name needs @name_min. */
typedef struct {
  int      x[HANGAR_N_COLUMNS];
  int      width[HANGAR_N_COLUMNS];
  gboolean shown[HANGAR_N_COLUMNS];
} HangarColumnsPlacement;

int  hangar_columns_layout_name_min    (GtkWidget              *widget);
int  hangar_columns_layout_line_height (GtkWidget              *widget);
int  hangar_columns_layout_min_width   (GtkWidget              *widget,
                                        int                    *natural);
void hangar_columns_layout_place       (int                     width,
                                        int                     name_min,
                                        gboolean                rtl,
                                        HangarColumnsPlacement *placement);

G_END_DECLS
