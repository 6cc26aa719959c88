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

/* One row of the machine list. GtkListView recycles a few dozen of these for any number of
 * machines; every label is a binding in the template, so rebinding costs no C code. */
struct _HangarMachineRow
{
  GtkWidget      parent_instance;

  HangarMachine *machine;
  gboolean       header;

  /* Template widgets */
  GtkLabel      *name_label;
  GtkWidget     *state_icon;
  GtkLabel      *state_label;
  GtkLabel      *memory_label;
  GtkLabel      *vcpus_label;
  GtkLabel      *os_label;
};

G_DEFINE_FINAL_TYPE (HangarMachineRow, hangar_machine_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MACHINE,
  PROP_HEADER,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

HangarMachine *
hangar_machine_row_get_machine (HangarMachineRow *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE_ROW (self), NULL);

  return self->machine;
}

void
hangar_machine_row_set_machine (HangarMachineRow *self,
                                HangarMachine    *machine)
{
  g_return_if_fail (HANGAR_IS_MACHINE_ROW (self));
  g_return_if_fail (machine == NULL || HANGAR_IS_MACHINE (machine));

  if (!g_set_object (&self->machine, machine))
    return;

  /* Title and OS live in each machine's XML; the model batches these requests for the rows
   * on screen, so scrolling through 10 000 machines asks only for what is seen. */
  if (machine != NULL)
    hangar_machine_load_summary (machine);

  /* The row is what assistive technology lands on: name it after the machine. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  machine ? hangar_machine_get_name (machine) : "",
                                  -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MACHINE]);
}

/* The list's column header is a row too, so it shares the row's column layout. */
static void
set_header (HangarMachineRow *self,
            gboolean          header)
{
  self->header = header;
  if (!header)
    return;

  gtk_label_set_label (self->name_label, _("Name"));
  gtk_label_set_label (self->state_label, _("State"));
  gtk_label_set_label (self->memory_label, _("Memory"));
  gtk_label_set_label (self->vcpus_label, _("vCPUs"));
  gtk_label_set_label (self->os_label, _("Operating System"));
  gtk_widget_set_visible (self->state_icon, FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->os_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self), "header");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.open", FALSE);
}

static char *
format_memory_cb (gpointer item,
                  guint64  memory_kib)
{
  return hangar_format_memory_kib (memory_kib);
}

static char *
format_vcpus_cb (gpointer item,
                 guint    vcpus)
{
  if (vcpus == 0)
    return g_strdup ("—");
  return g_strdup_printf ("%u", vcpus);
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
  GtkWidget *child;
  HangarMachineRow *self = HANGAR_MACHINE_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HANGAR_TYPE_MACHINE_ROW);
  /* dispose_template () only unparents bound children; the template has others. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->machine);

  G_OBJECT_CLASS (hangar_machine_row_parent_class)->dispose (object);
}

static void
hangar_machine_row_class_init (HangarMachineRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hangar_machine_row_dispose;
  object_class->get_property = hangar_machine_row_get_property;
  object_class->set_property = hangar_machine_row_set_property;

  properties[PROP_MACHINE] =
    g_param_spec_object ("machine", NULL, NULL,
                         HANGAR_TYPE_MACHINE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_HEADER] =
    g_param_spec_boolean ("header", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  hangar_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/ui/hangar-machine-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HangarMachineRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineRow, state_icon);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineRow, memory_label);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineRow, vcpus_label);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineRow, os_label);
  gtk_widget_class_bind_template_callback (widget_class, format_memory_cb);
  gtk_widget_class_bind_template_callback (widget_class, format_vcpus_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, HANGAR_TYPE_COLUMNS_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "machinerow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);

  /* Also reachable through AT-SPI's Action interface, which lists a widget's own actions. */
  gtk_widget_class_install_action (widget_class, "row.open", NULL, open_action);

  g_type_ensure (HANGAR_TYPE_MACHINE);
}

static void
hangar_machine_row_init (HangarMachineRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
