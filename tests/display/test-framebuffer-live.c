/* test-framebuffer-live.c: HangarFramebuffer's live nodes (HANGAR_FRAMEBUFFER_NODES_LIVE).
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A live node draws the pixels as they are when it is drawn and stays the same object from frame
 * to frame; what changed is told to GTK by marks, new nodes over the changed rectangles. On screen
 * GTK repaints only what its node diff finds changed: here the marks' bounds (the live node is the
 * same object, the other nodes are equal). These tests repaint a picture of the last frame the
 * same way, clipped to the marks, and compare it with the whole new frame drawn from scratch:
 * a change a mark missed would show as a stale pixel.
 */

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "hangar-framebuffer.h"
#include "hangar-test-pattern.h"

#define WIDTH  531
#define HEIGHT 299

static void
fill_rect (HangarFramebuffer *fb,
           int                pattern,
           int                x0,
           int                y0,
           int                width,
           int                height)
{
  guint8 *data = hangar_framebuffer_get_data (fb);
  gsize stride = hangar_framebuffer_get_stride (fb);

  for (int y = y0; y < y0 + height; y++)
    for (int x = x0; x < x0 + width; x++)
      {
        guint32 rgb = hangar_test_pattern_pixel (pattern, x, y);
        guint8 *p = data + y * stride + x * 4;

        p[0] = rgb & 0xff;
        p[1] = (rgb >> 8) & 0xff;
        p[2] = (rgb >> 16) & 0xff;
        p[3] = 0x17;  /* never shown */
      }
}

/* The framebuffer's nodes for a view of @view_w×@view_h at @scale and offset (@x, @y), over black. */
static GskRenderNode *
snapshot_view (HangarFramebuffer *fb,
               int                view_w,
               int                view_h,
               double             scale,
               double             x,
               double             y)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

  gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0, 0, 0, 1 },
                             &GRAPHENE_RECT_INIT (0, 0, view_w, view_h));
  hangar_framebuffer_snapshot (fb, snapshot, HANGAR_FRAMEBUFFER_NODES_LIVE, scale, x, y);
  return gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
}

/* The node after the black background: the live node (placed), then the marks. */
static GskRenderNode *
child (GskRenderNode *root,
       guint          i)
{
  g_assert_cmpint (gsk_render_node_get_node_type (root), ==, GSK_CONTAINER_NODE);
  return gsk_container_node_get_child (root, i);
}

static guint
n_marks (GskRenderNode *root)
{
  if (gsk_render_node_get_node_type (root) != GSK_CONTAINER_NODE)
    return 0;
  return gsk_container_node_get_n_children (root) - 2;
}

/* Draws @root into @surface, only inside the marks' bounds (rounded out), as GTK's cairo
 * renderer repaints a frame whose only changed nodes are the marks. */
static void
repaint_marks (cairo_surface_t *surface,
               GskRenderNode   *root)
{
  cairo_t *cr = cairo_create (surface);

  for (guint i = 0; i < n_marks (root); i++)
    {
      graphene_rect_t bounds;

      gsk_render_node_get_bounds (child (root, 2 + i), &bounds);
      cairo_rectangle (cr, floor (bounds.origin.x), floor (bounds.origin.y),
                       ceil (bounds.origin.x + bounds.size.width) - floor (bounds.origin.x),
                       ceil (bounds.origin.y + bounds.size.height) - floor (bounds.origin.y));
    }
  cairo_clip (cr);
  gsk_render_node_draw (root, cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
}

static cairo_surface_t *
draw_all (GskRenderNode *root,
          int            view_w,
          int            view_h)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, view_w, view_h);
  cairo_t *cr = cairo_create (surface);

  gsk_render_node_draw (root, cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

/* Each channel within @tolerance: a scaled picture drawn in part is filtered from a smaller
 * copy of the source than when drawn whole, and cairo rounds some pixels at the edge of the part
 * differently (by up to two steps of 255 here). A pixel a mark missed shows the old picture instead,
 * which differs from the new one by far more at almost every pixel (hangar-test-pattern.h). */
static void
assert_same_pixels (cairo_surface_t *got,
                    cairo_surface_t *want,
                    int              tolerance,
                    const char      *what)
{
  int w = cairo_image_surface_get_width (want), h = cairo_image_surface_get_height (want);
  int stride = cairo_image_surface_get_stride (want);
  const guint8 *a = cairo_image_surface_get_data (got), *b = cairo_image_surface_get_data (want);
  int most = 0;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 4; c++)
        {
          int pa = a[(gsize) y * stride + x * 4 + c];
          int pb = b[(gsize) y * stride + x * 4 + c];

          most = MAX (most, ABS (pa - pb));
          if (ABS (pa - pb) > tolerance)
            g_error ("%s: pixel (%d, %d) is %08x after repainting the marks, %08x drawn whole",
                     what, x, y, *(const guint32 *) (a + (gsize) y * stride + x * 4),
                     *(const guint32 *) (b + (gsize) y * stride + x * 4));
        }
  g_test_message ("%s: largest difference %d", what, most);
}

