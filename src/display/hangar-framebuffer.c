/* hangar-framebuffer.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-framebuffer"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hangar-display-error.h"
#include "hangar-framebuffer.h"

/* A guest screen in memory we own: 32-bit B,G,R,X (X undefined), rows aligned to 64 bytes,
 * cut into 128×128 tiles (edge tiles clipped). Damage marks tiles dirty. Each tile keeps the
 * render node it was last drawn with; snapshot re-appends the kept node of every clean tile and
 * builds a new node only for dirty ones, so GTK's node diff repaints only what changed.
 *
 * Node kind (research/display.md §8, measured on GTK 4.8): the cairo renderer converts every
 * texture node pixel by pixel on every frame, so there each tile is a cairo node holding its own
 * RGB24 copy; the GL renderer uploads a texture once and caches it, so there each tile is a
 * memory texture.
 *
 * Tile size, measured with tests/bench/console-bench.sh (GSK_RENDERER=cairo, 1920×1080, 10 s):
 * a 96×24 box changing 30 times a second cost 0.26 CPU-s with 256-pixel tiles and 0.16 with
 * 128 (each change repaints and copies whole tiles); full motion cost the same per frame. */

typedef struct
{
  GskRenderNode          *node;
  /* The node moved and scaled into the view (or node itself at 1:1 without offset). */
  GskRenderNode          *placed;
  HangarFramebufferNodes  kind;
  gboolean                dirty;
} Tile;

struct _HangarFramebuffer
{
  GObject parent_instance;

  guint   width;
  guint   height;
  gsize   stride;
  /* Owned, 64-byte aligned, stride * height bytes; gvnc decodes straight into it. */
  guint8 *data;

  guint   tiles_x;
  guint   tiles_y;
  Tile   *tiles;
  guint   n_dirty;
  /* The view the placed nodes were made for. */
  double  placed_scale;
  double  placed_x;
  double  placed_y;
  /* Tiles whose node was (re)built, for tests and the benchmark. */
  guint64 tiles_built;
};

G_DEFINE_FINAL_TYPE (HangarFramebuffer, hangar_framebuffer, G_TYPE_OBJECT)

enum {
  DAMAGED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void
hangar_framebuffer_finalize (GObject *object)
{
  HangarFramebuffer *self = (HangarFramebuffer *)object;

  for (guint i = 0; i < self->tiles_x * self->tiles_y; i++)
    {
      g_clear_pointer (&self->tiles[i].node, gsk_render_node_unref);
      g_clear_pointer (&self->tiles[i].placed, gsk_render_node_unref);
    }
  g_clear_pointer (&self->tiles, g_free);
  g_clear_pointer (&self->data, g_aligned_free);

  G_OBJECT_CLASS (hangar_framebuffer_parent_class)->finalize (object);
}

static void
hangar_framebuffer_class_init (HangarFramebufferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hangar_framebuffer_finalize;

  /**
   * HangarFramebuffer::damaged:
   *
   * Emitted after hangar_framebuffer_damage() marked tiles dirty.
   */
  signals[DAMAGED] =
    g_signal_new ("damaged",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
}

static void
hangar_framebuffer_init (HangarFramebuffer *self)
{
}

/**
 * hangar_framebuffer_new:
 * @width: guest screen width in pixels
 * @height: guest screen height in pixels
 * @error: a location for an error
 *
 * Returns: (transfer full): a black framebuffer, or %NULL with %HANGAR_DISPLAY_ERROR_BAD_SIZE
 *   when the size is empty or larger than %HANGAR_FRAMEBUFFER_MAX_SIDE / _MAX_PIXELS.
 */
HangarFramebuffer *
hangar_framebuffer_new (guint    width,
                        guint    height,
                        GError **error)
{
  g_autoptr(HangarFramebuffer) self = NULL;

  if (width == 0 || height == 0)
    {
      g_set_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_BAD_SIZE,
                   _("The remote screen is empty (%u×%u pixels)"), width, height);
      return NULL;
    }
  if (width > HANGAR_FRAMEBUFFER_MAX_SIDE || height > HANGAR_FRAMEBUFFER_MAX_SIDE ||
      (guint64) width * height > HANGAR_FRAMEBUFFER_MAX_PIXELS)
    {
      g_set_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_BAD_SIZE,
                   _("The remote screen is too large (%u×%u pixels; at most %u×%u)"),
                   width, height, HANGAR_FRAMEBUFFER_MAX_SIDE, HANGAR_FRAMEBUFFER_MAX_SIDE);
      return NULL;
    }

