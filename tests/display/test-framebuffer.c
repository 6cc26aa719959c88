/* test-framebuffer.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gtk/gtk.h>
#include <gsk/gl/gskglrenderer.h>
#include <string.h>

#include "hangar-display-error.h"
#include "hangar-framebuffer.h"
#include "hangar-test-pattern.h"

static void
fill_pattern (HangarFramebuffer *fb,
              int                pattern)
{
  guint8 *data = hangar_framebuffer_get_data (fb);
  gsize stride = hangar_framebuffer_get_stride (fb);

  for (guint y = 0; y < hangar_framebuffer_get_height (fb); y++)
    for (guint x = 0; x < hangar_framebuffer_get_width (fb); x++)
      {
        guint32 rgb = hangar_test_pattern_pixel (pattern, x, y);
        guint8 *p = data + y * stride + x * 4;

        /* B, G, R, then a deliberately odd 4th byte: it must never show. */
        p[0] = rgb & 0xff;
        p[1] = (rgb >> 8) & 0xff;
        p[2] = (rgb >> 16) & 0xff;
        p[3] = 0x17;
      }
}

/* Renders the framebuffer's snapshot with @renderer and returns the pixels (B,G,R,A). */
static guint8 *
render (HangarFramebuffer      *fb,
        GskRenderer            *renderer,
        HangarFramebufferNodes  nodes,
        gsize                  *stride)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guint w = hangar_framebuffer_get_width (fb), h = hangar_framebuffer_get_height (fb);
  guint8 *pixels;

  gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0, 0, 0, 1 }, &GRAPHENE_RECT_INIT (0, 0, w, h));
  hangar_framebuffer_snapshot (fb, snapshot, nodes, 1.0, 0, 0);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, w);
  *stride = w * 4;
  pixels = g_malloc (*stride * h);
  gdk_texture_download (texture, pixels, *stride);
  return pixels;
}

static void
assert_pattern (const guint8 *pixels,
                gsize         stride,
                guint         width,
                guint         height,
                int           pattern)
{
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        const guint8 *p = pixels + y * stride + x * 4;
        guint32 got = (p[2] << 16) | (p[1] << 8) | p[0];
        guint32 want = hangar_test_pattern_pixel (pattern, x, y);

        if (got != want || p[3] != 0xff)
          g_error ("pixel (%u, %u): got %06x alpha %02x, want %06x", x, y, got, p[3], want);
      }
}

static void
test_bad_sizes (void)
{
  static const guint sizes[][2] = { { 0, 0 }, { 0, 480 }, { 640, 0 }, { 16384, 16384 },
                                    { 8193, 10 }, { 10, 8193 } };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HangarFramebuffer) fb = hangar_framebuffer_new (sizes[i][0], sizes[i][1], &error);

      g_assert_null (fb);
      g_assert_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_BAD_SIZE);
    }
}

static void
test_layout (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HangarFramebuffer) fb = hangar_framebuffer_new (601, 400, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (hangar_framebuffer_get_stride (fb), ==, 2432); /* 601*4 = 2404 → 64-aligned */
  g_assert_cmpuint ((guintptr) hangar_framebuffer_get_data (fb) % 64, ==, 0);
  g_assert_cmpuint (HANGAR_FRAMEBUFFER_TILE_SIZE, ==, 512);
  g_assert_cmpuint (hangar_framebuffer_get_n_tiles (fb), ==, 2 * 1);
  g_assert_cmpuint (hangar_framebuffer_get_n_dirty (fb), ==, 2);
  g_assert_finalize_object (g_steal_pointer (&fb));
}

static guint damaged_count;

static void
damaged_cb (HangarFramebuffer *fb, int x, int y, int w, int h, gpointer data)
{
  damaged_count++;
}

