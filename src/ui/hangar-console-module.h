/* hangar-console-module.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GType      hangar_console_module_get_page_type (GError         **error);
GtkWindow *hangar_console_module_new_window    (GtkApplication  *app,
                                                const char      *uri,
                                                GError         **error);

G_END_DECLS
