/* hangar-machine-row.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "hangar-machine.h"

G_BEGIN_DECLS

#define HANGAR_TYPE_MACHINE_ROW (hangar_machine_row_get_type ())

G_DECLARE_FINAL_TYPE (HangarMachineRow, hangar_machine_row, HANGAR, MACHINE_ROW, GtkWidget)

HangarMachine *hangar_machine_row_get_machine (HangarMachineRow *self);
const char    *hangar_machine_row_get_text    (HangarMachineRow *self);
void           hangar_machine_row_set_machine (HangarMachineRow *self,
                                               HangarMachine    *machine);

G_END_DECLS
