/* hangar-machine-page.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-machine-page"

#include "config.h"

#include <glib/gi18n.h>

#include "hangar-console-module.h"
#include "hangar-graph.h"
#include "hangar-machine-actions.h"
#include "hangar-machine-page.h"
#include "hangar-ui-util.h"

/* One machine: an AdwViewStack of pages (Overview here; Console and Snapshots are added by
 * adding an AdwViewStackPage to view_stack) above an action bar with the lifecycle buttons. */
struct _HangarMachinePage
{
  GtkWidget            parent_instance;

  HangarMachine       *machine;
  GSignalGroup        *machine_signals;
  /* Cancelled when the machine changes or the page goes away. */
  GCancellable        *details_cancellable;
  /* Cancelled when sampling stops. */
  GCancellable        *sample_cancellable;
  /* The rows made from the details, to remove them on the next load; unowned. */
  GPtrArray           *detail_rows;
  HangarMachineSample  last_sample;
  guint                sample_source;
  guint                have_last_sample : 1;
  guint                sample_in_flight : 1;
  guint                details_loaded : 1;
  guint                folded : 1;
  /* The HangarConsolePage from the console module, owned by console_bin; NULL when the module
   * could not be loaded (console_bin then says why). */
  GtkWidget           *console_page;

  /* Template widgets */
  AdwViewStack        *view_stack;
  AdwBin              *console_bin;
  AdwViewSwitcherTitle *switcher_title;
  GtkWidget           *header_name_label;
  AdwPreferencesGroup *usage_group;
  HangarGraph         *cpu_graph;
  HangarGraph         *memory_graph;
  GtkLabel            *cpu_label;
  GtkLabel            *memory_usage_label;
  GtkLabel            *graphics_label;
  GtkLabel            *arch_label;
  AdwPreferencesGroup *disks_group;
  AdwPreferencesGroup *networks_group;
  GtkWidget           *start_button;
  GtkWidget           *resume_button;
  GtkWidget           *shutdown_button;
  GtkWidget           *reboot_button;
  GtkWidget           *pause_button;
  GtkWidget           *force_off_button;
  GtkWidget           *delete_button;
  GtkWidget           *compact_start_button;
  GtkWidget           *compact_resume_button;
  GtkWidget           *compact_shutdown_button;
  GtkWidget           *more_button;
  AdwSqueezer         *action_squeezer;
};

G_DEFINE_FINAL_TYPE (HangarMachinePage, hangar_machine_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MACHINE,
  PROP_FOLDED,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

#define BUTTON(field) G_STRUCT_OFFSET (HangarMachinePage, field)

/* Each lifecycle action, and the buttons that show it while hangar_machine_can () allows it:
 * one in the wide action bar, and one in the narrow one (or the "more" menu when 0). */
static const struct {
  const char          *name;
  HangarMachineAction  action;
  gsize                button_offset;
  gsize                compact_offset;
} machine_actions[] = {
  { "machine.start", HANGAR_MACHINE_ACTION_START, BUTTON (start_button),
    BUTTON (compact_start_button) },
  { "machine.resume", HANGAR_MACHINE_ACTION_RESUME, BUTTON (resume_button),
    BUTTON (compact_resume_button) },
  { "machine.shutdown", HANGAR_MACHINE_ACTION_SHUTDOWN, BUTTON (shutdown_button),
    BUTTON (compact_shutdown_button) },
  { "machine.reboot", HANGAR_MACHINE_ACTION_REBOOT, BUTTON (reboot_button), 0 },
  { "machine.pause", HANGAR_MACHINE_ACTION_PAUSE, BUTTON (pause_button), 0 },
  { "machine.force-off", HANGAR_MACHINE_ACTION_FORCE_OFF, BUTTON (force_off_button), 0 },
  { "machine.delete", HANGAR_MACHINE_ACTION_DELETE, BUTTON (delete_button), 0 },
};

#undef BUTTON

HangarMachine *
hangar_machine_page_get_machine (HangarMachinePage *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE_PAGE (self), NULL);

  return self->machine;
}

