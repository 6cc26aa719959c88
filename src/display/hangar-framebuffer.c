/* hangar-framebuffer.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-framebuffer"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "hangar-display-error.h"
#include "hangar-framebuffer.h"

/* A guest screen in memory we own: 32-bit B,G,R,X (X undefined), rows aligned to 64 bytes,
 * cut into 512×512 tiles (edge tiles clipped). Damage marks tiles dirty, or for a part of a
 * tile adds a patch (see hangar_framebuffer_snapshot). Each tile keeps the render node it was
 * last drawn with; snapshot re-appends the kept node of every clean tile and builds new nodes
 * only for what changed, so GTK's node diff repaints only that.
 *
 * Node kind (research/display.md §8, measured on GTK 4.8): the cairo renderer converts every
 * texture node pixel by pixel on every frame, so there each tile is a cairo node holding its own
 * RGB24 copy; the GL renderer uploads a texture once and caches it, so there each tile is a
 * memory texture.
 *
 * Tile size: GTK 4.8's cairo renderer draws every node of the tree on every frame (no culling;
 * cairo clips), so each tile costs on every frame, changed or not. With patches a small change
 * no longer costs a whole tile, so fewer, larger tiles win: callgrind, 96×24 box changing 30
 * times a second on 1920×1080 (135 / 40 / 12 tiles): 1.06 M instructions a frame with 128-pixel
 * tiles, 0.75 M with 256, 0.62 M with 512; full motion the same per pixel. (Before patches, 128
 * beat 256: each change then repainted and copied whole tiles.)
 *
 * Live nodes (HANGAR_FRAMEBUFFER_NODES_LIVE, what HangarDisplay uses under the cairo renderer):
 * no tiles and no copies at all. One cairo node covers the screen and draws our pixels as they
 * are when GTK draws it (a raster source over the framebuffer itself); it stays the same object
 * from frame to frame, so GTK's diff never repaints for it. What changed since the last
 * snapshot is told to GTK by marks: empty cairo nodes over the changed rectangles, new objects
 * every frame, which GTK's diff sees as changed and repaints (the live node drawing the new
 * pixels there). Why that is enough:
 * - GTK draws a frame in the same main loop iteration as its snapshot, and every writer of the
 *   pixels (gvnc's decoder, hangar_framebuffer_write) runs on the main thread and damages what
 *   it wrote, so a repaint never shows pixels that no mark covers;
 * - a snapshot consumes the changes, and GTK keeps a widget's node until the widget queues a
 *   draw, so a snapshot taken outside a frame (a GtkWidgetPaintable) hands its marks to the next
 *   frame through that kept node;
 * - whatever else makes GTK repaint (an expose, the window mapped again) draws the current
 *   pixels, which is right.
 * tests/display/test-framebuffer-live.c repaints frames clipped to the marks and compares them
 * with whole frames. Measured with callgrind, a 96×24 box changing 30 times a second on
 * 1920×1080 (the whole console window, GSK_RENDERER=cairo): 0.25 M instructions a frame
 * against 0.35 M with 512-pixel tiles and patches (twelve tile nodes drawn each frame, the
 * patch drawn over its tile); full motion copies each frame once less. */

/* A part of a tile that changed since the tile's node was built: its own small node, drawn
 * over the tile. */
typedef struct
{
  cairo_rectangle_int_t  rect;
  GskRenderNode         *node;
  GskRenderNode         *placed;
} Patch;

typedef struct
{
  GskRenderNode          *node;
  /* The node moved and scaled into the view (or node itself at 1:1 without offset). */
  GskRenderNode          *placed;
  /* What the snapshot appends: a container of placed and the patches' placed nodes, oldest
   * first; NULL when it has to be made again. */
  GskRenderNode          *shown;
  HangarFramebufferNodes  kind;
  /* The whole tile changed: rebuild its node. */
  gboolean                dirty;
  /* Parts that changed (guest pixels), or NULL: they become patches. */
  cairo_region_t         *pending;
  /* Patch *, oldest first. */
  GPtrArray              *patches;
} Tile;

/* A tile with more patches than this, or patches over half its area, is rebuilt instead. */
#define MAX_PATCHES 8

struct _HangarFramebuffer
{
  GObject parent_instance;

  guint   width;
  guint   height;
  gsize   stride;
  /* 64-byte aligned, stride * height bytes; gvnc decodes straight into it. Owned by pixels,
   * which live nodes share. */
  guint8 *data;
  struct _Pixels *pixels;