/* The tile's own node inside the container the snapshot shows for tile @i. */
static GskRenderNode *
tile_child (GskRenderNode *root,
            guint          i,
            guint          n_patches)
{
  GskRenderNode *shown = gsk_container_node_get_child (root, i);

  g_assert_cmpint (gsk_render_node_get_node_type (shown), ==, GSK_CONTAINER_NODE);
  g_assert_cmpuint (gsk_container_node_get_n_children (shown), ==, 1 + n_patches);
  return gsk_container_node_get_child (shown, 0);
}

static GskRenderNode *
snapshot_node (HangarFramebuffer      *fb,
               HangarFramebufferNodes  nodes,
               double                  scale,
               double                  x,
               double                  y)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

  hangar_framebuffer_snapshot (fb, snapshot, nodes, scale, x, y);
  return gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
}

static void
test_damage_and_reuse (void)
{
  /* In tiles of T pixels: 5 columns (the last 88/128 T wide), 4 rows (the last 16/128 T high);
   * 600×400 for T = 128. */
  const int T = HANGAR_FRAMEBUFFER_TILE_SIZE;
  g_autoptr(HangarFramebuffer) fb = hangar_framebuffer_new (4 * T + T * 88 / 128, 3 * T + T / 8,
                                                             NULL);
  g_autoptr(GskRenderNode) n1 = NULL;
  g_autoptr(GskRenderNode) n2 = NULL;
  g_autoptr(GskRenderNode) n3 = NULL;
  g_autoptr(GskRenderNode) n4 = NULL;
  graphene_rect_t bounds;

  g_signal_connect (fb, "damaged", G_CALLBACK (damaged_cb), NULL);

  n1 = snapshot_node (fb, HANGAR_FRAMEBUFFER_NODES_CAIRO, 0.5, 10, 20);
  g_assert_cmpuint (hangar_framebuffer_get_tiles_built (fb), ==, 20);
  g_assert_cmpuint (hangar_framebuffer_get_n_dirty (fb), ==, 0);
  g_assert_cmpuint (gsk_container_node_get_n_children (n1), ==, 20);

  /* A small change dirties one tile; across a tile corner, four. Outside: none. */
  damaged_count = 0;
  hangar_framebuffer_damage (fb, 10, 10, 5, 5);
  g_assert_cmpuint (hangar_framebuffer_get_n_dirty (fb), ==, 1);
  hangar_framebuffer_damage (fb, T - 5, T - 5, 10, 10);
  g_assert_cmpuint (hangar_framebuffer_get_n_dirty (fb), ==, 4);
  hangar_framebuffer_damage (fb, 5 * T + 10, 10, 5, 5);
  hangar_framebuffer_damage (fb, -20, -20, 10, 10);
  g_assert_cmpuint (hangar_framebuffer_get_n_dirty (fb), ==, 4);
  g_assert_cmpuint (damaged_count, ==, 2);

  /* Small changes keep the tiles' nodes and add patches: two in tile 0 (both changes touch
   * it), one in tiles 1, 5 and 6. Clean tiles show the very same node as before. */
  n2 = snapshot_node (fb, HANGAR_FRAMEBUFFER_NODES_CAIRO, 0.5, 10, 20);
  g_assert_cmpuint (hangar_framebuffer_get_tiles_built (fb), ==, 20);
  g_assert_cmpuint (hangar_framebuffer_get_patches_built (fb), ==, 5);
  g_assert_cmpuint (hangar_framebuffer_get_n_dirty (fb), ==, 0);
  g_assert_true (gsk_container_node_get_child (n1, 2) == gsk_container_node_get_child (n2, 2));
  g_assert_true (gsk_container_node_get_child (n1, 19) == gsk_container_node_get_child (n2, 19));
  g_assert_false (gsk_container_node_get_child (n1, 0) == gsk_container_node_get_child (n2, 0));
  g_assert_true (tile_child (n1, 0, 0) == tile_child (n2, 0, 2));
  g_assert_true (tile_child (n1, 6, 0) == tile_child (n2, 6, 1));
  /* The patch covers the change and one pixel around it, at the view's scale and offset:
   * (9, 9) 7×7 guest pixels → (14.5, 24.5) 3.5×3.5. */
  gsk_render_node_get_bounds (gsk_container_node_get_child (gsk_container_node_get_child (n2, 0),
                                                            1),
                              &bounds);
  g_assert_cmpfloat (bounds.origin.x, ==, 10 + 4.5);
  g_assert_cmpfloat (bounds.origin.y, ==, 20 + 4.5);
  g_assert_cmpfloat (bounds.size.width, ==, 3.5);
  g_assert_cmpfloat (bounds.size.height, ==, 3.5);

  /* The same change again (a box being redrawn): the new patch replaces the old one. */
  hangar_framebuffer_damage (fb, 2 * T + 44, 2 * T + 44, 20, 10);
  g_clear_pointer (&n2, gsk_render_node_unref);
  n2 = snapshot_node (fb, HANGAR_FRAMEBUFFER_NODES_CAIRO, 0.5, 10, 20);
  tile_child (n2, 12, 1);
  hangar_framebuffer_damage (fb, 2 * T + 44, 2 * T + 44, 20, 10);
  g_clear_pointer (&n2, gsk_render_node_unref);
  n2 = snapshot_node (fb, HANGAR_FRAMEBUFFER_NODES_CAIRO, 0.5, 10, 20);
  g_assert_true (tile_child (n1, 12, 0) == tile_child (n2, 12, 1));
  g_assert_cmpuint (hangar_framebuffer_get_tiles_built (fb), ==, 20);

  /* A whole tile, more than MAX_PATCHES changes, or changes over half a tile: rebuilt. */
  hangar_framebuffer_damage (fb, T, 2 * T, T, T);
  for (int i = 0; i < 9; i++)
    hangar_framebuffer_damage (fb, 4 * T + i * 8, 3 * T, 2, 2);
  hangar_framebuffer_damage (fb, 2 * T, 0, T * 100 / 128, T * 100 / 128);
  g_clear_pointer (&n2, gsk_render_node_unref);
  n2 = snapshot_node (fb, HANGAR_FRAMEBUFFER_NODES_CAIRO, 0.5, 10, 20);
  g_assert_cmpuint (hangar_framebuffer_get_tiles_built (fb), ==, 20 + 3);
  g_assert_false (tile_child (n1, 11, 0) == tile_child (n2, 11, 0));
  g_assert_false (tile_child (n1, 19, 0) == tile_child (n2, 19, 0));
  g_assert_false (tile_child (n1, 2, 0) == tile_child (n2, 2, 0));

  /* Another node kind rebuilds everything once (and drops the patches). */
  n3 = snapshot_node (fb, HANGAR_FRAMEBUFFER_NODES_TEXTURE, 1.0, 0, 0);
  g_assert_cmpuint (hangar_framebuffer_get_tiles_built (fb), ==, 20 + 3 + 20);
  g_assert_cmpint (gsk_render_node_get_node_type (tile_child (n3, 0, 0)), ==, GSK_TEXTURE_NODE);

  /* Scaled, every tile carries its own transform, and clean tiles keep theirs, so GTK's diff
   * (which cannot diff a scaling transform node) still sees the same objects. */
  g_clear_pointer (&n3, gsk_render_node_unref);
  n3 = snapshot_node (fb, HANGAR_FRAMEBUFFER_NODES_TEXTURE, 0.5, 10, 20);
  hangar_framebuffer_damage (fb, 2 * T + 44, 2 * T + 44, 1, 1);
  n4 = snapshot_node (fb, HANGAR_FRAMEBUFFER_NODES_TEXTURE, 0.5, 10, 20);
  g_assert_cmpint (gsk_render_node_get_node_type (tile_child (n4, 0, 0)), ==, GSK_TRANSFORM_NODE);
  g_assert_true (gsk_container_node_get_child (n3, 0) == gsk_container_node_get_child (n4, 0));
  /* That is in tile 12: column 2, row 2; it got a patch over the same tile node. */
  g_assert_false (gsk_container_node_get_child (n3, 12) == gsk_container_node_get_child (n4, 12));
  g_assert_true (tile_child (n3, 12, 0) == tile_child (n4, 12, 1));
  g_assert_true (gsk_container_node_get_child (n3, 11) == gsk_container_node_get_child (n4, 11));
  /* The bottom right tile at half size, offset by (10, 20). */
  gsk_render_node_get_bounds (tile_child (n4, 19, 0), &bounds);
  g_assert_cmpfloat (bounds.origin.x, ==, 10 + 2 * T);
  g_assert_cmpfloat (bounds.origin.y, ==, 20 + 1.5 * T);
  g_assert_cmpfloat (bounds.size.width, ==, T * 44 / 128);
  g_assert_cmpfloat (bounds.size.height, ==, T / 16);
}