/**
 * hangar_machine_page_get_view_stack:
 *
 * Other pages of a machine (console, snapshots) are added here.
 *
 * Returns: (transfer none): the page's #AdwViewStack
 */
AdwViewStack *
hangar_machine_page_get_view_stack (HangarMachinePage *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE_PAGE (self), NULL);

  return self->view_stack;
}

/* Whether the once-a-second statistics timer runs. */
gboolean
hangar_machine_page_get_sampling (HangarMachinePage *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE_PAGE (self), FALSE);

  return self->sample_source != 0;
}

gboolean
hangar_machine_page_get_details_loaded (HangarMachinePage *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE_PAGE (self), FALSE);

  return self->details_loaded;
}

static gboolean
is_running (HangarMachinePage *self)
{
  return self->machine != NULL &&
         hangar_machine_get_state (self->machine) == HANGAR_MACHINE_STATE_RUNNING;
}

static void
update_actions (HangarMachinePage *self)
{
  gboolean busy = self->machine != NULL && hangar_machine_get_busy (self->machine);
  gboolean in_menu = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (machine_actions); i++)
    {
      GtkWidget *button = G_STRUCT_MEMBER (GtkWidget *, self, machine_actions[i].button_offset);
      gboolean can = self->machine != NULL && hangar_machine_can (self->machine,
                                                                  machine_actions[i].action);

      gtk_widget_action_set_enabled (GTK_WIDGET (self), machine_actions[i].name, can && !busy);
      gtk_widget_set_visible (button, can);
      if (machine_actions[i].compact_offset != 0)
        gtk_widget_set_visible (G_STRUCT_MEMBER (GtkWidget *, self, machine_actions[i].compact_offset),
                                can);
      else
        in_menu |= can;
    }

  gtk_widget_set_visible (self->more_button, in_menu);
}

static void
sample_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HangarMachinePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *used = NULL;
  g_autofree char *total = NULL;
  g_autofree char *text = NULL;
  HangarMachineSample sample = { 0 };
  double cpu;

  if (!hangar_machine_sample_finish (HANGAR_MACHINE (object), result, &sample, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          self->sample_in_flight = FALSE;
          g_debug ("Could not sample %s: %s", hangar_machine_get_name (HANGAR_MACHINE (object)),
                   error->message);
        }
      return;
    }

  self->sample_in_flight = FALSE;
  if (HANGAR_MACHINE (object) != self->machine)
    return;

  if (self->have_last_sample && sample.timestamp_us > self->last_sample.timestamp_us &&
      sample.cpu_time_ns >= self->last_sample.cpu_time_ns)
    {
      double elapsed_ns = (sample.timestamp_us - self->last_sample.timestamp_us) * 1000.0;

      cpu = (sample.cpu_time_ns - self->last_sample.cpu_time_ns) / elapsed_ns / MAX (sample.vcpus,
                                                                                     1);
      hangar_graph_add_value (self->cpu_graph, cpu);
      /* Translators: processor use, e.g. "12 %" */
      text = g_strdup_printf (_("%.0f %%"), CLAMP (cpu, 0.0, 1.0) * 100.0);
      gtk_label_set_label (self->cpu_label, text);
      g_clear_pointer (&text, g_free);
    }

  if (sample.memory_total_kib > 0)
    {
      hangar_graph_add_value (self->memory_graph,
                              (double) sample.memory_used_kib / sample.memory_total_kib);
      used = hangar_format_memory_kib (sample.memory_used_kib);
      total = hangar_format_memory_kib (sample.memory_total_kib);
      /* Translators: memory use, e.g. "45 MiB of 64 MiB" */
      text = g_strdup_printf (_("%s of %s"), used, total);
      gtk_label_set_label (self->memory_usage_label, text);
    }

  self->last_sample = sample;
  self->have_last_sample = TRUE;
}

