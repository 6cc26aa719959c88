/* hangar-cached-bin.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HANGAR_TYPE_CACHED_BIN (hangar_cached_bin_get_type ())

G_DECLARE_FINAL_TYPE (HangarCachedBin, hangar_cached_bin, HANGAR, CACHED_BIN, GtkWidget)

GtkWidget *hangar_cached_bin_new       (void);
void       hangar_cached_bin_set_child (HangarCachedBin *self,
                                        GtkWidget       *child);
GtkWidget *hangar_cached_bin_get_child (HangarCachedBin *self);

G_END_DECLS