static void
test_write_clips (void)
{
  g_autoptr(HangarFramebuffer) fb = hangar_framebuffer_new (300, 300, NULL);
  guint8 src[4 * 20 * 20];
  guint8 *data;

  memset (src, 0xab, sizeof src);
  /* Half outside on the left and top: only the inside quarter lands. */
  hangar_framebuffer_write (fb, -10, -10, 20, 20, src, 20 * 4);
  data = hangar_framebuffer_get_data (fb);
  g_assert_cmpuint (data[0], ==, 0xab);
  g_assert_cmpuint (data[9 * hangar_framebuffer_get_stride (fb) + 9 * 4], ==, 0xab);
  g_assert_cmpuint (data[10 * 4], ==, 0);
  g_assert_cmpuint (data[10 * hangar_framebuffer_get_stride (fb)], ==, 0);
  hangar_framebuffer_write (fb, 400, 400, 20, 20, src, 20 * 4);
}

typedef struct
{
  cairo_rectangle_int_t rect;
  int                   pattern;
} Box;

/* Drawn in this order over pattern 1. */
static const Box boxes[] = {
  { { 20, 30, 96, 24 }, 0 },
  { { 20, 30, 96, 24 }, 2 },
  { { HANGAR_FRAMEBUFFER_TILE_SIZE - 12, 110, 19, 30 }, 0 },
};

