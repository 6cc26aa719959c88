/* hangar-machine-row.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-machine-row"

#include "config.h"

#include <glib/gi18n.h>

#include "hangar-columns-layout.h"
#include "hangar-machine-row.h"
#include "hangar-ui-util.h"

/* One row of the machine list.
 *
 * GTK 4.8's GtkListView keeps up to 200 rows alive (not only the visible ones) and builds,
 * measures, allocates and snapshots all of them on the first fill, so a row has to be cheap:
 * every widget in it costs its CSS style, its measure and its allocation, 200 times over.
 * So a row is one widget with no children, made in C (no GtkBuilder template, no expression
 * bindings): it draws every cell itself at snapshot time (name, with the libvirt title in front
 * of it when the machine has one; state icon and label; memory; vCPUs; OS), from the machine's
 * properties; one "notify" handler on the machine updates what changed. Measuring a row costs
 * nothing: its height is one line of its font and its widths are fixed, both from font figures
 * kept by hangar-columns-layout.c (a GtkLabel measures its text each time, with width-chars or
 * ellipsizing several times, and a GtkInscription asks Pango for font metrics, which lays out
 * a sample text: together they were the largest cost of the first fill). Only the rows on
 * screen are drawn. hangar_columns_layout_place () says where the cells go, so the header (a
 * row too) and the rows line up. Assistive technology gets the name as the row's label and
 * the other cells as its description. */
struct _HangarMachineRow
{
  GtkWidget      parent_instance;

  HangarMachine *machine;
  gulong         notify_id;
  gboolean       header;

  char          *text;        /* the name cell: title and name, or the name */
  PangoAttrList *text_attrs;  /* dims the name after a title; NULL otherwise */
};

G_DEFINE_FINAL_TYPE (HangarMachineRow, hangar_machine_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MACHINE,
  PROP_HEADER,
  N_PROPS,
};

#define ICON_SIZE    16
#define ICON_SPACING 6
/* As Adwaita's .dim-label. */
#define DIM_OPACITY  0.55

static GParamSpec *properties[N_PROPS];

HangarMachine *
hangar_machine_row_get_machine (HangarMachineRow *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE_ROW (self), NULL);

  return self->machine;
}

/* What the name cell shows: "TITLE  NAME" when the machine has a title, else its name. */
const char *
hangar_machine_row_get_text (HangarMachineRow *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE_ROW (self), NULL);

  return self->text;
}

static char *
format_vcpus (guint vcpus)
{
  if (vcpus == 0)
    return g_strdup ("—");
  return g_strdup_printf ("%u", vcpus);
}

