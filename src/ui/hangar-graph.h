/* hangar-graph.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HANGAR_TYPE_GRAPH (hangar_graph_get_type ())

G_DECLARE_FINAL_TYPE (HangarGraph, hangar_graph, HANGAR, GRAPH, GtkWidget)

GtkWidget *hangar_graph_new        (void) G_GNUC_WARN_UNUSED_RESULT;
void       hangar_graph_add_value  (HangarGraph *self,
                                    double       value);
void       hangar_graph_clear      (HangarGraph *self);
guint      hangar_graph_get_n_values (HangarGraph *self);

G_END_DECLS
