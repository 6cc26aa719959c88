/* hangar-spice-session.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hangar-base-session.h"

G_BEGIN_DECLS

#define HANGAR_TYPE_SPICE_SESSION (hangar_spice_session_get_type ())

G_DECLARE_FINAL_TYPE (HangarSpiceSession, hangar_spice_session, HANGAR, SPICE_SESSION, HangarBaseSession)

HangarSpiceSession *hangar_spice_session_new        (void) G_GNUC_WARN_UNUSED_RESULT;
void                hangar_spice_session_channel_fd (HangarSpiceSession *self,
                                                     guint               request,
                                                     int                 fd);

G_END_DECLS