static gboolean
sample_tick_cb (gpointer user_data)
{
  HangarMachinePage *self = user_data;

  if (!self->sample_in_flight && self->machine != NULL)
    {
      self->sample_in_flight = TRUE;
      hangar_machine_sample_async (self->machine, self->sample_cancellable, sample_cb,
                                   g_object_ref (self));
    }

  return G_SOURCE_CONTINUE;
}

static void
stop_sampling (HangarMachinePage *self)
{
  g_clear_handle_id (&self->sample_source, g_source_remove);
  g_cancellable_cancel (self->sample_cancellable);
  g_clear_object (&self->sample_cancellable);
  self->sample_in_flight = FALSE;
  self->have_last_sample = FALSE;
}

/* Sample once a second only while the page is on screen and the machine runs, so an idle
 * Hangar uses no CPU at all. */
static void
update_sampling (HangarMachinePage *self)
{
  gboolean running = is_running (self);
  gboolean wanted = running && gtk_widget_get_mapped (GTK_WIDGET (self));

  gtk_widget_set_visible (GTK_WIDGET (self->usage_group), running);

  if (wanted == (self->sample_source != 0))
    return;

  if (!wanted)
    {
      stop_sampling (self);
      return;
    }

  hangar_graph_clear (self->cpu_graph);
  hangar_graph_clear (self->memory_graph);
  gtk_label_set_label (self->cpu_label, "");
  gtk_label_set_label (self->memory_usage_label, "");
  self->sample_cancellable = g_cancellable_new ();
  self->sample_source = g_timeout_add_seconds (1, sample_tick_cb, self);
  sample_tick_cb (self);
}

static void
machine_state_cb (HangarMachinePage *self)
{
  update_actions (self);
  update_sampling (self);
}

static void
clear_detail_rows (HangarMachinePage *self)
{
  for (guint i = 0; i < self->detail_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->detail_rows, i);
      GtkWidget *group = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);

      if (group != NULL)
        adw_preferences_group_remove (ADW_PREFERENCES_GROUP (group), row);
    }
  g_ptr_array_set_size (self->detail_rows, 0);
}

static void
add_detail_row (HangarMachinePage   *self,
                AdwPreferencesGroup *group,
                const char          *title,
                const char          *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->detail_rows, row);
}

static void
show_details (HangarMachinePage          *self,
              const HangarMachineDetails *details)
{
  clear_detail_rows (self);

  gtk_label_set_label (self->graphics_label,
                       details && details->graphics ? details->graphics : C_("graphics", "None"));
  gtk_label_set_label (self->arch_label, details && details->arch ? details->arch : _("Unknown"));

  for (guint i = 0; details && details->disks && details->disks[i]; i++)
    {
      g_auto(GStrv) parts = g_strsplit (details->disks[i], ": ", 2);

      add_detail_row (self, self->disks_group, parts[0], parts[1]);
    }
  if (details == NULL || details->disks == NULL || details->disks[0] == NULL)
    add_detail_row (self, self->disks_group, _("No disks"), NULL);

  for (guint i = 0; details && details->networks && details->networks[i]; i++)
    add_detail_row (self, self->networks_group, details->networks[i], NULL);
  if (details == NULL || details->networks == NULL || details->networks[0] == NULL)
    add_detail_row (self, self->networks_group, _("No network interfaces"), NULL);
}

static void
load_details_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HangarMachinePage) self = user_data;
  g_autoptr(HangarMachineDetails) details = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  details = hangar_machine_load_details_finish (HANGAR_MACHINE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (HANGAR_MACHINE (object) != self->machine)
    return;

  if (error != NULL)
    {
      /* Translators: %s is an error sentence */
      message = g_strdup_printf (_("Could not read the machine’s details: %s"), error->message);
      hangar_add_toast (GTK_WIDGET (self), message);
    }

  self->details_loaded = TRUE;
  show_details (self, details);
}

