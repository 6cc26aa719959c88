/* hangar-columns-layout.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-columns-layout"

#include "config.h"

#include "hangar-columns-layout.h"

/* The machine list's columns: the first child takes what is left, the others have fixed widths,
 * so the header and every row line up. When the row is too narrow the last columns are dropped
 * (child-visible FALSE) one by one, so the list, and with it the leaflet, can shrink. */

#define SPACING 12

static const int column_widths[] = {
  0,    /* name: the rest */
  130,  /* state */
  80,   /* memory */
  50,   /* vCPUs */
  220,  /* operating system */
};

struct _HangarColumnsLayout
{
  GtkLayoutManager parent_instance;
};

G_DEFINE_FINAL_TYPE (HangarColumnsLayout, hangar_columns_layout, GTK_TYPE_LAYOUT_MANAGER)

GtkLayoutManager *
hangar_columns_layout_new (void)
{
  return g_object_new (HANGAR_TYPE_COLUMNS_LAYOUT, NULL);
}

/* Width of columns 1..n_fixed, with the spacing before each. */
static int
fixed_width (guint n_fixed)
{
  int width = 0;

  for (guint i = 1; i <= n_fixed && i < G_N_ELEMENTS (column_widths); i++)
    width += SPACING + column_widths[i];

  return width;
}

static void
hangar_columns_layout_measure (GtkLayoutManager *manager,
                               GtkWidget        *widget,
                               GtkOrientation    orientation,
                               int               for_size,
                               int              *minimum,
                               int              *natural,
                               int              *minimum_baseline,
                               int              *natural_baseline)
{
  GtkWidget *first = gtk_widget_get_first_child (widget);
  int min = 0;
  int nat = 0;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      if (first != NULL)
        gtk_widget_measure (first, orientation, -1, &min, &nat, NULL, NULL);
      /* At least the name and the state; at best every column. */
      *minimum = min + fixed_width (1);
      *natural = nat + fixed_width (G_N_ELEMENTS (column_widths) - 1);
      return;
    }

  for (GtkWidget *child = first; child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      int child_min = 0;
      int child_nat = 0;

      if (!gtk_widget_should_layout (child))
        continue;
      gtk_widget_measure (child, orientation, -1, &child_min, &child_nat, NULL, NULL);
      min = MAX (min, child_min);
      nat = MAX (nat, child_nat);
    }

  *minimum = min;
  *natural = nat;
}

static void
hangar_columns_layout_allocate (GtkLayoutManager *manager,
                                GtkWidget        *widget,
                                int               width,
                                int               height,
                                int               baseline)
{
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  GtkWidget *first = gtk_widget_get_first_child (widget);
  guint n_fixed = G_N_ELEMENTS (column_widths) - 1;
  int name_min = 0;
  int x = 0;
  guint i = 0;

  if (first != NULL)
    gtk_widget_measure (first, GTK_ORIENTATION_HORIZONTAL, -1, &name_min, NULL, NULL, NULL);
  while (n_fixed > 1 && name_min + fixed_width (n_fixed) > width)
    n_fixed--;

  for (GtkWidget *child = first; child != NULL; child = gtk_widget_get_next_sibling (child), i++)
    {
      int child_width;

      if (i > n_fixed)
        {
          gtk_widget_set_child_visible (child, FALSE);
          continue;
        }

      gtk_widget_set_child_visible (child, TRUE);
      if (!gtk_widget_should_layout (child))
        continue;

      if (i == 0)
        child_width = MAX (name_min, width - fixed_width (n_fixed));
      else
        {
          x += SPACING;
          child_width = i < G_N_ELEMENTS (column_widths) ? column_widths[i] : 0;
        }

      gtk_widget_size_allocate (child,
                                &(GtkAllocation) { rtl ? width - x - child_width : x, 0,
                                                   child_width, height },
                                -1);
      x += child_width;
    }
}

static void
hangar_columns_layout_class_init (HangarColumnsLayoutClass *klass)
{
  GtkLayoutManagerClass *layout_class = GTK_LAYOUT_MANAGER_CLASS (klass);

  layout_class->measure = hangar_columns_layout_measure;
  layout_class->allocate = hangar_columns_layout_allocate;
}

static void
hangar_columns_layout_init (HangarColumnsLayout *self)
{
}
