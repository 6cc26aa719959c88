/* hangar-machine-actions.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-machine-actions"

#include "config.h"

#include <glib/gi18n.h>

#include "hangar-machine-actions.h"
#include "hangar-ui-util.h"

/* The lifecycle actions as the machine page and the list run them: confirmations first,
 * then the model's async call, then the model's error sentence in a dialog. Mutating calls
 * are never cancelled when a page goes away, so each keeps its window alive until it ends. */

typedef struct
{
  GtkWidget           *widget;  /* owned; the widget the dialogs belong to */
  HangarMachine       *machine; /* owned */
  HangarMachineAction  action;
  GPtrArray           *checks;  /* GtkCheckButton, for the delete dialog; unowned */
} ActionData;

static ActionData *
action_data_new (GtkWidget           *widget,
                 HangarMachine       *machine,
                 HangarMachineAction  action)
{
  ActionData *data = g_new0 (ActionData, 1);

  data->widget = g_object_ref (widget);
  data->machine = g_object_ref (machine);
  data->action = action;

  return data;
}

static void
action_data_free (ActionData *data)
{
  g_clear_object (&data->widget);
  g_clear_object (&data->machine);
  g_clear_pointer (&data->checks, g_ptr_array_unref);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ActionData, action_data_free)

static char *
error_heading (HangarMachineAction  action,
               const char          *name)
{
  switch (action)
    {
    case HANGAR_MACHINE_ACTION_START:
      /* Translators: %s is a machine name */
      return g_strdup_printf (_("Could Not Start “%s”"), name);
    case HANGAR_MACHINE_ACTION_SHUTDOWN:
      return g_strdup_printf (_("Could Not Shut Down “%s”"), name);
    case HANGAR_MACHINE_ACTION_REBOOT:
      return g_strdup_printf (_("Could Not Reboot “%s”"), name);
    case HANGAR_MACHINE_ACTION_FORCE_OFF:
      return g_strdup_printf (_("Could Not Force Off “%s”"), name);
    case HANGAR_MACHINE_ACTION_PAUSE:
      return g_strdup_printf (_("Could Not Pause “%s”"), name);
    case HANGAR_MACHINE_ACTION_RESUME:
      return g_strdup_printf (_("Could Not Resume “%s”"), name);
    case HANGAR_MACHINE_ACTION_DELETE:
    default:
      return g_strdup_printf (_("Could Not Delete “%s”"), name);
    }
}

static void
report (ActionData   *data,
        const GError *error)
{
  g_autofree char *heading = error_heading (data->action, hangar_machine_get_name (data->machine));

  if (gtk_widget_get_root (data->widget) != NULL)
    hangar_show_error (data->widget, heading, error);
  else
    g_warning ("%s: %s", heading, error->message);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(ActionData) data = user_data;
  g_autoptr(GError) error = NULL;

  if (!hangar_machine_run_finish (HANGAR_MACHINE (object), result, &error))
    report (data, error);
}

static void
run_now (ActionData *data)
{
  hangar_machine_run_async (data->machine, data->action, NULL, run_cb, data);
}

/* Asks whether to go on with @data's action: Cancel, or @response (labelled @label, shown as
 * destructive). @response_cb gets the answer and takes @data. */
static void
confirm (ActionData *data,
         const char *heading,
         const char *body,
         GtkWidget  *extra_child,
         const char *response,
         const char *label,
         GCallback   response_cb)
{
  GtkRoot *root = gtk_widget_get_root (data->widget);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
  if (extra_child != NULL)
    adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), extra_child);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    response, label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), response,
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", response_cb, data);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
force_off_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       gpointer          user_data)
{
  g_autoptr(ActionData) data = user_data;

  if (g_strcmp0 (response, "force-off") == 0)
    run_now (g_steal_pointer (&data));
}

static void
confirm_force_off (ActionData *data)
{
  g_autofree char *heading = NULL;

  /* Translators: %s is a machine name */
  heading = g_strdup_printf (_("Force Off “%s”?"), hangar_machine_get_name (data->machine));
  confirm (data, heading,
           _("The machine stops at once, as if its power were cut. "
             "Anything it has not saved is lost. "
             "Use Shut Down to let it close its programs first."),
           NULL, "force-off", _("_Force Off"), G_CALLBACK (force_off_response_cb));
}

