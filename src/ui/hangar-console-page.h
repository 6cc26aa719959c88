/* hangar-console-page.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hangar-display.h"
#include "hangar-machine.h"

G_BEGIN_DECLS

#define HANGAR_TYPE_CONSOLE_PAGE (hangar_console_page_get_type ())

G_DECLARE_FINAL_TYPE (HangarConsolePage, hangar_console_page, HANGAR, CONSOLE_PAGE, GtkWidget)

GtkWidget     *hangar_console_page_new          (void);
HangarMachine *hangar_console_page_get_machine  (HangarConsolePage *self);
void           hangar_console_page_set_machine  (HangarConsolePage *self,
                                                 HangarMachine     *machine);
HangarDisplay *hangar_console_page_get_display  (HangarConsolePage *self);
const char    *hangar_console_page_get_view     (HangarConsolePage *self);
GtkWindow     *hangar_console_page_get_detached_window (HangarConsolePage *self);
AdwMessageDialog *hangar_console_page_get_password_dialog (HangarConsolePage *self);
void           hangar_console_page_detach       (HangarConsolePage *self);
void           hangar_console_page_attach       (HangarConsolePage *self);

G_END_DECLS