  self = g_object_new (HANGAR_TYPE_FRAMEBUFFER, NULL);
  self->width = width;
  self->height = height;
  self->stride = ((gsize) width * 4 + 63) & ~(gsize) 63;
  self->data = g_aligned_alloc0 (height, self->stride, 64);
  self->tiles_x = (width + HANGAR_FRAMEBUFFER_TILE_SIZE - 1) / HANGAR_FRAMEBUFFER_TILE_SIZE;
  self->tiles_y = (height + HANGAR_FRAMEBUFFER_TILE_SIZE - 1) / HANGAR_FRAMEBUFFER_TILE_SIZE;
  self->tiles = g_new0 (Tile, self->tiles_x * self->tiles_y);
  for (guint i = 0; i < self->tiles_x * self->tiles_y; i++)
    self->tiles[i].dirty = TRUE;
  self->n_dirty = self->tiles_x * self->tiles_y;

  return g_steal_pointer (&self);
}

guint
hangar_framebuffer_get_width (HangarFramebuffer *self)
{
  g_return_val_if_fail (HANGAR_IS_FRAMEBUFFER (self), 0);

  return self->width;
}

guint
hangar_framebuffer_get_height (HangarFramebuffer *self)
{
  g_return_val_if_fail (HANGAR_IS_FRAMEBUFFER (self), 0);

  return self->height;
}

gsize
hangar_framebuffer_get_stride (HangarFramebuffer *self)
{
  g_return_val_if_fail (HANGAR_IS_FRAMEBUFFER (self), 0);

  return self->stride;
}

/**
 * hangar_framebuffer_get_data:
 *
 * Returns: (transfer none): the pixels, B,G,R,X per pixel, get_stride() bytes per row. Whoever
 *   writes into them must call hangar_framebuffer_damage() for the area written.
 */
guint8 *
hangar_framebuffer_get_data (HangarFramebuffer *self)
{
  g_return_val_if_fail (HANGAR_IS_FRAMEBUFFER (self), NULL);

  return self->data;
}

guint
hangar_framebuffer_get_n_tiles (HangarFramebuffer *self)
{
  g_return_val_if_fail (HANGAR_IS_FRAMEBUFFER (self), 0);

  return self->tiles_x * self->tiles_y;
}

guint
hangar_framebuffer_get_n_dirty (HangarFramebuffer *self)
{
  g_return_val_if_fail (HANGAR_IS_FRAMEBUFFER (self), 0);

  return self->n_dirty;
}

guint64
hangar_framebuffer_get_tiles_built (HangarFramebuffer *self)
{
  g_return_val_if_fail (HANGAR_IS_FRAMEBUFFER (self), 0);

  return self->tiles_built;
}

/* Clips a rectangle to the framebuffer; FALSE if nothing is left. */
static gboolean
clip_rect (HangarFramebuffer *self,
           int               *x,
           int               *y,
           int               *width,
           int               *height)
{
  int x1 = CLAMP (*x, 0, (int) self->width);
  int y1 = CLAMP (*y, 0, (int) self->height);
  int x2 = CLAMP ((gint64) *x + *width, 0, (int) self->width);
  int y2 = CLAMP ((gint64) *y + *height, 0, (int) self->height);

  if (x2 <= x1 || y2 <= y1)
    return FALSE;

  *x = x1;
  *y = y1;
  *width = x2 - x1;
  *height = y2 - y1;
  return TRUE;
}

/**
 * hangar_framebuffer_damage:
 *
 * Marks the tiles under a rectangle (clipped to the screen) as changed and emits
 * #HangarFramebuffer::damaged.
 */
