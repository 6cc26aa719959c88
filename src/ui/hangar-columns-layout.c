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
 * HangarMachineRow draws every cell itself where hangar_columns_layout_place () says. */

#define SPACING 12
/* The name column never gets narrower than this many average characters. */
#define NAME_MIN_CHARS 12

static const int column_widths[HANGAR_N_COLUMNS] = {
  0,    /* name: the rest */
  130,  /* state */
  80,   /* memory */
  50,   /* vCPUs */
  220,  /* operating system */
};

/* Width of columns 1..n_fixed, with the spacing before each. */
static int
fixed_width (guint n_fixed)
{
  int width = 0;

  for (guint i = 1; i <= n_fixed && i < HANGAR_N_COLUMNS; i++)
    width += SPACING + column_widths[i];

  return width;
}

/* What rows need of their font: the average character width and the height of a line, in
 * pixels. Asking Pango for font metrics lays out a sample text, which costs more than a whole
 * row, so the answer is kept for as long as the font stays the same (rows all share one).
 * Main thread only. */
typedef struct
{
  guint hash;
  int   char_width;
  int   line_height;
} FontFigures;

static const FontFigures *
font_figures (GtkWidget *widget)
{
  static FontFigures cached = { 0, -1, -1 };
  PangoContext *context = gtk_widget_get_pango_context (widget);
  const PangoFontDescription *font = pango_context_get_font_description (context);
  guint hash = font != NULL ? pango_font_description_hash (font) : 0;

  if (cached.char_width < 0 || hash != cached.hash)
    {
      PangoFontMetrics *metrics = pango_context_get_metrics (context, NULL, NULL);
      g_autoptr(PangoLayout) layout = pango_layout_new (context);
      int height;

      /* As a one-line GtkLabel measures itself: the logical height of its layout. */
      pango_layout_set_text (layout, "Xg", -1);
      pango_layout_get_pixel_size (layout, NULL, &height);
      cached.char_width = PANGO_PIXELS_CEIL (pango_font_metrics_get_approximate_char_width (metrics));
      cached.line_height = height;
      cached.hash = hash;
      pango_font_metrics_unref (metrics);
    }

  return &cached;
}

/**
 * hangar_columns_layout_name_min:
 * @widget: a row
 *
 * Returns: the minimum width of the name column, NAME_MIN_CHARS characters of @widget's font
 */
int
hangar_columns_layout_name_min (GtkWidget *widget)
{
  g_return_val_if_fail (GTK_IS_WIDGET (widget), 0);

  return NAME_MIN_CHARS * font_figures (widget)->char_width;
}

/**
 * hangar_columns_layout_line_height:
 * @widget: a row
 *
 * Returns: the height of one line of text in @widget's font, as a GtkLabel would have
 */
int
hangar_columns_layout_line_height (GtkWidget *widget)
{
  g_return_val_if_fail (GTK_IS_WIDGET (widget), 0);

  return font_figures (widget)->line_height;
}

/**
 * hangar_columns_layout_min_width:
 * @widget: a row
 * @natural: (out) (optional): the width that shows every column
 *
 * Returns: the width that shows the name and the state
 */
int
hangar_columns_layout_min_width (GtkWidget *widget,
                                 int       *natural)
{
  int name_min = hangar_columns_layout_name_min (widget);

  if (natural != NULL)
    *natural = name_min + fixed_width (HANGAR_N_COLUMNS - 1);

  return name_min + fixed_width (1);
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