/* What the drawn cells show, for assistive technology: "Running, 2 GiB, 2 vCPUs". */
static void
update_description (HangarMachineRow *self)
{
  g_autofree char *memory = hangar_format_memory_kib (hangar_machine_get_memory (self->machine));
  guint vcpus = hangar_machine_get_vcpus (self->machine);
  g_autofree char *description = NULL;

  const char *os = hangar_machine_get_os_name (self->machine);

  if (os != NULL && *os != '\0')
    /* Translators: a machine in the list: its state, memory, number of virtual CPUs and OS */
    description = g_strdup_printf (ngettext ("%s, %s, %u vCPU, %s", "%s, %s, %u vCPUs, %s", vcpus),
                                   hangar_machine_get_state_label (self->machine), memory, vcpus, os);
  else
    /* Translators: a machine in the list: its state, memory and number of virtual CPUs */
    description = g_strdup_printf (ngettext ("%s, %s, %u vCPU", "%s, %s, %u vCPUs", vcpus),
                                   hangar_machine_get_state_label (self->machine), memory, vcpus);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

/* The title, when the machine has one, is what people named it for themselves (virt-manager and
 * Boxes show it instead of the name); the name follows, dimmed, since virsh and the logs use it. */
static void
update_name (HangarMachineRow *self)
{
  const char *name = hangar_machine_get_name (self->machine);
  const char *title = hangar_machine_get_title (self->machine);
  g_autofree char *accessible = NULL;
  PangoAttribute *attr;

  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_clear_pointer (&self->text_attrs, pango_attr_list_unref);

  if (title == NULL || *title == '\0' || g_strcmp0 (title, name) == 0)
    {
      g_free (self->text);
      self->text = g_strdup (name);
      /* The row is what assistive technology lands on: name it after the machine. */
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                      -1);
      return;
    }

  g_free (self->text);
  self->text = g_strconcat (title, "  ", name, NULL);
  self->text_attrs = pango_attr_list_new ();
  attr = pango_attr_foreground_alpha_new ((guint16) (DIM_OPACITY * 65535));
  attr->start_index = strlen (title);
  attr->end_index = strlen (self->text);
  pango_attr_list_insert (self->text_attrs, attr);

  /* Translators: a machine in the list: its title, then its libvirt name */
  accessible = g_strdup_printf (_("%s (%s)"), title, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
}

static void
machine_notify_cb (HangarMachineRow *self,
                   GParamSpec       *pspec)
{
  const char *name = pspec->name;

  if (g_str_equal (name, "state") || g_str_equal (name, "state-label") ||
      g_str_equal (name, "state-icon") || g_str_equal (name, "memory") ||
      g_str_equal (name, "vcpus"))
    {
      update_description (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else if (g_str_equal (name, "os-name"))
    {
      update_description (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else if (g_str_equal (name, "name") || g_str_equal (name, "title"))
    update_name (self);
}

void
hangar_machine_row_set_machine (HangarMachineRow *self,
                                HangarMachine    *machine)
{
  g_return_if_fail (HANGAR_IS_MACHINE_ROW (self));
  g_return_if_fail (machine == NULL || HANGAR_IS_MACHINE (machine));
  g_return_if_fail (!self->header || machine == NULL);

  if (self->machine == machine)
    return;

  if (self->machine != NULL)
    g_clear_signal_handler (&self->notify_id, self->machine);
  g_set_object (&self->machine, machine);

  /* An unbound row is not shown; its children keep their text until the next machine. */
  if (machine != NULL)
    {
      self->notify_id = g_signal_connect_object (machine, "notify",
                                                 G_CALLBACK (machine_notify_cb), self,
                                                 G_CONNECT_SWAPPED);
      update_name (self);
      update_description (self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MACHINE]);
}

/* One line of text in a drawn cell, ellipsized to @width and centred vertically like a label. */
static void
draw_text (HangarMachineRow *self,
           GtkSnapshot      *snapshot,
           const char       *text,
           int               x,
           int               width,
           gboolean          align_end,
           PangoAttrList    *attrs,
           const GdkRGBA    *color)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autoptr(PangoLayout) layout = NULL;
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  PangoRectangle logical;

  if (text == NULL || *text == '\0' || width <= 0)
    return;

  layout = gtk_widget_create_pango_layout (widget, text);
  pango_layout_set_attributes (layout, attrs);
  pango_layout_set_width (layout, width * PANGO_SCALE);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment (layout, align_end != rtl ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
  pango_layout_get_pixel_extents (layout, NULL, &logical);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (x, MAX (0, (gtk_widget_get_height (widget) -
                                                            logical.height) / 2)));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
draw_icon (HangarMachineRow *self,
           GtkSnapshot      *snapshot,
           const char       *icon_name,
           int               x,
           const GdkRGBA    *color)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (widget));
  g_autoptr(GtkIconPaintable) icon = NULL;

  if (icon_name == NULL)
    return;

  icon = gtk_icon_theme_lookup_icon (theme, icon_name, NULL, ICON_SIZE,
                                     gtk_widget_get_scale_factor (widget),
                                     gtk_widget_get_direction (widget), 0);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (x, (gtk_widget_get_height (widget) - ICON_SIZE) / 2));
  gtk_symbolic_paintable_snapshot_symbolic (GTK_SYMBOLIC_PAINTABLE (icon), snapshot,
                                            ICON_SIZE, ICON_SIZE, color, 1);
  gtk_snapshot_restore (snapshot);
}

static void
hangar_machine_row_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  HangarMachineRow *self = HANGAR_MACHINE_ROW (widget);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();
  g_autoptr(PangoAttrList) numeric_attrs = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *vcpus = NULL;
  HangarColumnsPlacement columns;
  const char *state = NULL;
  const char *os = NULL;
  GdkRGBA color;
  GdkRGBA os_color = { 0 };
  int state_x;
  int state_width;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);

  hangar_columns_layout_place (gtk_widget_get_width (widget), hangar_columns_layout_name_min (widget),
                               rtl, &columns);
  state_x = columns.x[HANGAR_COLUMN_STATE];
  state_width = columns.width[HANGAR_COLUMN_STATE];

  if (self->header)
    {
      /* As .machine-list-header label in style.css. */
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_attr_list_insert (attrs, pango_attr_scale_new (0.9));
      color.alpha *= 0.7;
      state = _("State");
      memory = g_strdup (_("Memory"));
      vcpus = g_strdup (_("vCPUs"));
      numeric_attrs = pango_attr_list_ref (attrs);
      os = _("Operating System");
      os_color = color;
    }
  else if (self->machine != NULL)
    {
      state = hangar_machine_get_state_label (self->machine);
      memory = hangar_format_memory_kib (hangar_machine_get_memory (self->machine));
      vcpus = format_vcpus (hangar_machine_get_vcpus (self->machine));
      os = hangar_machine_get_os_name (self->machine);
      os_color = color;
      os_color.alpha *= DIM_OPACITY;
      /* Digits of equal width, as the .numeric style class does. */
      numeric_attrs = pango_attr_list_new ();
      pango_attr_list_insert (numeric_attrs, pango_attr_font_features_new ("tnum=1"));

      draw_icon (self, snapshot, hangar_machine_get_state_icon (self->machine),
                 rtl ? state_x + state_width - ICON_SIZE : state_x, &color);
      if (!rtl)
        state_x += ICON_SIZE + ICON_SPACING;
      state_width -= ICON_SIZE + ICON_SPACING;
    }

  if (self->header || self->text_attrs == NULL)
    draw_text (self, snapshot, self->text, columns.x[HANGAR_COLUMN_NAME],
               columns.width[HANGAR_COLUMN_NAME], FALSE, attrs, &color);
  else
    draw_text (self, snapshot, self->text, columns.x[HANGAR_COLUMN_NAME],
               columns.width[HANGAR_COLUMN_NAME], FALSE, self->text_attrs, &color);
  draw_text (self, snapshot, state, state_x, state_width, FALSE, attrs, &color);
  if (columns.shown[HANGAR_COLUMN_MEMORY])
    draw_text (self, snapshot, memory, columns.x[HANGAR_COLUMN_MEMORY],
               columns.width[HANGAR_COLUMN_MEMORY], TRUE, numeric_attrs, &color);
  if (columns.shown[HANGAR_COLUMN_VCPUS])
    draw_text (self, snapshot, vcpus, columns.x[HANGAR_COLUMN_VCPUS],
               columns.width[HANGAR_COLUMN_VCPUS], TRUE, numeric_attrs, &color);
  if (columns.shown[HANGAR_COLUMN_OS])
    draw_text (self, snapshot, os, columns.x[HANGAR_COLUMN_OS], columns.width[HANGAR_COLUMN_OS],
               FALSE, attrs, &os_color);

}