  guint   tiles_x;
  guint   tiles_y;
  Tile   *tiles;
  guint   n_dirty;
  /* The view the placed nodes were made for. */
  double  placed_scale;
  double  placed_x;
  double  placed_y;
  /* Tiles whose node was (re)built, and patches built, for tests and the benchmark. */
  guint64 tiles_built;
  guint64 patches_built;

  /* Live nodes: the node over the whole screen, placed into the view, and what changed since
   * the last snapshot (guest pixels; NULL when nothing did). */
  GskRenderNode  *live_node;
  GskRenderNode  *live_placed;
  cairo_region_t *live_damage;
};

G_DEFINE_FINAL_TYPE (HangarFramebuffer, hangar_framebuffer, G_TYPE_OBJECT)

enum {
  DAMAGED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

/* Pixels that cairo nodes draw from, counted because a node may outlive what made them (GTK
 * keeps the last frame's nodes): the framebuffer's own (shared with the live nodes drawn from
 * them), or one tile's private copy (see build_cairo_tile ()). */
typedef struct _Pixels
{
  gatomicrefcount  ref;
  guint8          *data;
  GDestroyNotify   free_data;
  cairo_surface_t *surface;
} Pixels;

/* Takes @data, which @free_data frees. */
static Pixels *
pixels_new (guint8         *data,
            GDestroyNotify  free_data,
            int             width,
            int             height,
            int             stride)
{
  Pixels *pixels = g_new0 (Pixels, 1);

  g_atomic_ref_count_init (&pixels->ref);
  pixels->data = data;
  pixels->free_data = free_data;
  /* RGB24: the 4th byte is never read. */
  pixels->surface = cairo_image_surface_create_for_data (data, CAIRO_FORMAT_RGB24, width, height, stride);
  return pixels;
}

static Pixels *
pixels_ref (Pixels *pixels)
{
  g_atomic_ref_count_inc (&pixels->ref);
  return pixels;
}

static void
pixels_unref (Pixels *pixels)
{
  if (!g_atomic_ref_count_dec (&pixels->ref))
    return;

  cairo_surface_destroy (pixels->surface);
  pixels->free_data (pixels->data);
  g_free (pixels);
}

/* A raster-source pattern's callbacks: each copy of the pattern holds a reference. */
static void
pixels_release (cairo_pattern_t *pattern,
                void            *data,
                cairo_surface_t *surface)
{
  cairo_surface_destroy (surface);
}

static cairo_status_t
pixels_copy (cairo_pattern_t       *pattern,
             void                  *data,
             const cairo_pattern_t *other)
{
  pixels_ref (data);
  return CAIRO_STATUS_SUCCESS;
}

static void
pixels_finish (cairo_pattern_t *pattern,
               void            *data)
{
  pixels_unref (data);
}

/* A raster source over @pixels (referenced), with @acquire. */
static cairo_pattern_t *
pixels_pattern_new (Pixels                             *pixels,
                    cairo_raster_source_acquire_func_t  acquire,
                    int                                 width,
                    int                                 height)
{
  cairo_pattern_t *pattern;

  pattern = cairo_pattern_create_raster_source (pixels_ref (pixels), CAIRO_CONTENT_COLOR,
                                                width, height);
  cairo_raster_source_pattern_set_acquire (pattern, acquire, pixels_release);
  cairo_raster_source_pattern_set_copy (pattern, pixels_copy);
  cairo_raster_source_pattern_set_finish (pattern, pixels_finish);
  return pattern;
}

static void
patch_free (gpointer data)
{
  Patch *patch = data;

  g_clear_pointer (&patch->node, gsk_render_node_unref);
  g_clear_pointer (&patch->placed, gsk_render_node_unref);
  g_free (patch);
}

static void
hangar_framebuffer_finalize (GObject *object)
{
  HangarFramebuffer *self = (HangarFramebuffer *)object;

  for (guint i = 0; i < self->tiles_x * self->tiles_y; i++)
    {
      g_clear_pointer (&self->tiles[i].node, gsk_render_node_unref);
      g_clear_pointer (&self->tiles[i].placed, gsk_render_node_unref);
      g_clear_pointer (&self->tiles[i].shown, gsk_render_node_unref);
      g_clear_pointer (&self->tiles[i].pending, cairo_region_destroy);
      g_clear_pointer (&self->tiles[i].patches, g_ptr_array_unref);
    }
  g_clear_pointer (&self->tiles, g_free);
  g_clear_pointer (&self->live_node, gsk_render_node_unref);
  g_clear_pointer (&self->live_placed, gsk_render_node_unref);
  g_clear_pointer (&self->live_damage, cairo_region_destroy);
  self->data = NULL;
  g_clear_pointer (&self->pixels, pixels_unref);

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
  self->pixels = pixels_new (self->data, g_aligned_free, width, height, self->stride);
  self->tiles_x = (width + HANGAR_FRAMEBUFFER_TILE_SIZE - 1) / HANGAR_FRAMEBUFFER_TILE_SIZE;
  self->tiles_y = (height + HANGAR_FRAMEBUFFER_TILE_SIZE - 1) / HANGAR_FRAMEBUFFER_TILE_SIZE;
  self->tiles = g_new0 (Tile, self->tiles_x * self->tiles_y);
  for (guint i = 0; i < self->tiles_x * self->tiles_y; i++)
    {
      self->tiles[i].dirty = TRUE;
      self->tiles[i].patches = g_ptr_array_new_with_free_func (patch_free);
    }
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

guint64
hangar_framebuffer_get_patches_built (HangarFramebuffer *self)
{
  g_return_val_if_fail (HANGAR_IS_FRAMEBUFFER (self), 0);

  return self->patches_built;
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

static void
tile_bounds (HangarFramebuffer     *self,
             guint                  tx,
             guint                  ty,
             cairo_rectangle_int_t *bounds)
{
  bounds->x = tx * HANGAR_FRAMEBUFFER_TILE_SIZE;
  bounds->y = ty * HANGAR_FRAMEBUFFER_TILE_SIZE;
  bounds->width = MIN (HANGAR_FRAMEBUFFER_TILE_SIZE, self->width - bounds->x);
  bounds->height = MIN (HANGAR_FRAMEBUFFER_TILE_SIZE, self->height - bounds->y);
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

  if (self->live_node != NULL)
    {
      cairo_rectangle_int_t rect = { x, y, width, height };

      if (self->live_damage == NULL)
        self->live_damage = cairo_region_create_rectangle (&rect);
      else
        cairo_region_union_rectangle (self->live_damage, &rect);
    }

  tx1 = x / HANGAR_FRAMEBUFFER_TILE_SIZE;
  ty1 = y / HANGAR_FRAMEBUFFER_TILE_SIZE;
  tx2 = (x + width - 1) / HANGAR_FRAMEBUFFER_TILE_SIZE;
  ty2 = (y + height - 1) / HANGAR_FRAMEBUFFER_TILE_SIZE;

  for (guint ty = ty1; ty <= ty2; ty++)
    for (guint tx = tx1; tx <= tx2; tx++)
      {
        Tile *tile = &self->tiles[ty * self->tiles_x + tx];
        cairo_rectangle_int_t bounds, part;

        if (tile->dirty)
          continue;
        if (tile->pending == NULL)
          self->n_dirty++;
        tile_bounds (self, tx, ty, &bounds);
        /* One pixel more around the change (within the tile): in a scaled view a patch's
         * filtered edge then blends with pixels that did not change. */
        part = (cairo_rectangle_int_t) { x - 1, y - 1, width + 2, height + 2 };
        gdk_rectangle_intersect ((GdkRectangle *) &part, (GdkRectangle *) &bounds,
                                 (GdkRectangle *) &part);
        if (part.width == bounds.width && part.height == bounds.height)
          {
            tile->dirty = TRUE;
            g_clear_pointer (&tile->pending, cairo_region_destroy);
          }
        else if (tile->pending == NULL)
          tile->pending = cairo_region_create_rectangle (&part);
        else
          cairo_region_union_rectangle (tile->pending, &part);
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

/* The pixels of one cairo tile: a private copy (a node never changes once built), shared by the
 * tile's node and every copy cairo makes of its pattern.
 *
 * The node's recording holds a raster-source pattern rather than the image surface itself:
 * cairo 1.16 records a surface source as a copy-on-write snapshot, and destroying our surface
 * afterwards made cairo copy the whole tile (a calloc and a memcpy of 64 KiB per rebuilt tile,
 * a tenth of the process's instructions for a small box changing 30 times a second, measured
 * with callgrind). A raster source is recorded by reference; its copy and finish callbacks
 * count the references. */
static Pixels *
tile_pixels_new (HangarFramebuffer *self,
                 int                x,
                 int                y,
                 int                w,
                 int                h)
{
  int stride = cairo_format_stride_for_width (CAIRO_FORMAT_RGB24, w);
  /* Not zeroed: every byte is written below. */
  guint8 *data = g_malloc ((gsize) stride * h);

  for (int row = 0; row < h; row++)
    memcpy (data + (gsize) row * stride,
            self->data + (gsize) (y + row) * self->stride + (gsize) x * 4,
            (gsize) w * 4);

  return pixels_new (data, g_free, w, h, stride);
}

static cairo_surface_t *
tile_pixels_acquire (cairo_pattern_t             *pattern,
                     void                        *data,
                     cairo_surface_t             *target,
                     const cairo_rectangle_int_t *extents)
{
  Pixels *pixels = data;

  return cairo_surface_reference (pixels->surface);
}

static GskRenderNode *
build_cairo_tile (HangarFramebuffer     *self,
                  const graphene_rect_t *bounds)
{
  int x = bounds->origin.x, y = bounds->origin.y;
  int w = bounds->size.width, h = bounds->size.height;
  cairo_pattern_t *pattern;
  Pixels *pixels;
  cairo_matrix_t matrix;
  GskRenderNode *node;
  cairo_t *cr;

  /* The pattern holds the only reference; the recording takes its own through the copy. */
  pixels = tile_pixels_new (self, x, y, w, h);
  pattern = pixels_pattern_new (pixels, tile_pixels_acquire, w, h);
  pixels_unref (pixels);
  cairo_matrix_init_translate (&matrix, -x, -y);
  cairo_pattern_set_matrix (pattern, &matrix);
  /* PAD, not NONE: when the view is scaled, the edge pixels of a tile blend with their own copy
   * rather than with transparency, so no dark seams appear between tiles. */
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);

  node = gsk_cairo_node_new (bounds);
  cr = gsk_cairo_node_get_draw_context (node);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, x, y, w, h);
  cairo_fill (cr);
  cairo_destroy (cr);
  cairo_pattern_destroy (pattern);

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

static GskRenderNode *
build_node (HangarFramebuffer            *self,
            HangarFramebufferNodes        nodes,
            const cairo_rectangle_int_t  *rect)
{
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (rect->x, rect->y, rect->width, rect->height);

  if (nodes == HANGAR_FRAMEBUFFER_NODES_CAIRO)
    return build_cairo_tile (self, &bounds);
  else
    return build_texture_tile (self, &bounds);
}

static guint64
area (const cairo_rectangle_int_t *rect)
{
  return (guint64) rect->width * rect->height;
}

/* Turns a tile's pending changes into patches, or marks the tile for a rebuild when patches
 * would cost more than they save. */
static void
make_patches (HangarFramebuffer      *self,
              Tile                   *tile,
              HangarFramebufferNodes  nodes,
              guint                   tx,
              guint                   ty)
{
  cairo_rectangle_int_t bounds;
  guint64 patched = 0;
  guint n_rects = cairo_region_num_rectangles (tile->pending);

  tile_bounds (self, tx, ty, &bounds);

  /* Older patches wholly under the new ones are not needed any more. */
  for (guint i = tile->patches->len; i > 0; i--)
    {
      Patch *patch = g_ptr_array_index (tile->patches, i - 1);

      if (cairo_region_contains_rectangle (tile->pending, &patch->rect) ==
          CAIRO_REGION_OVERLAP_IN)
        g_ptr_array_remove_index (tile->patches, i - 1);
      else
        patched += area (&patch->rect);
    }

  for (guint i = 0; i < n_rects; i++)
    {
      cairo_rectangle_int_t rect;

      cairo_region_get_rectangle (tile->pending, i, &rect);
      patched += area (&rect);
    }

  if (tile->patches->len + n_rects > MAX_PATCHES || patched * 2 > area (&bounds))
    {
      tile->dirty = TRUE;
      return;
    }

  for (guint i = 0; i < n_rects; i++)
    {
      Patch *patch = g_new0 (Patch, 1);

      cairo_region_get_rectangle (tile->pending, i, &patch->rect);
      patch->node = build_node (self, nodes, &patch->rect);
      g_ptr_array_add (tile->patches, patch);
      self->patches_built++;
    }
}

static cairo_surface_t *
live_pixels_acquire (cairo_pattern_t             *pattern,
                     void                        *data,
                     cairo_surface_t             *target,
                     const cairo_rectangle_int_t *extents)
{
  Pixels *pixels = data;

  /* The pixels changed behind cairo's back since it last saw them. */
  cairo_surface_mark_dirty (pixels->surface);
  return cairo_surface_reference (pixels->surface);
}

/* The node that draws the whole screen from the pixels as they are when it is drawn. */
static GskRenderNode *
build_live_node (HangarFramebuffer *self)
{
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, self->width, self->height);
  cairo_pattern_t *pattern;
  GskRenderNode *node;
  cairo_t *cr;

  pattern = pixels_pattern_new (self->pixels, live_pixels_acquire, self->width, self->height);
  /* PAD: in a scaled view the screen's edge pixels blend with themselves, not transparency. */
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);

  node = gsk_cairo_node_new (&bounds);
  cr = gsk_cairo_node_get_draw_context (node);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, 0, 0, self->width, self->height);
  cairo_fill (cr);
  cairo_destroy (cr);
  cairo_pattern_destroy (pattern);

  return node;
}

/* More marks than this and one mark covers them all: GTK 4.8's diff gives up on more than 30
 * rectangles and repaints the whole container. */
#define MAX_MARKS 8

/* Appends a node that draws nothing over a changed rectangle (guest pixels): a new object each
 * time, so GTK's diff repaints its bounds, where the live node then draws the new pixels. */
static void
append_mark (GtkSnapshot                 *snapshot,
             const cairo_rectangle_int_t *rect,
             double                       scale,
             double                       x,
             double                       y)
{
  g_autoptr(GskRenderNode) mark = NULL;
  graphene_rect_t bounds;
  double x1 = x + rect->x * scale;
  double y1 = y + rect->y * scale;
  double x2 = x + (rect->x + rect->width) * scale;
  double y2 = y + (rect->y + rect->height) * scale;

  /* In view pixels, rounded out; scaled, one guest pixel and one view pixel more around it, as
   * the filter blends a changed pixel into its neighbours (rounding out alone was enough in
   * tests/display/test-framebuffer-live.c at scales 0.83 and 0.5; the margin costs little). */
  if (scale != 1.0)
    {
      x1 -= scale + 1;
      y1 -= scale + 1;
      x2 += scale + 1;
      y2 += scale + 1;
    }
  x1 = floor (x1);
  y1 = floor (y1);
  graphene_rect_init (&bounds, x1, y1, ceil (x2) - x1, ceil (y2) - y1);
  /* No draw context asked for: the node has no surface and draws nothing. */
  mark = gsk_cairo_node_new (&bounds);
  gtk_snapshot_append_node (snapshot, mark);
}

static void
snapshot_live (HangarFramebuffer *self,
               GtkSnapshot       *snapshot,
               double             scale,
               double             x,
               double             y,
               gboolean           new_view)
{
  int n_rects;

  /* Tiles are not drawn while the screen is live: drop them, and their pending changes. A
   * switch back builds them again from the pixels. */
  if (self->live_node == NULL)
    {
      for (guint i = 0; i < self->tiles_x * self->tiles_y; i++)
        {
          g_clear_pointer (&self->tiles[i].node, gsk_render_node_unref);
          g_clear_pointer (&self->tiles[i].placed, gsk_render_node_unref);
          g_clear_pointer (&self->tiles[i].shown, gsk_render_node_unref);
          g_ptr_array_set_size (self->tiles[i].patches, 0);
        }
      self->live_node = build_live_node (self);
      g_clear_pointer (&self->live_placed, gsk_render_node_unref);
      g_clear_pointer (&self->live_damage, cairo_region_destroy);
    }
  for (guint i = 0; i < self->tiles_x * self->tiles_y; i++)
    {
      self->tiles[i].dirty = FALSE;
      g_clear_pointer (&self->tiles[i].pending, cairo_region_destroy);
    }
  self->n_dirty = 0;

  if (self->live_placed == NULL || new_view)
    {
      g_clear_pointer (&self->live_placed, gsk_render_node_unref);
      self->live_placed = place_tile (self->live_node, scale, x, y);
      /* A new node: GTK repaints all of it, no marks needed. */
      g_clear_pointer (&self->live_damage, cairo_region_destroy);
    }
  gtk_snapshot_append_node (snapshot, self->live_placed);

  if (self->live_damage == NULL)
    return;

  n_rects = cairo_region_num_rectangles (self->live_damage);
  if (n_rects > MAX_MARKS)
    {
      cairo_rectangle_int_t extents;

      cairo_region_get_extents (self->live_damage, &extents);
      append_mark (snapshot, &extents, scale, x, y);
    }
  else
    for (int i = 0; i < n_rects; i++)
      {
        cairo_rectangle_int_t rect;

        cairo_region_get_rectangle (self->live_damage, i, &rect);
        append_mark (snapshot, &rect, scale, x, y);
      }
  g_clear_pointer (&self->live_damage, cairo_region_destroy);
}

/**
 * hangar_framebuffer_snapshot:
 * @nodes: the node kind for rebuilt tiles; never %HANGAR_FRAMEBUFFER_NODES_AUTO here
 * @scale: view pixels per framebuffer pixel
 * @x: where the framebuffer's left edge goes
 * @y: where its top edge goes
 *
 * Appends the screen, one node per tile: a container of the tile's node and its patches.
 * Clean tiles reuse their node. A tile that changed as a whole (or whose @nodes changed) gets
 * a new node; a tile where only a part changed keeps its node and gets a patch, a node for
 * just that part drawn over it, so GTK repaints (and the X server receives) only the part:
 * a 96×24 box changing in a tile repaints 98×26 pixels, not the tile and, at
 * fractional scales, its neighbours. Patches that a newer
 * one covers are dropped; too many (or over half the tile) and the tile is rebuilt instead.
 *
 * Each tile and patch carries its own transform (kept with it) rather than one transform
 * around all tiles: GTK 4.8 cannot diff a transform node whose transform scales, so a shared
 * scaled transform makes every frame repaint the whole view; nodes that stay the same object
 * are skipped by the diff.
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

  if (nodes == HANGAR_FRAMEBUFFER_NODES_LIVE)
    {
      snapshot_live (self, snapshot, scale, x, y, new_view);
      return;
    }
  /* Tiles again: the live node is not shown any more. */
  g_clear_pointer (&self->live_node, gsk_render_node_unref);
  g_clear_pointer (&self->live_placed, gsk_render_node_unref);
  g_clear_pointer (&self->live_damage, cairo_region_destroy);