static void
assert_pattern (cairo_surface_t *surface,
                int              pattern)
{
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *data = cairo_image_surface_get_data (surface);

  for (int y = 0; y < HEIGHT; y++)
    for (int x = 0; x < WIDTH; x++)
      {
        guint32 got = *(const guint32 *) (data + (gsize) y * stride + x * 4);
        guint32 want = 0xff000000u | hangar_test_pattern_pixel (pattern, x, y);

        if (got != want)
          g_error ("pixel (%d, %d): %08x, want %08x", x, y, got, want);
      }
}

/* The live node is built once and kept; damage becomes marks over exactly what changed (at 1:1),
 * one per rectangle, or one over all of them when there are many; no tiles are built. */
static void
test_nodes (void)
{
  g_autoptr(HangarFramebuffer) fb = hangar_framebuffer_new (WIDTH, HEIGHT, NULL);
  g_autoptr(GskRenderNode) n1 = NULL;
  g_autoptr(GskRenderNode) n2 = NULL;
  g_autoptr(GskRenderNode) n3 = NULL;
  g_autoptr(GskRenderNode) n4 = NULL;
  graphene_rect_t bounds;

  n1 = snapshot_view (fb, WIDTH, HEIGHT, 1.0, 0, 0);
  g_assert_cmpuint (n_marks (n1), ==, 0);
  g_assert_cmpint (gsk_render_node_get_node_type (child (n1, 1)), ==, GSK_CAIRO_NODE);
  gsk_render_node_get_bounds (child (n1, 1), &bounds);
  g_assert_cmpfloat (bounds.size.width, ==, WIDTH);
  g_assert_cmpfloat (bounds.size.height, ==, HEIGHT);

  hangar_framebuffer_damage (fb, 10, 20, 96, 24);
  hangar_framebuffer_damage (fb, 520, 200, 3, 2);
  g_assert_cmpuint (hangar_framebuffer_get_n_dirty (fb), ==, 2);
  n2 = snapshot_view (fb, WIDTH, HEIGHT, 1.0, 0, 0);
  g_assert_cmpuint (hangar_framebuffer_get_n_dirty (fb), ==, 0);
  g_assert_true (child (n1, 1) == child (n2, 1));
  g_assert_cmpuint (n_marks (n2), ==, 2);
  gsk_render_node_get_bounds (child (n2, 2), &bounds);
  g_assert_cmpfloat (bounds.origin.x, ==, 10);
  g_assert_cmpfloat (bounds.origin.y, ==, 20);
  g_assert_cmpfloat (bounds.size.width, ==, 96);
  g_assert_cmpfloat (bounds.size.height, ==, 24);

  /* Nothing changed: the same live node and no marks. */
  n3 = snapshot_view (fb, WIDTH, HEIGHT, 1.0, 0, 0);
  g_assert_true (child (n1, 1) == child (n3, 1));
  g_assert_cmpuint (n_marks (n3), ==, 0);

  /* Many small changes: one mark over all of them. */
  for (int i = 0; i < 40; i++)
    hangar_framebuffer_damage (fb, i * 12, i * 7, 2, 2);
  g_clear_pointer (&n3, gsk_render_node_unref);
  n3 = snapshot_view (fb, WIDTH, HEIGHT, 1.0, 0, 0);
  g_assert_cmpuint (n_marks (n3), ==, 1);
  gsk_render_node_get_bounds (child (n3, 2), &bounds);
  g_assert_cmpfloat (bounds.origin.x, ==, 0);
  g_assert_cmpfloat (bounds.size.width, ==, 39 * 12 + 2);
  g_assert_cmpfloat (bounds.size.height, ==, 39 * 7 + 2);

  /* A new view places the live node anew (GTK repaints all of it); no tiles either way. */
  n4 = snapshot_view (fb, WIDTH, HEIGHT, 0.5, 10, 20);
  g_assert_false (child (n1, 1) == child (n4, 1));
  g_assert_cmpint (gsk_render_node_get_node_type (child (n4, 1)), ==, GSK_TRANSFORM_NODE);
  g_assert_cmpuint (hangar_framebuffer_get_tiles_built (fb), ==, 0);
  g_assert_cmpuint (hangar_framebuffer_get_patches_built (fb), ==, 0);

  /* Back to tiles and live again: the tiles are built, then a new live node. */
  g_clear_pointer (&n4, gsk_render_node_unref);
  {
    g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

    hangar_framebuffer_snapshot (fb, snapshot, HANGAR_FRAMEBUFFER_NODES_CAIRO, 1.0, 0, 0);
    n4 = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  }
  g_assert_cmpuint (hangar_framebuffer_get_tiles_built (fb), ==, hangar_framebuffer_get_n_tiles (fb));
  g_clear_pointer (&n4, gsk_render_node_unref);
  n4 = snapshot_view (fb, WIDTH, HEIGHT, 1.0, 0, 0);
  g_assert_false (child (n1, 1) == child (n4, 1));
}

