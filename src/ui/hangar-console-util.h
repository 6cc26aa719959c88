/* hangar-console-util.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hangar-display.h"

G_BEGIN_DECLS

/* Pieces shared by the console page (a machine's Console tab) and console windows. */

typedef void (*HangarConsolePasswordFunc) (gpointer    user_data,
                                           gboolean    accepted,
                                           const char *username,
                                           const char *password);

GMenuModel       *hangar_console_send_keys_menu_new (const char                *action_name)
                                                     G_GNUC_WARN_UNUSED_RESULT;
gboolean          hangar_console_send_named_keys    (HangarDisplay             *display,
                                                     const char                *name);
AdwMessageDialog *hangar_console_ask_password       (GtkWindow                 *parent,
                                                     const char                *body,
                                                     gboolean                   need_username,
                                                     HangarConsolePasswordFunc  func,
                                                     GObject                   *owner);
void              hangar_console_clear_password_dialog (AdwMessageDialog        **dialog);

G_END_DECLS
