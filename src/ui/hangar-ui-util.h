/* hangar-ui-util.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void  hangar_ui_ensure_resources (void);
void  hangar_fix_button_name     (GtkWidget *button);
char *hangar_format_memory_kib (guint64       kib) G_GNUC_WARN_UNUSED_RESULT;
void  hangar_add_toast         (GtkWidget    *widget,
                                const char   *title);
void  hangar_show_error        (GtkWidget    *widget,
                                const char   *heading,
                                const GError *error);

G_END_DECLS
