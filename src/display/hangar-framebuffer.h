/* hangar-framebuffer.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The largest guest screen we accept in either direction, and in pixels overall. */
#define HANGAR_FRAMEBUFFER_MAX_SIDE   8192
#define HANGAR_FRAMEBUFFER_MAX_PIXELS (8192 * 8192)

/* See the measurements in hangar-framebuffer.c. */
#define HANGAR_FRAMEBUFFER_TILE_SIZE 512

typedef enum
{
  HANGAR_FRAMEBUFFER_NODES_AUTO,
  HANGAR_FRAMEBUFFER_NODES_CAIRO,
  HANGAR_FRAMEBUFFER_NODES_TEXTURE,
  HANGAR_FRAMEBUFFER_NODES_LIVE,
} HangarFramebufferNodes;

#define HANGAR_TYPE_FRAMEBUFFER (hangar_framebuffer_get_type ())

G_DECLARE_FINAL_TYPE (HangarFramebuffer, hangar_framebuffer, HANGAR, FRAMEBUFFER, GObject)

HangarFramebuffer *hangar_framebuffer_new           (guint                   width,
                                                     guint                   height,
                                                     GError                **error) G_GNUC_WARN_UNUSED_RESULT;
guint              hangar_framebuffer_get_width     (HangarFramebuffer      *self);
guint              hangar_framebuffer_get_height    (HangarFramebuffer      *self);
gsize              hangar_framebuffer_get_stride    (HangarFramebuffer      *self);
guint8            *hangar_framebuffer_get_data      (HangarFramebuffer      *self);
guint              hangar_framebuffer_get_n_tiles   (HangarFramebuffer      *self);
guint              hangar_framebuffer_get_n_dirty   (HangarFramebuffer      *self);
guint64            hangar_framebuffer_get_tiles_built (HangarFramebuffer    *self);
guint64            hangar_framebuffer_get_patches_built (HangarFramebuffer  *self);
void               hangar_framebuffer_damage        (HangarFramebuffer      *self,
                                                     int                     x,
                                                     int                     y,
                                                     int                     width,
                                                     int                     height);
void               hangar_framebuffer_write         (HangarFramebuffer      *self,
                                                     int                     x,
                                                     int                     y,
                                                     int                     width,
                                                     int                     height,
                                                     const guint8           *src,
                                                     gsize                   src_stride);
void               hangar_framebuffer_snapshot      (HangarFramebuffer      *self,
                                                     GtkSnapshot            *snapshot,
                                                     HangarFramebufferNodes  nodes,
                                                     double                  scale,
                                                     double                  x,
                                                     double                  y);

G_END_DECLS