void
hangar_framebuffer_damage (HangarFramebuffer *self,
                           int                x,
                           int                y,
                           int                width,
                           int                height)
{
  guint tx1, ty1, tx2, ty2;

  g_return_if_fail (HANGAR_IS_FRAMEBUFFER (self));

  if (!clip_rect (self, &x, &y, &width, &height))
    return;

  tx1 = x / HANGAR_FRAMEBUFFER_TILE_SIZE;
  ty1 = y / HANGAR_FRAMEBUFFER_TILE_SIZE;
  tx2 = (x + width - 1) / HANGAR_FRAMEBUFFER_TILE_SIZE;
  ty2 = (y + height - 1) / HANGAR_FRAMEBUFFER_TILE_SIZE;

  for (guint ty = ty1; ty <= ty2; ty++)
    for (guint tx = tx1; tx <= tx2; tx++)
      {
        Tile *tile = &self->tiles[ty * self->tiles_x + tx];

        if (!tile->dirty)
          {
            tile->dirty = TRUE;
            self->n_dirty++;
          }
      }

  g_signal_emit (self, signals[DAMAGED], 0, x, y, width, height);
}

/**
 * hangar_framebuffer_write:
 * @src: B,G,R,X pixels of the rectangle
 * @src_stride: bytes per row of @src
 *
 * Copies a rectangle into the framebuffer (clipped) and damages it. For sessions whose library
 * keeps its own surface (SPICE).
 */
void
hangar_framebuffer_write (HangarFramebuffer *self,
                          int                x,
                          int                y,
                          int                width,
                          int                height,
                          const guint8      *src,
                          gsize              src_stride)
{
  int cx = x, cy = y, cw = width, ch = height;

  g_return_if_fail (HANGAR_IS_FRAMEBUFFER (self));
  g_return_if_fail (src != NULL);

  if (!clip_rect (self, &cx, &cy, &cw, &ch))
    return;

  src += (gsize) (cy - y) * src_stride + (gsize) (cx - x) * 4;
  for (int row = 0; row < ch; row++)
    memcpy (self->data + (gsize) (cy + row) * self->stride + (gsize) cx * 4,
            src + (gsize) row * src_stride,
            (gsize) cw * 4);

  hangar_framebuffer_damage (self, cx, cy, cw, ch);
}

static GskRenderNode *
build_cairo_tile (HangarFramebuffer     *self,
                  const graphene_rect_t *bounds)
{
  int x = bounds->origin.x, y = bounds->origin.y;
  int w = bounds->size.width, h = bounds->size.height;
  cairo_surface_t *surface;
  GskRenderNode *node;
  cairo_t *cr;
  guint8 *dst;
  int dst_stride;

  /* A private copy: the node must not change when the guest draws into our buffer later. */
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  dst = cairo_image_surface_get_data (surface);
  dst_stride = cairo_image_surface_get_stride (surface);
  for (int row = 0; row < h; row++)
    memcpy (dst + (gsize) row * dst_stride,
            self->data + (gsize) (y + row) * self->stride + (gsize) x * 4,
            (gsize) w * 4);
  cairo_surface_mark_dirty (surface);

  node = gsk_cairo_node_new (bounds);
  cr = gsk_cairo_node_get_draw_context (node);
  cairo_set_source_surface (cr, surface, x, y);
  /* PAD, not NONE: when the view is scaled, the edge pixels of a tile blend with their own copy
   * rather than with transparency, so no dark seams appear between tiles. */
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_rectangle (cr, x, y, w, h);
  cairo_fill (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  return node;
}

static GskRenderNode *
build_texture_tile (HangarFramebuffer     *self,
                    const graphene_rect_t *bounds)
{
  int x = bounds->origin.x, y = bounds->origin.y;
  int w = bounds->size.width, h = bounds->size.height;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint32 *dst;

  /* Copy and force the 4th byte to 0xFF: on GTK 4.8 there is no B8G8R8X8 memory format, and
   * an undefined alpha in a premultiplied texture would blend with what is behind it. */
  dst = g_malloc ((gsize) w * h * 4);
  for (int row = 0; row < h; row++)
    {
      const guint32 *src = (const guint32 *) (self->data + (gsize) (y + row) * self->stride) + x;
      guint32 *out = dst + (gsize) row * w;

      for (int col = 0; col < w; col++)
        out[col] = GUINT32_TO_LE (GUINT32_FROM_LE (src[col]) | 0xff000000u);
    }
  bytes = g_bytes_new_take (dst, (gsize) w * h * 4);
  texture = gdk_memory_texture_new (w, h, GDK_MEMORY_B8G8R8A8_PREMULTIPLIED, bytes, (gsize) w * 4);

  return gsk_texture_node_new (texture, bounds);
}

static GskRenderNode *
place_tile (GskRenderNode *node,
            double         scale,
            double         x,
            double         y)
{
  g_autoptr(GskTransform) transform = NULL;

  if (scale == 1.0 && x == 0.0 && y == 0.0)
    return gsk_render_node_ref (node);

  transform = gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (x, y));
  transform = gsk_transform_scale (transform, scale, scale);
  return gsk_transform_node_new (node, transform);
}

