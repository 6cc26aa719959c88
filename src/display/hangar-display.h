/* hangar-display.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "hangar-console-session.h"
#include "hangar-framebuffer.h"

G_BEGIN_DECLS

#define HANGAR_TYPE_DISPLAY (hangar_display_get_type ())

G_DECLARE_FINAL_TYPE (HangarDisplay, hangar_display, HANGAR, DISPLAY, GtkWidget)

GtkWidget            *hangar_display_new               (void);
HangarConsoleSession *hangar_display_get_session       (HangarDisplay        *self);
void                  hangar_display_set_session       (HangarDisplay        *self,
                                                        HangarConsoleSession *session);
gboolean              hangar_display_get_scale_to_fit  (HangarDisplay        *self);
void                  hangar_display_set_scale_to_fit  (HangarDisplay        *self,
                                                        gboolean              scale_to_fit);
HangarFramebufferNodes hangar_display_get_nodes        (HangarDisplay        *self);
void                  hangar_display_set_nodes         (HangarDisplay        *self,
                                                        HangarFramebufferNodes nodes);
gboolean              hangar_display_get_resize_guest  (HangarDisplay        *self);
void                  hangar_display_set_resize_guest  (HangarDisplay        *self,
                                                        gboolean              resize_guest);
gboolean              hangar_display_get_grabbed       (HangarDisplay        *self);
void                  hangar_display_release_grab      (HangarDisplay        *self);
void                  hangar_display_send_keys         (HangarDisplay        *self,
                                                        const guint          *qnums,
                                                        guint                 n_qnums);
gboolean              hangar_display_widget_to_guest   (HangarDisplay        *self,
                                                        double                x,
                                                        double                y,
                                                        int                  *guest_x,
                                                        int                  *guest_y);
void                  hangar_display_get_view          (HangarDisplay        *self,
                                                        double               *scale,
                                                        double               *offset_x,
                                                        double               *offset_y);
guint64               hangar_display_get_n_frames      (HangarDisplay        *self);

G_END_DECLS