static void
hangar_machine_row_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  HangarMachineRow *self = HANGAR_MACHINE_ROW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = hangar_columns_layout_min_width (widget, natural);
      return;
    }

  if (self->header)
    {
      /* Its text is smaller and bold (see the snapshot): measure that once, it is one widget. */
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, _("Name"));
      g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_attr_list_insert (attrs, pango_attr_scale_new (0.9));
      pango_layout_set_attributes (layout, attrs);
      pango_layout_get_pixel_size (layout, NULL, minimum);
    }
  else
    *minimum = hangar_columns_layout_line_height (widget);
  *natural = *minimum;
}

/* The list's column header is a row too, so it shares the row's column layout. */
static void
set_header (HangarMachineRow *self,
            gboolean          header)
{
  self->header = header;
  if (!header)
    return;

  g_free (self->text);
  self->text = g_strdup (_("Name"));
  gtk_widget_add_css_class (GTK_WIDGET (self), "header");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.open", FALSE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HangarMachineRow *self = HANGAR_MACHINE_ROW (widget);

  if (self->machine == NULL)
    return;

  gtk_widget_activate_action (widget, "machines.open", "s",
                              hangar_machine_get_uuid (self->machine));
}

static void
hangar_machine_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HangarMachineRow *self = HANGAR_MACHINE_ROW (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      g_value_set_object (value, self->machine);
      break;

    case PROP_HEADER:
      g_value_set_boolean (value, self->header);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_machine_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  HangarMachineRow *self = HANGAR_MACHINE_ROW (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      hangar_machine_row_set_machine (self, g_value_get_object (value));
      break;

    case PROP_HEADER:
      set_header (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_machine_row_dispose (GObject *object)
{
  HangarMachineRow *self = HANGAR_MACHINE_ROW (object);

  if (self->machine != NULL)
    g_clear_signal_handler (&self->notify_id, self->machine);
  g_clear_object (&self->machine);

  G_OBJECT_CLASS (hangar_machine_row_parent_class)->dispose (object);
}

static void
hangar_machine_row_finalize (GObject *object)
{
  HangarMachineRow *self = HANGAR_MACHINE_ROW (object);

  g_free (self->text);
  g_clear_pointer (&self->text_attrs, pango_attr_list_unref);

  G_OBJECT_CLASS (hangar_machine_row_parent_class)->finalize (object);
}

static void
hangar_machine_row_class_init (HangarMachineRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hangar_machine_row_dispose;
  object_class->finalize = hangar_machine_row_finalize;
  object_class->get_property = hangar_machine_row_get_property;
  object_class->set_property = hangar_machine_row_set_property;

  widget_class->snapshot = hangar_machine_row_snapshot;
  widget_class->measure = hangar_machine_row_measure;

  properties[PROP_MACHINE] =
    g_param_spec_object ("machine", NULL, NULL,
                         HANGAR_TYPE_MACHINE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_HEADER] =
    g_param_spec_boolean ("header", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "machinerow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);

  /* Also reachable through AT-SPI's Action interface, which lists a widget's own actions. */
  gtk_widget_class_install_action (widget_class, "row.open", NULL, open_action);

  g_type_ensure (HANGAR_TYPE_MACHINE);
}

static void
hangar_machine_row_init (HangarMachineRow *self)
{
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
}
