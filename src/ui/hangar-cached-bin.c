/* hangar-cached-bin.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-cached-bin"

#include "config.h"

#include "hangar-cached-bin.h"

/* A bin that hands GTK its child's drawing as one cairo node, drawn from a picture made when the
 * child last changed. Under a console's header bar: GTK 4.8's cairo renderer draws every node of
 * the window on every frame (clipped to the damage, but each symbolic icon's texture is still
 * converted pixel by pixel), so with a guest updating 30 times a second the seven icons of the
 * header bar cost about a quarter of each frame (tests/bench/console-bench.sh, CPERF-2 notes).
 * A cairo node is one paint of a ready surface. The child is snapshotted again only when it
 * queues a draw (hover, focus, a label change), as any widget is; events and accessibility go to
 * the real widgets as before, only their pixels are cached. */

struct _HangarCachedBin
{
  GtkWidget parent_instance;

  GtkWidget *child;
};

G_DEFINE_FINAL_TYPE (HangarCachedBin, hangar_cached_bin, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CHILD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
hangar_cached_bin_new (void)
{
  return g_object_new (HANGAR_TYPE_CACHED_BIN, NULL);
}

static void
hangar_cached_bin_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  HangarCachedBin *self = HANGAR_CACHED_BIN (widget);
  g_autoptr(GtkSnapshot) inner = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GskRenderNode) cached = NULL;
  graphene_rect_t bounds;
  cairo_t *cr;
  int scale, width, height;

  if (self->child == NULL)
    return;

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  if (width <= 0 || height <= 0)
    return;

  /* A cairo node's surface has one pixel per unit in GTK 4.8: at a higher scale the picture
   * would be blurred, so there the child draws as usual. */
  scale = gtk_widget_get_scale_factor (widget);
  if (scale != 1)
    {
      gtk_widget_snapshot_child (widget, self->child, snapshot);
      return;
    }

  inner = gtk_snapshot_new ();
  gtk_widget_snapshot_child (widget, self->child, inner);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&inner));
  if (node == NULL)
    return;

  /* In the widget's own bounds: what the child draws outside them (a shadow, a focus ring) is
   * clipped, as a header bar's is by the window anyway. */
  graphene_rect_init (&bounds, 0, 0, width, height);
  cached = gsk_cairo_node_new (&bounds);
  cr = gsk_cairo_node_get_draw_context (cached);
  gsk_render_node_draw (node, cr);
  cairo_destroy (cr);

  gtk_snapshot_append_node (snapshot, cached);
}

static void
hangar_cached_bin_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  HangarCachedBin *self = HANGAR_CACHED_BIN (widget);

  if (self->child != NULL)
    gtk_widget_measure (self->child, orientation, for_size, minimum, natural,
                        minimum_baseline, natural_baseline);
}

static void
hangar_cached_bin_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  HangarCachedBin *self = HANGAR_CACHED_BIN (widget);

  if (self->child != NULL)
    gtk_widget_allocate (self->child, width, height, baseline, NULL);
}

void
hangar_cached_bin_set_child (HangarCachedBin *self,
                             GtkWidget       *child)
{
  g_return_if_fail (HANGAR_IS_CACHED_BIN (self));
  g_return_if_fail (child == NULL || GTK_IS_WIDGET (child));

  if (self->child == child)
    return;

  g_clear_pointer (&self->child, gtk_widget_unparent);
  if (child != NULL)
    {
      self->child = child;
      gtk_widget_set_parent (child, GTK_WIDGET (self));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHILD]);
}

GtkWidget *
hangar_cached_bin_get_child (HangarCachedBin *self)
{
  g_return_val_if_fail (HANGAR_IS_CACHED_BIN (self), NULL);

  return self->child;
}

static void
hangar_cached_bin_dispose (GObject *object)
{
  HangarCachedBin *self = HANGAR_CACHED_BIN (object);

  g_clear_pointer (&self->child, gtk_widget_unparent);

  G_OBJECT_CLASS (hangar_cached_bin_parent_class)->dispose (object);
}

static void
hangar_cached_bin_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  HangarCachedBin *self = HANGAR_CACHED_BIN (object);

  switch (prop_id)
    {
    case PROP_CHILD:
      g_value_set_object (value, self->child);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_cached_bin_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  HangarCachedBin *self = HANGAR_CACHED_BIN (object);

  switch (prop_id)
    {
    case PROP_CHILD:
      hangar_cached_bin_set_child (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_cached_bin_class_init (HangarCachedBinClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hangar_cached_bin_dispose;
  object_class->get_property = hangar_cached_bin_get_property;
  object_class->set_property = hangar_cached_bin_set_property;

  widget_class->snapshot = hangar_cached_bin_snapshot;
  widget_class->measure = hangar_cached_bin_measure;
  widget_class->size_allocate = hangar_cached_bin_size_allocate;

  properties[PROP_CHILD] =
    g_param_spec_object ("child", NULL, NULL,
                         GTK_TYPE_WIDGET,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GENERIC);
}

static void
hangar_cached_bin_init (HangarCachedBin *self)
{
}
