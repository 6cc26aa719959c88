/* hangar-vnc-session.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hangar-base-session.h"

G_BEGIN_DECLS

#define HANGAR_TYPE_VNC_SESSION (hangar_vnc_session_get_type ())

G_DECLARE_FINAL_TYPE (HangarVncSession, hangar_vnc_session, HANGAR, VNC_SESSION, HangarBaseSession)

HangarVncSession *hangar_vnc_session_new                  (void) G_GNUC_WARN_UNUSED_RESULT;
guint64           hangar_vnc_session_get_n_updates        (HangarVncSession *self);

G_END_DECLS
