/* hangar-display-private.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hangar-display.h"

G_BEGIN_DECLS

/* The key and pointer paths of HangarDisplay, for tests that cannot synthesize GDK events. */
gboolean _hangar_display_key_event     (HangarDisplay   *self,
                                        gboolean         down,
                                        guint            keyval,
                                        guint            keycode,
                                        GdkModifierType  state);
void     _hangar_display_button_event  (HangarDisplay   *self,
                                        gboolean         down,
                                        guint            button,
                                        double           x,
                                        double           y);
void     _hangar_display_motion_event  (HangarDisplay   *self,
                                        double           x,
                                        double           y);
void     _hangar_display_scroll_event  (HangarDisplay      *self,
                                        GdkScrollDirection  direction,
                                        double              x,
                                        double              y);
void     _hangar_display_set_grabbed   (HangarDisplay   *self,
                                        gboolean         grabbed);
/* The client's lock keys as HangarLocks bits, from the keyboard device; tests set them with
 * _hangar_display_set_client_locks (-1: the device again). */
int      _hangar_display_get_client_locks (HangarDisplay *self);
void     _hangar_display_set_client_locks (HangarDisplay *self,
                                           int            locks);

G_END_DECLS
