/* hangar-machine-list.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hangar-machine.h"

G_BEGIN_DECLS

#define HANGAR_TYPE_MACHINE_LIST (hangar_machine_list_get_type ())

G_DECLARE_FINAL_TYPE (HangarMachineList, hangar_machine_list, HANGAR, MACHINE_LIST, GtkWidget)

HangarConnection *hangar_machine_list_get_connection  (HangarMachineList *self);
void              hangar_machine_list_set_connection  (HangarMachineList *self,
                                                       HangarConnection  *connection);
GListModel       *hangar_machine_list_get_model       (HangarMachineList *self);
const char       *hangar_machine_list_get_view_name   (HangarMachineList *self);
gboolean          hangar_machine_list_get_search_mode (HangarMachineList *self);
void              hangar_machine_list_set_search_mode (HangarMachineList *self,
                                                       gboolean           search_mode);
void              hangar_machine_list_set_search_text (HangarMachineList *self,
                                                       const char        *text);
void              hangar_machine_list_focus           (HangarMachineList *self);
GtkWidget        *hangar_machine_list_get_row_menu    (HangarMachineList *self);

G_END_DECLS
