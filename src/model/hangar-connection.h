/* hangar-connection.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * HangarConnectionState:
 * @HANGAR_CONNECTION_STATE_DISCONNECTED: not connected; #HangarConnection:error says why, if it failed
 * @HANGAR_CONNECTION_STATE_CONNECTING: the first open is under way
 * @HANGAR_CONNECTION_STATE_CONNECTED: open, machine list current
 * @HANGAR_CONNECTION_STATE_RECONNECTING: the daemon went away; retrying with back-off
 */
typedef enum
{
  HANGAR_CONNECTION_STATE_DISCONNECTED,
  HANGAR_CONNECTION_STATE_CONNECTING,
  HANGAR_CONNECTION_STATE_CONNECTED,
  HANGAR_CONNECTION_STATE_RECONNECTING,
} HangarConnectionState;

#define HANGAR_TYPE_CONNECTION (hangar_connection_get_type ())

G_DECLARE_FINAL_TYPE (HangarConnection, hangar_connection, HANGAR, CONNECTION, GObject)

typedef struct _HangarMachine HangarMachine;

void                   hangar_event_loop_init               (void);

HangarConnection      *hangar_connection_new                (const char           *uri) G_GNUC_WARN_UNUSED_RESULT;
const char            *hangar_connection_get_uri            (HangarConnection     *self);
const char            *hangar_connection_get_title          (HangarConnection     *self);
HangarConnectionState  hangar_connection_get_state          (HangarConnection     *self);
const GError          *hangar_connection_get_error          (HangarConnection     *self);
const char            *hangar_connection_get_status         (HangarConnection     *self);
gboolean               hangar_connection_get_is_local       (HangarConnection     *self);
GListModel            *hangar_connection_get_machines       (HangarConnection     *self);
HangarMachine         *hangar_connection_lookup_machine     (HangarConnection     *self,
                                                             const char           *uuid);
HangarMachine         *hangar_connection_lookup_machine_by_name (HangarConnection *self,
                                                                 const char       *name);
void                   hangar_connection_set_keepalive      (HangarConnection     *self,
                                                             guint                 interval,
                                                             guint                 count);
void                   hangar_connection_open               (HangarConnection     *self);
void                   hangar_connection_close              (HangarConnection     *self);
void                   hangar_connection_reconnect_now      (HangarConnection     *self);
gboolean               hangar_validate_uri                  (const char           *uri,
                                                             GError              **error);

G_END_DECLS
