/* hangar-connection-private.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "hangar-connection.h"
#include "hangar-machine.h"

G_BEGIN_DECLS

void      _hangar_connection_refresh_machine (HangarConnection *self,
                                              const char       *uuid);
void      _hangar_connection_queue_summary   (HangarConnection *self,
                                              HangarMachine    *machine);
void      _hangar_connection_lost            (HangarConnection *self,
                                              const GError     *error);
GError   *_hangar_connection_open_error      (const char       *uri) G_GNUC_WARN_UNUSED_RESULT;
GError   *_hangar_connection_describe_open_error (const char     *uri,
                                                  const virError *err) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
