/* hangar-graph.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-graph"

#include "config.h"

#include "hangar-graph.h"

/* A line of the last N_VALUES values between 0 and 1, newest on the right. It draws only when
 * a value arrives: nothing animates, so an idle page costs nothing. */

#define N_VALUES 60

struct _HangarGraph
{
  GtkWidget parent_instance;

  double    values[N_VALUES]; /* a ring buffer */
  guint     first;            /* index of the oldest value */
  guint     n_values;
};

G_DEFINE_FINAL_TYPE (HangarGraph, hangar_graph, GTK_TYPE_WIDGET)

GtkWidget *
hangar_graph_new (void)
{
  return g_object_new (HANGAR_TYPE_GRAPH, NULL);
}

void
hangar_graph_add_value (HangarGraph *self,
                        double       value)
{
  g_return_if_fail (HANGAR_IS_GRAPH (self));

  value = CLAMP (value, 0.0, 1.0);

  if (self->n_values < N_VALUES)
    {
      self->values[(self->first + self->n_values) % N_VALUES] = value;
      self->n_values++;
    }
  else
    {
      self->values[self->first] = value;
      self->first = (self->first + 1) % N_VALUES;
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
hangar_graph_clear (HangarGraph *self)
{
  g_return_if_fail (HANGAR_IS_GRAPH (self));

  if (self->n_values == 0)
    return;

  self->first = 0;
  self->n_values = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
hangar_graph_get_n_values (HangarGraph *self)
{
  g_return_val_if_fail (HANGAR_IS_GRAPH (self), 0);

  return self->n_values;
}

static void
draw (HangarGraph   *self,
      cairo_t       *cr,
      double         width,
      double         height,
      const GdkRGBA *color_)
{
  GdkRGBA color = *color_;
  double step = width / (N_VALUES - 1);
  double x0;

  /* A faint grid at 0, 50 and 100 %. */
  cairo_set_line_width (cr, 1);
  cairo_set_source_rgba (cr, color.red, color.green, color.blue, color.alpha * 0.15);
  for (guint i = 0; i <= 2; i++)
    {
      double y = 0.5 + (height - 1) * i / 2.0;

      cairo_move_to (cr, 0, y);
      cairo_line_to (cr, width, y);
    }
  cairo_stroke (cr);

  if (self->n_values == 0)
    return;

  /* The newest value sits at the right edge; older ones run to the left. */
  x0 = width - step * (self->n_values - 1);
  for (guint i = 0; i < self->n_values; i++)
    {
      double v = self->values[(self->first + i) % N_VALUES];
      double y = 1 + (height - 2) * (1.0 - v);

      if (i == 0)
        cairo_move_to (cr, x0, y);
      else
        cairo_line_to (cr, x0 + step * i, y);
    }

  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_width (cr, 2);
  cairo_set_source_rgba (cr, color.red, color.green, color.blue, color.alpha);
  cairo_stroke_preserve (cr);

  cairo_line_to (cr, width, height);
  cairo_line_to (cr, x0, height);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, color.red, color.green, color.blue, color.alpha * 0.2);
  cairo_fill (cr);
}

static void
hangar_graph_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  GdkRGBA color;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw (HANGAR_GRAPH (widget), cr, width, height, &color);
  cairo_destroy (cr);
}

static void
hangar_graph_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 60 : 40;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 80;
}

static void
hangar_graph_class_init (HangarGraphClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = hangar_graph_snapshot;
  widget_class->measure = hangar_graph_measure;

  gtk_widget_class_set_css_name (widget_class, "graph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
hangar_graph_init (HangarGraph *self)
{
}