void
hangar_machine_actions_run (GtkWidget           *widget,
                            HangarMachine       *machine,
                            HangarMachineAction  action)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (HANGAR_IS_MACHINE (machine));

  switch (action)
    {
    case HANGAR_MACHINE_ACTION_DELETE:
      hangar_machine_actions_delete (widget, machine);
      break;

    case HANGAR_MACHINE_ACTION_FORCE_OFF:
      confirm_force_off (action_data_new (widget, machine, action));
      break;

    case HANGAR_MACHINE_ACTION_START:
    case HANGAR_MACHINE_ACTION_SHUTDOWN:
    case HANGAR_MACHINE_ACTION_REBOOT:
    case HANGAR_MACHINE_ACTION_PAUSE:
    case HANGAR_MACHINE_ACTION_RESUME:
    default:
      run_now (action_data_new (widget, machine, action));
      break;
    }
}

static void
delete_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ActionData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!hangar_machine_delete_finish (HANGAR_MACHINE (object), result, &error))
    {
      report (data, error);
      return;
    }

  /* Translators: %s is a machine name */
  message = g_strdup_printf (_("Deleted “%s”."), hangar_machine_get_name (data->machine));
  if (gtk_widget_get_root (data->widget) != NULL)
    hangar_add_toast (data->widget, message);
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  g_autoptr(ActionData) data = user_data;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) paths = NULL;
  HangarMachine *machine;

  if (g_strcmp0 (response, "delete") != 0)
    return;

  for (guint i = 0; data->checks != NULL && i < data->checks->len; i++)
    {
      GtkCheckButton *check = g_ptr_array_index (data->checks, i);

      if (gtk_check_button_get_active (check))
        g_strv_builder_add (builder, g_object_get_data (G_OBJECT (check), "hangar-path"));
    }
  paths = g_strv_builder_end (builder);

  g_clear_pointer (&data->checks, g_ptr_array_unref);
  machine = data->machine;  /* not in the same call as g_steal_pointer (&data): order unspecified */
  hangar_machine_delete_async (machine, (const char * const *) paths, NULL, delete_cb,
                               g_steal_pointer (&data));
}

static GtkWidget *
volume_checks (ActionData                 *data,
               const HangarMachineDetails *details,
               const GError               *error)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label;

  if (error != NULL)
    {
      label = gtk_label_new (error->message);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_box_append (GTK_BOX (box), label);
      label = gtk_label_new (_("Its storage could not be read, so no volume is deleted with it."));
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_box_append (GTK_BOX (box), label);
      return box;
    }

  if (details->disk_paths == NULL || details->disk_paths[0] == NULL)
    return NULL;

  label = gtk_label_new (_("Also delete these storage volumes:"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (box), label);

  data->checks = g_ptr_array_new ();
  for (guint i = 0; details->disk_paths[i] != NULL; i++)
    {
      GtkWidget *check = gtk_check_button_new_with_label (details->disk_paths[i]);

      g_object_set_data_full (G_OBJECT (check), "hangar-path",
                              g_strdup (details->disk_paths[i]), g_free);
      gtk_box_append (GTK_BOX (box), check);
      g_ptr_array_add (data->checks, check);
    }

  return box;
}

static void
show_delete_dialog (ActionData                 *data,
                    const HangarMachineDetails *details,
                    const GError               *error)
{
  g_autofree char *heading = NULL;
  const char *body;
  GtkWidget *checks;

  if (gtk_widget_get_root (data->widget) == NULL)
    {
      action_data_free (data);
      return;
    }

  /* Translators: %s is a machine name */
  heading = g_strdup_printf (_("Delete “%s”?"), hangar_machine_get_name (data->machine));
  if (hangar_machine_can (data->machine, HANGAR_MACHINE_ACTION_FORCE_OFF))
    body = _("The machine is turned off at once, then deleted together with its firmware variables "
             "(NVRAM) and its list of snapshots. This cannot be undone.");
  else
    body = _("The machine is deleted together with its firmware variables (NVRAM) and its list "
             "of snapshots. This cannot be undone.");
  checks = volume_checks (data, details, error);
  confirm (data, heading, body, checks, "delete", _("_Delete"), G_CALLBACK (delete_response_cb));
}

static void
delete_details_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ActionData *data = user_data;
  g_autoptr(HangarMachineDetails) details = NULL;
  g_autoptr(GError) error = NULL;

  details = hangar_machine_load_details_finish (HANGAR_MACHINE (object), result, &error);
  show_delete_dialog (data, details, error);
}

/* Asks which volumes go with the machine, naming each, then deletes. */
void
hangar_machine_actions_delete (GtkWidget     *widget,
                               HangarMachine *machine)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (HANGAR_IS_MACHINE (machine));

  hangar_machine_load_details_async (machine, NULL, delete_details_cb,
                                     action_data_new (widget, machine,
                                                      HANGAR_MACHINE_ACTION_DELETE));
}
