/* hangar-window.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hangar-application.h"
#include "hangar-machine.h"

G_BEGIN_DECLS

#define HANGAR_TYPE_WINDOW (hangar_window_get_type ())

G_DECLARE_FINAL_TYPE (HangarWindow, hangar_window, HANGAR, WINDOW, AdwApplicationWindow)

HangarWindow     *hangar_window_new                     (HangarApplication *application)
                                                         G_GNUC_WARN_UNUSED_RESULT;
GListModel       *hangar_window_get_connections         (HangarWindow      *self);
HangarConnection *hangar_window_get_selected_connection (HangarWindow      *self);
GtkWidget        *hangar_window_get_machine_list        (HangarWindow      *self);
GtkWidget        *hangar_window_get_machine_page        (HangarWindow      *self);
void              hangar_window_show_machine            (HangarWindow      *self,
                                                         HangarMachine     *machine);
void              hangar_window_show_machines           (HangarWindow      *self);
void              hangar_window_show_console            (HangarWindow      *self,
                                                         const char        *name);

G_END_DECLS
