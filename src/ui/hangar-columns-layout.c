/* hangar-columns-layout.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-columns-layout"

#include "config.h"

#include "hangar-columns-layout.h"

/* The machine list's columns: the name takes what is left, the others have fixed widths, so
 * the header and every row line up. When the row is too narrow the last columns are dropped
 * one by one (name and state always stay), so the list, and with it the leaflet, can shrink.
 *
 * The children of the widget are its columns in order, except that the last child always goes
 * into the last column: a row may draw some columns itself (HangarMachineRow draws state, memory
 * and vCPUs) and have widgets only for the name and the OS. A child whose column is dropped
 * gets child-visible FALSE. */

#define SPACING 12

static const int column_widths[HANGAR_N_COLUMNS] = {
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

  for (guint i = 1; i <= n_fixed && i < HANGAR_N_COLUMNS; i++)
    width += SPACING + column_widths[i];

  return width;
}

/**
 * hangar_columns_layout_place:
 * @width: the row's width
 * @name_min: the name column's minimum width
 * @rtl: whether the row is right-to-left
 * @placement: (out caller-allocates): where each column goes
 *
 * The geometry shared by the layout and by rows that draw columns themselves.
 */
void
hangar_columns_layout_place (int                     width,
                             int                     name_min,
                             gboolean                rtl,
                             HangarColumnsPlacement *placement)
{
  guint n_fixed = HANGAR_N_COLUMNS - 1;
  int x = 0;

  while (n_fixed > 1 && name_min + fixed_width (n_fixed) > width)
    n_fixed--;

  for (guint i = 0; i < HANGAR_N_COLUMNS; i++)
    {
      int column_width;

      placement->shown[i] = i <= n_fixed;
      if (!placement->shown[i])
        {
          placement->x[i] = 0;
          placement->width[i] = 0;
          continue;
        }

      if (i == 0)
        column_width = MAX (name_min, width - fixed_width (n_fixed));
      else
        {
          x += SPACING;
          column_width = column_widths[i];
        }

      placement->x[i] = rtl ? width - x - column_width : x;
      placement->width[i] = column_width;
      x += column_width;
    }
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
      *natural = nat + fixed_width (HANGAR_N_COLUMNS - 1);
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
  GtkWidget *first = gtk_widget_get_first_child (widget);
  GtkWidget *last = gtk_widget_get_last_child (widget);
  HangarColumnsPlacement placement;
  int name_min = 0;
  guint i = 0;

  if (first != NULL)
    gtk_widget_measure (first, GTK_ORIENTATION_HORIZONTAL, -1, &name_min, NULL, NULL, NULL);
  hangar_columns_layout_place (width, name_min, gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL,
                               &placement);

  for (GtkWidget *child = first; child != NULL; child = gtk_widget_get_next_sibling (child), i++)
    {
      guint column = (child == last && child != first) ? HANGAR_N_COLUMNS - 1 : MIN (i, HANGAR_N_COLUMNS - 1);

      gtk_widget_set_child_visible (child, placement.shown[column]);
      if (!placement.shown[column] || !gtk_widget_should_layout (child))
        continue;

      gtk_widget_size_allocate (child,
                                &(GtkAllocation) { placement.x[column], 0,
                                                   placement.width[column], height },
                                -1);
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