static void
fill_box (HangarFramebuffer           *fb,
          int                          pattern,
          const cairo_rectangle_int_t *rect)
{
  guint8 *data = hangar_framebuffer_get_data (fb);
  gsize stride = hangar_framebuffer_get_stride (fb);

  for (int y = rect->y; y < rect->y + rect->height; y++)
    for (int x = rect->x; x < rect->x + rect->width; x++)
      {
        guint32 rgb = hangar_test_pattern_pixel (pattern, x, y);
        guint8 *p = data + y * stride + x * 4;

        p[0] = rgb & 0xff;
        p[1] = (rgb >> 8) & 0xff;
        p[2] = (rgb >> 16) & 0xff;
        p[3] = 0x17;
      }
}

/* Pattern 1 with the first @n_boxes boxes drawn over it. */
static void
assert_boxes (const guint8 *pixels,
              gsize         stride,
              guint         width,
              guint         height,
              const Box    *drawn,
              guint         n_boxes)
{
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        const guint8 *p = pixels + y * stride + x * 4;
        guint32 got = (p[2] << 16) | (p[1] << 8) | p[0];
        int pattern = 1;
        guint32 want;

        for (guint i = 0; i < n_boxes; i++)
          if ((int) x >= drawn[i].rect.x && (int) x < drawn[i].rect.x + drawn[i].rect.width &&
              (int) y >= drawn[i].rect.y && (int) y < drawn[i].rect.y + drawn[i].rect.height)
            pattern = drawn[i].pattern;
        want = hangar_test_pattern_pixel (pattern, x, y);

        if (got != want || p[3] != 0xff)
          g_error ("pixel (%u, %u) after %u boxes: got %06x alpha %02x, want %06x", x, y, n_boxes,
                   got, p[3], want);
      }
}