static void
load_details (HangarMachinePage *self)
{
  g_cancellable_cancel (self->details_cancellable);
  g_clear_object (&self->details_cancellable);
  self->details_loaded = FALSE;
  clear_detail_rows (self);
  gtk_label_set_label (self->graphics_label, "");
  gtk_label_set_label (self->arch_label, "");

  if (self->machine == NULL)
    return;

  self->details_cancellable = g_cancellable_new ();
  hangar_machine_load_details_async (self->machine, self->details_cancellable,
                                     load_details_cb, g_object_ref (self));
}

void
hangar_machine_page_set_machine (HangarMachinePage *self,
                                 HangarMachine     *machine)
{
  g_return_if_fail (HANGAR_IS_MACHINE_PAGE (self));
  g_return_if_fail (machine == NULL || HANGAR_IS_MACHINE (machine));

  if (self->machine == machine)
    return;

  stop_sampling (self);
  g_set_object (&self->machine, machine);
  g_signal_group_set_target (self->machine_signals, machine);
  adw_view_stack_set_visible_child_name (self->view_stack, "overview");
  if (self->console_page != NULL)
    g_object_set (self->console_page, "machine", machine, NULL);

  load_details (self);
  update_actions (self);
  update_sampling (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MACHINE]);
}

static void
machine_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  HangarMachinePage *self = HANGAR_MACHINE_PAGE (widget);

  if (self->machine == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (machine_actions); i++)
    {
      if (g_strcmp0 (action_name, machine_actions[i].name) == 0)
        {
          hangar_machine_actions_run (widget, self->machine, machine_actions[i].action);
          return;
        }
    }
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

static char *
format_os_cb (gpointer    item,
              const char *os_name)
{
  if (os_name == NULL || *os_name == '\0')
    return g_strdup (_("Unknown"));
  return g_strdup (os_name);
}

static void
hangar_machine_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (hangar_machine_page_parent_class)->map (widget);

  update_sampling (HANGAR_MACHINE_PAGE (widget));
}

static void
hangar_machine_page_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (hangar_machine_page_parent_class)->unmap (widget);

  update_sampling (HANGAR_MACHINE_PAGE (widget));
}

static gboolean
hangar_machine_page_grab_focus (GtkWidget *widget)
{
  HangarMachinePage *self = HANGAR_MACHINE_PAGE (widget);
  GtkWidget *shown = adw_squeezer_get_visible_child (self->action_squeezer);

  /* The first action on offer, in whichever action bar fits. */
  for (guint i = 0; i < G_N_ELEMENTS (machine_actions); i++)
    {
      GtkWidget *button = G_STRUCT_MEMBER (GtkWidget *, self, machine_actions[i].button_offset);

      if (shown != NULL && !gtk_widget_is_ancestor (button, shown))
        {
          if (machine_actions[i].compact_offset == 0)
            continue;
          button = G_STRUCT_MEMBER (GtkWidget *, self, machine_actions[i].compact_offset);
        }

      if (gtk_widget_get_visible (button) && gtk_widget_is_sensitive (button))
        return gtk_widget_grab_focus (button);
    }

  /* Not gtk_widget_child_focus (widget): that comes back here and recurses. */
  return gtk_widget_child_focus (GTK_WIDGET (self->view_stack), GTK_DIR_TAB_FORWARD);
}