/**
 * hangar_framebuffer_snapshot:
 * @nodes: the node kind for rebuilt tiles; never %HANGAR_FRAMEBUFFER_NODES_AUTO here
 * @scale: view pixels per framebuffer pixel
 * @x: where the framebuffer's left edge goes
 * @y: where its top edge goes
 *
 * Appends the screen, one node per tile. Clean tiles reuse their node; dirty tiles (and all
 * tiles when @nodes changed) get a new one.
 *
 * Each tile carries its own transform (kept with it) rather than one transform around all tiles:
 * GTK 4.8 cannot diff a transform node whose transform scales, so a shared scaled transform
 * makes every frame repaint the whole view; per-tile nodes that stay the same object are skipped
 * by the diff.
 */
void
hangar_framebuffer_snapshot (HangarFramebuffer      *self,
                             GtkSnapshot            *snapshot,
                             HangarFramebufferNodes  nodes,
                             double                  scale,
                             double                  x,
                             double                  y)
{
  gboolean new_view;

  g_return_if_fail (HANGAR_IS_FRAMEBUFFER (self));
  g_return_if_fail (GTK_IS_SNAPSHOT (snapshot));
  g_return_if_fail (nodes != HANGAR_FRAMEBUFFER_NODES_AUTO);
  g_return_if_fail (scale > 0);

  new_view = scale != self->placed_scale || x != self->placed_x || y != self->placed_y;
  self->placed_scale = scale;
  self->placed_x = x;
  self->placed_y = y;

  for (guint ty = 0; ty < self->tiles_y; ty++)
    for (guint tx = 0; tx < self->tiles_x; tx++)
      {
        Tile *tile = &self->tiles[ty * self->tiles_x + tx];

        if (tile->dirty || tile->node == NULL || tile->kind != nodes)
          {
            graphene_rect_t bounds;
            guint bx = tx * HANGAR_FRAMEBUFFER_TILE_SIZE;
            guint by = ty * HANGAR_FRAMEBUFFER_TILE_SIZE;

            graphene_rect_init (&bounds, bx, by,
                                MIN (HANGAR_FRAMEBUFFER_TILE_SIZE, self->width - bx),
                                MIN (HANGAR_FRAMEBUFFER_TILE_SIZE, self->height - by));
            g_clear_pointer (&tile->node, gsk_render_node_unref);
            g_clear_pointer (&tile->placed, gsk_render_node_unref);
            if (nodes == HANGAR_FRAMEBUFFER_NODES_CAIRO)
              tile->node = build_cairo_tile (self, &bounds);
            else
              tile->node = build_texture_tile (self, &bounds);
            tile->kind = nodes;
            self->tiles_built++;
            if (tile->dirty)
              {
                tile->dirty = FALSE;
                self->n_dirty--;
              }
          }

        if (tile->placed == NULL || new_view)
          {
            g_clear_pointer (&tile->placed, gsk_render_node_unref);
            tile->placed = place_tile (tile->node, scale, x, y);
          }

        gtk_snapshot_append_node (snapshot, tile->placed);
      }
}