static void
check_render (GskRenderer            *renderer,
              const HangarFramebufferNodes *kinds,
              guint                   n_kinds)
{
  for (guint k = 0; k < n_kinds; k++)
    {
      /* Not a multiple of the tile size in either direction. */
      g_autoptr(HangarFramebuffer) fb = hangar_framebuffer_new (531, 299, NULL);
      g_autofree guint8 *pixels = NULL;
      gsize stride;

      fill_pattern (fb, 0);
      pixels = render (fb, renderer, kinds[k], &stride);
      assert_pattern (pixels, stride, 531, 299, 0);
      g_clear_pointer (&pixels, g_free);

      /* Change the picture under one damage call: the rebuilt tiles show the new one. */
      fill_pattern (fb, 1);
      hangar_framebuffer_damage (fb, 0, 0, 531, 299);
      pixels = render (fb, renderer, kinds[k], &stride);
      assert_pattern (pixels, stride, 531, 299, 1);
      g_clear_pointer (&pixels, g_free);

      /* Small changes become patches over kept tiles; twice in the same place (the second
       * patch replaces the first), then one across two tiles. */
      for (guint i = 0; i < G_N_ELEMENTS (boxes); i++)
        {
          guint64 built = hangar_framebuffer_get_tiles_built (fb);

          fill_box (fb, boxes[i].pattern, &boxes[i].rect);
          hangar_framebuffer_damage (fb, boxes[i].rect.x, boxes[i].rect.y,
                                     boxes[i].rect.width, boxes[i].rect.height);
          pixels = render (fb, renderer, kinds[k], &stride);
          g_assert_cmpuint (hangar_framebuffer_get_tiles_built (fb), ==, built);
          assert_boxes (pixels, stride, 531, 299, boxes, i + 1);
          g_clear_pointer (&pixels, g_free);
        }
    }
}

static void
test_render_cairo (void)
{
  g_autoptr(GskRenderer) renderer = gsk_cairo_renderer_new ();
  g_autoptr(GError) error = NULL;

  static const HangarFramebufferNodes kinds[] = { HANGAR_FRAMEBUFFER_NODES_CAIRO,
                                                  HANGAR_FRAMEBUFFER_NODES_TEXTURE };

  g_assert_true (gsk_renderer_realize (renderer, NULL, &error));
  g_assert_no_error (error);
  check_render (renderer, kinds, G_N_ELEMENTS (kinds));
  gsk_renderer_unrealize (renderer);
}

static void
test_render_gl (void)
{
  g_autoptr(GskRenderer) renderer = gsk_gl_renderer_new ();
  g_autoptr(GError) error = NULL;

  if (!gsk_renderer_realize (renderer, NULL, &error))
    {
      g_test_skip_printf ("no GL here: %s", error->message);
      return;
    }
  /* Texture nodes only: GTK 4.8's GL renderer caches what it rasterised for a cairo node by the
   * node's address, so a new tile node allocated where a freed one was can show the old
   * picture (about 1 run in 10 here). HangarDisplay never uses cairo nodes under GL. */
  check_render (renderer, (HangarFramebufferNodes[]) { HANGAR_FRAMEBUFFER_NODES_TEXTURE }, 1);
  gsk_renderer_unrealize (renderer);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/display/framebuffer/bad-sizes", test_bad_sizes);
  g_test_add_func ("/display/framebuffer/layout", test_layout);
  g_test_add_func ("/display/framebuffer/damage-and-reuse", test_damage_and_reuse);
  g_test_add_func ("/display/framebuffer/write-clips", test_write_clips);
  g_test_add_func ("/display/framebuffer/render-cairo", test_render_cairo);
  g_test_add_func ("/display/framebuffer/render-gl", test_render_gl);

  return g_test_run ();
}