static void
hangar_machine_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  HangarMachinePage *self = HANGAR_MACHINE_PAGE (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      g_value_set_object (value, self->machine);
      break;

    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_machine_page_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  HangarMachinePage *self = HANGAR_MACHINE_PAGE (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      hangar_machine_page_set_machine (self, g_value_get_object (value));
      break;

    case PROP_FOLDED:
      if (self->folded != g_value_get_boolean (value))
        {
          self->folded = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_machine_page_dispose (GObject *object)
{
  GtkWidget *child;
  HangarMachinePage *self = HANGAR_MACHINE_PAGE (object);

  stop_sampling (self);
  g_cancellable_cancel (self->details_cancellable);
  g_clear_object (&self->details_cancellable);
  if (self->machine_signals != NULL)
    g_signal_group_set_target (self->machine_signals, NULL);

  self->console_page = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), HANGAR_TYPE_MACHINE_PAGE);
  /* dispose_template () only unparents bound children; the template has others. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->machine_signals);
  g_clear_object (&self->machine);
  g_clear_pointer (&self->detail_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (hangar_machine_page_parent_class)->dispose (object);
}

static void
hangar_machine_page_class_init (HangarMachinePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hangar_machine_page_dispose;
  object_class->get_property = hangar_machine_page_get_property;
  object_class->set_property = hangar_machine_page_set_property;

  widget_class->map = hangar_machine_page_map;
  widget_class->unmap = hangar_machine_page_unmap;
  widget_class->grab_focus = hangar_machine_page_grab_focus;

  properties[PROP_MACHINE] =
    g_param_spec_object ("machine", NULL, NULL,
                         HANGAR_TYPE_MACHINE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  hangar_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/ui/hangar-machine-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, view_stack);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, console_bin);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, header_name_label);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, usage_group);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, cpu_graph);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, memory_graph);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, cpu_label);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, memory_usage_label);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, graphics_label);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, arch_label);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, disks_group);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, networks_group);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, start_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, resume_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, shutdown_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, reboot_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, pause_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, force_off_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, delete_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, compact_start_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, compact_resume_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, compact_shutdown_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, more_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachinePage, action_squeezer);
  gtk_widget_class_bind_template_callback (widget_class, format_memory_cb);
  gtk_widget_class_bind_template_callback (widget_class, format_vcpus_cb);
  gtk_widget_class_bind_template_callback (widget_class, format_os_cb);

  for (guint i = 0; i < G_N_ELEMENTS (machine_actions); i++)
    gtk_widget_class_install_action (widget_class, machine_actions[i].name, NULL, machine_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "machine.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "machine.delete", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  g_type_ensure (HANGAR_TYPE_GRAPH);
  g_type_ensure (HANGAR_TYPE_MACHINE);
}

/* The console page comes from the console module (hangar-console-module.c), which is loaded
 * with the first machine page rather than at start-up. */
static void
add_console_page (HangarMachinePage *self)
{
  g_autoptr(GError) error = NULL;
  GType type = hangar_console_module_get_page_type (&error);
  GtkWidget *status;

  if (type != G_TYPE_INVALID)
    {
      self->console_page = g_object_new (type, NULL);
      adw_bin_set_child (self->console_bin, self->console_page);
      return;
    }

  status = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), "dialog-error-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (status), _("No Console"));
  adw_status_page_set_description (ADW_STATUS_PAGE (status), error->message);
  adw_bin_set_child (self->console_bin, status);
}

static void
hangar_machine_page_init (HangarMachinePage *self)
{
  self->detail_rows = g_ptr_array_new ();

  self->machine_signals = g_signal_group_new (HANGAR_TYPE_MACHINE);
  g_signal_group_connect_object (self->machine_signals, "notify::state",
                                 G_CALLBACK (machine_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->machine_signals, "notify::busy",
                                 G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);

  gtk_widget_init_template (GTK_WIDGET (self));
  add_console_page (self);
  g_object_bind_property (self->switcher_title, "title-visible", self->header_name_label, "visible",
                          G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);

  for (guint i = 0; i < G_N_ELEMENTS (machine_actions); i++)
    {
      hangar_fix_button_name (G_STRUCT_MEMBER (GtkWidget *, self, machine_actions[i].button_offset));
      if (machine_actions[i].compact_offset != 0)
        hangar_fix_button_name (G_STRUCT_MEMBER (GtkWidget *, self, machine_actions[i].compact_offset));
    }

  update_actions (self);
}
