/* hangar-machine-actions.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hangar-machine.h"

G_BEGIN_DECLS

void hangar_machine_actions_run    (GtkWidget           *widget,
                                    HangarMachine       *machine,
                                    HangarMachineAction  action);
void hangar_machine_actions_delete (GtkWidget           *widget,
                                    HangarMachine       *machine);

G_END_DECLS
