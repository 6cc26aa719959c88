/* hangar-add-connection-dialog.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HANGAR_TYPE_ADD_CONNECTION_DIALOG (hangar_add_connection_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HangarAddConnectionDialog, hangar_add_connection_dialog, HANGAR,
                      ADD_CONNECTION_DIALOG, AdwMessageDialog)

HangarAddConnectionDialog *hangar_add_connection_dialog_new       (GtkWindow *parent)
                                                                   G_GNUC_WARN_UNUSED_RESULT;
const char                *hangar_add_connection_dialog_get_error (HangarAddConnectionDialog *self);
void                       hangar_add_connection_dialog_set_uri   (HangarAddConnectionDialog *self,
                                                                   const char                *uri);

G_END_DECLS
