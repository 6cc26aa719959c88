/* hangar-console-uri.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  HANGAR_CONSOLE_PROTOCOL_VNC,
  HANGAR_CONSOLE_PROTOCOL_SPICE,
} HangarConsoleProtocol;

gboolean hangar_console_uri_parse (const char             *uri,
                                   HangarConsoleProtocol  *protocol,
                                   char                  **host,
                                   guint                  *port,
                                   GError                **error);

G_END_DECLS
