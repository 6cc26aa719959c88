/* hangar-machine-page.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hangar-machine.h"

G_BEGIN_DECLS

#define HANGAR_TYPE_MACHINE_PAGE (hangar_machine_page_get_type ())

G_DECLARE_FINAL_TYPE (HangarMachinePage, hangar_machine_page, HANGAR, MACHINE_PAGE, GtkWidget)

HangarMachine *hangar_machine_page_get_machine      (HangarMachinePage *self);
void           hangar_machine_page_set_machine      (HangarMachinePage *self,
                                                     HangarMachine     *machine);
AdwViewStack  *hangar_machine_page_get_view_stack   (HangarMachinePage *self);
gboolean       hangar_machine_page_get_sampling     (HangarMachinePage *self);
gboolean       hangar_machine_page_get_details_loaded (HangarMachinePage *self);

G_END_DECLS