  for (guint ty = 0; ty < self->tiles_y; ty++)
    for (guint tx = 0; tx < self->tiles_x; tx++)
      {
        Tile *tile = &self->tiles[ty * self->tiles_x + tx];
        gboolean changed = new_view;
        gboolean was_dirty = tile->dirty || tile->pending != NULL;

        if (tile->pending != NULL && !tile->dirty && tile->node != NULL && tile->kind == nodes)
          {
            make_patches (self, tile, nodes, tx, ty);
            changed = TRUE;
          }

        if (tile->dirty || tile->node == NULL || tile->kind != nodes)
          {
            cairo_rectangle_int_t bounds;

            tile_bounds (self, tx, ty, &bounds);
            g_clear_pointer (&tile->node, gsk_render_node_unref);
            g_clear_pointer (&tile->placed, gsk_render_node_unref);
            g_ptr_array_set_size (tile->patches, 0);
            tile->node = build_node (self, nodes, &bounds);
            tile->kind = nodes;
            self->tiles_built++;
            tile->dirty = FALSE;
            changed = TRUE;
          }

        g_clear_pointer (&tile->pending, cairo_region_destroy);
        if (was_dirty)
          self->n_dirty--;

        if (tile->placed == NULL || new_view)
          {
            g_clear_pointer (&tile->placed, gsk_render_node_unref);
            tile->placed = place_tile (tile->node, scale, x, y);
          }

        if (tile->shown == NULL || changed)
          {
            GskRenderNode **children = g_newa (GskRenderNode *, tile->patches->len + 1);

            children[0] = tile->placed;
            for (guint i = 0; i < tile->patches->len; i++)
              {
                Patch *patch = g_ptr_array_index (tile->patches, i);

                if (patch->placed == NULL || new_view)
                  {
                    g_clear_pointer (&patch->placed, gsk_render_node_unref);
                    patch->placed = place_tile (patch->node, scale, x, y);
                  }
                children[i + 1] = patch->placed;
              }
            g_clear_pointer (&tile->shown, gsk_render_node_unref);
            tile->shown = gsk_container_node_new (children, tile->patches->len + 1);
          }

        gtk_snapshot_append_node (snapshot, tile->shown);
      }
}