typedef struct
{
  int x, y, width, height;
  int pattern;
} Change;

/* A box redrawn in place, a box across the 512-pixel line, a 1-pixel change at the corner, a
 * change at each edge, several at once, the whole screen. */
static const Change changes[][3] = {
  { { 20, 30, 96, 24, 0 } },
  { { 20, 30, 96, 24, 2 } },
  { { 500, 110, 25, 30, 0 } },
  { { WIDTH - 1, HEIGHT - 1, 1, 1, 2 } },
  { { 0, 0, WIDTH, 1, 0 }, { 0, HEIGHT - 1, WIDTH, 1, 0 } },
  { { 0, 40, 1, 50, 2 }, { WIDTH - 1, 40, 1, 50, 2 }, { 200, 150, 7, 3, 0 } },
  { { 0, 0, WIDTH, HEIGHT, 2 } },
};

/* At @scale and offset (@ox, @oy) in a view of @view_w×@view_h: after each change, the last
 * frame repainted inside the marks equals the new frame drawn whole. */
static void
check_repaints (double scale,
                double ox,
                double oy,
                int    view_w,
                int    view_h)
{
  g_autoptr(HangarFramebuffer) fb = hangar_framebuffer_new (WIDTH, HEIGHT, NULL);
  g_autoptr(GskRenderNode) root = NULL;
  cairo_surface_t *screen;

  fill_rect (fb, 1, 0, 0, WIDTH, HEIGHT);
  root = snapshot_view (fb, view_w, view_h, scale, ox, oy);
  screen = draw_all (root, view_w, view_h);
  if (scale == 1.0 && ox == 0 && oy == 0)
    assert_pattern (screen, 1);

  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    {
      g_autofree char *what = g_strdup_printf ("scale %g, change %u", scale, i);
      cairo_surface_t *whole;

      for (guint j = 0; j < G_N_ELEMENTS (changes[i]) && changes[i][j].width > 0; j++)
        {
          const Change *c = &changes[i][j];

          fill_rect (fb, c->pattern, c->x, c->y, c->width, c->height);
          hangar_framebuffer_damage (fb, c->x, c->y, c->width, c->height);
        }
      g_clear_pointer (&root, gsk_render_node_unref);
      root = snapshot_view (fb, view_w, view_h, scale, ox, oy);
      g_assert_cmpuint (n_marks (root), >, 0);
      repaint_marks (screen, root);
      whole = draw_all (root, view_w, view_h);
      assert_same_pixels (screen, whole, scale == 1.0 ? 0 : 2, what);
      cairo_surface_destroy (whole);
    }

  /* After the last change the screen shows pattern 2 everywhere. */
  if (scale == 1.0 && ox == 0 && oy == 0)
    assert_pattern (screen, 2);
  cairo_surface_destroy (screen);
}

static void
test_repaint_1to1 (void)
{
  check_repaints (1.0, 0, 0, WIDTH, HEIGHT);
}

static void
test_repaint_scaled (void)
{
  /* As in a machine page's Console tab: scaled down, centred. */
  check_repaints (0.828125, 0, 24, 440, 300);
  check_repaints (0.5, 10, 20, 300, 200);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/display/framebuffer-live/nodes", test_nodes);
  g_test_add_func ("/display/framebuffer-live/repaint-1to1", test_repaint_1to1);
  g_test_add_func ("/display/framebuffer-live/repaint-scaled", test_repaint_scaled);

  return g_test_run ();
}
