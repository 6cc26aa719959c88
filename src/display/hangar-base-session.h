/* hangar-base-session.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hangar-console-session.h"
#include "hangar-display-error.h"

G_BEGIN_DECLS

#define HANGAR_TYPE_BASE_SESSION (hangar_base_session_get_type ())

/* Derivable: the state every HangarConsoleSession shares (its six properties, the first error,
 * the lock keys asked for), kept once for HangarVncSession and HangarSpiceSession. Subclasses
 * implement the protocol part of the interface with G_IMPLEMENT_INTERFACE on their own type. */
G_DECLARE_DERIVABLE_TYPE (HangarBaseSession, hangar_base_session, HANGAR, BASE_SESSION, GObject)

struct _HangarBaseSessionClass
{
  GObjectClass parent_class;

  /* "has-ext-keys": keys reach the guest as scancodes. Default: FALSE. */
  gboolean (*has_ext_keys) (HangarBaseSession *self);
};

HangarConsoleState  hangar_base_session_get_state          (HangarBaseSession  *self);
HangarFramebuffer  *hangar_base_session_get_framebuffer    (HangarBaseSession  *self);
gboolean            hangar_base_session_has_error          (HangarBaseSession  *self);
gboolean            hangar_base_session_clamp_to_framebuffer (HangarBaseSession *self,
                                                              int               *x,
                                                              int               *y);
void                hangar_base_session_begin              (HangarBaseSession  *self);
void                hangar_base_session_set_state          (HangarBaseSession  *self,
                                                            HangarConsoleState  state);
void                hangar_base_session_disconnected       (HangarBaseSession  *self);
gboolean            hangar_base_session_open_failed        (HangarBaseSession  *self,
                                                            GError            **error,
                                                            const char         *format,
                                                            ...) G_GNUC_PRINTF (3, 4);
void                hangar_base_session_set_error          (HangarBaseSession  *self,
                                                            GError             *error);
void                hangar_base_session_replace_error      (HangarBaseSession  *self,
                                                            GError             *error);
void                hangar_base_session_fail               (HangarBaseSession  *self,
                                                            HangarDisplayError  code,
                                                            const char         *format,
                                                            ...) G_GNUC_PRINTF (3, 4);
void                hangar_base_session_set_framebuffer    (HangarBaseSession  *self,
                                                            HangarFramebuffer  *framebuffer);
void                hangar_base_session_set_cursor         (HangarBaseSession  *self,
                                                            GdkCursor          *cursor);
void                hangar_base_session_set_absolute_pointer (HangarBaseSession *self,
                                                              gboolean           absolute);
int                 hangar_base_session_expected_locks     (HangarBaseSession  *self,
                                                            int                 guest);
void                hangar_base_session_locks_asked        (HangarBaseSession  *self,
                                                            HangarLocks         locks);
void                hangar_base_session_guest_locks        (HangarBaseSession  *self,
                                                            HangarLocks         guest);

G_END_DECLS
