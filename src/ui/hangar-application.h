/* hangar-application.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hangar-connection.h"

G_BEGIN_DECLS

#define HANGAR_TYPE_APPLICATION (hangar_application_get_type ())

G_DECLARE_FINAL_TYPE (HangarApplication, hangar_application, HANGAR, APPLICATION, AdwApplication)

HangarApplication *hangar_application_new                (void) G_GNUC_WARN_UNUSED_RESULT;
GListModel        *hangar_application_get_connections    (HangarApplication *self);
const char        *hangar_application_get_show_console   (HangarApplication *self);
HangarConnection  *hangar_application_add_connection     (HangarApplication *self,
                                                          const char        *uri,
                                                          gboolean           remember);
void               hangar_application_remove_connection  (HangarApplication *self,
                                                          HangarConnection  *connection);

G_END_DECLS
