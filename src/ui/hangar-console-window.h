/* hangar-console-window.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HANGAR_TYPE_CONSOLE_WINDOW (hangar_console_window_get_type ())

G_DECLARE_FINAL_TYPE (HangarConsoleWindow, hangar_console_window, HANGAR, CONSOLE_WINDOW, AdwWindow)

GtkWindow *hangar_console_window_new (GtkApplication *app,
                                      const char     *uri);

G_END_DECLS
