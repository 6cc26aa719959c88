/* hangar-add-connection-dialog.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-add-connection-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "hangar-add-connection-dialog.h"
#include "hangar-connection.h"
#include "hangar-ui-util.h"

/* Asks for a libvirt URI, checks it as it is typed, and emits ::add-connection. */
struct _HangarAddConnectionDialog
{
  AdwMessageDialog  parent_instance;

  /* Template widgets */
  GtkEntry         *uri_entry;
  GtkLabel         *error_label;
};

G_DEFINE_FINAL_TYPE (HangarAddConnectionDialog, hangar_add_connection_dialog,
                     ADW_TYPE_MESSAGE_DIALOG)

enum {
  SIGNAL_ADD_CONNECTION,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

HangarAddConnectionDialog *
hangar_add_connection_dialog_new (GtkWindow *parent)
{
  return g_object_new (HANGAR_TYPE_ADD_CONNECTION_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
}

void
hangar_add_connection_dialog_set_uri (HangarAddConnectionDialog *self,
                                      const char                *uri)
{
  g_return_if_fail (HANGAR_IS_ADD_CONNECTION_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->uri_entry), uri ? uri : "");
  gtk_editable_set_position (GTK_EDITABLE (self->uri_entry), -1);
}

/* The sentence shown under the field, or NULL when the URI is acceptable or empty. */
const char *
hangar_add_connection_dialog_get_error (HangarAddConnectionDialog *self)
{
  g_return_val_if_fail (HANGAR_IS_ADD_CONNECTION_DIALOG (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;

  return gtk_label_get_label (self->error_label);
}

static gboolean
validate (HangarAddConnectionDialog *self)
{
  const char *uri = gtk_editable_get_text (GTK_EDITABLE (self->uri_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (uri));
  g_autoptr(GError) error = NULL;
  gboolean valid = FALSE;

  if (*stripped == '\0')
    gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  else if (!hangar_validate_uri (stripped, &error))
    {
      gtk_label_set_label (self->error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
    }
  else
    {
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
      valid = TRUE;
    }

  if (valid)
    gtk_widget_remove_css_class (GTK_WIDGET (self->uri_entry), "error");
  else if (*stripped != '\0')
    gtk_widget_add_css_class (GTK_WIDGET (self->uri_entry), "error");

  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "add", valid);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->uri_entry),
                               GTK_ACCESSIBLE_STATE_INVALID,
                               valid || *stripped == '\0' ? GTK_ACCESSIBLE_INVALID_FALSE
                                                           : GTK_ACCESSIBLE_INVALID_TRUE,
                               -1);

  return valid;
}

static void
uri_changed_cb (HangarAddConnectionDialog *self)
{
  validate (self);
}

static void
use_example_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  HangarAddConnectionDialog *self = HANGAR_ADD_CONNECTION_DIALOG (widget);

  hangar_add_connection_dialog_set_uri (self, g_variant_get_string (parameter, NULL));
  gtk_widget_grab_focus (GTK_WIDGET (self->uri_entry));
}

static void
hangar_add_connection_dialog_response (AdwMessageDialog *dialog,
                                       const char       *response)
{
  HangarAddConnectionDialog *self = HANGAR_ADD_CONNECTION_DIALOG (dialog);
  g_autofree char *uri = NULL;

  if (g_strcmp0 (response, "add") == 0 && validate (self))
    {
      uri = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->uri_entry))));
      g_signal_emit (self, signals[SIGNAL_ADD_CONNECTION], 0, uri);
    }

  if (ADW_MESSAGE_DIALOG_CLASS (hangar_add_connection_dialog_parent_class)->response)
    ADW_MESSAGE_DIALOG_CLASS (hangar_add_connection_dialog_parent_class)->response (dialog,
                                                                                    response);
}

static void
hangar_add_connection_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), HANGAR_TYPE_ADD_CONNECTION_DIALOG);

  G_OBJECT_CLASS (hangar_add_connection_dialog_parent_class)->dispose (object);
}

static void
hangar_add_connection_dialog_class_init (HangarAddConnectionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  AdwMessageDialogClass *dialog_class = ADW_MESSAGE_DIALOG_CLASS (klass);

  object_class->dispose = hangar_add_connection_dialog_dispose;
  dialog_class->response = hangar_add_connection_dialog_response;

  signals[SIGNAL_ADD_CONNECTION] =
    g_signal_new ("add-connection",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  hangar_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/ui/hangar-add-connection-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HangarAddConnectionDialog, uri_entry);
  gtk_widget_class_bind_template_child (widget_class, HangarAddConnectionDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, uri_changed_cb);

  gtk_widget_class_install_action (widget_class, "dialog.use-example", "s", use_example_action);
}

static void
hangar_add_connection_dialog_init (HangarAddConnectionDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  validate (self);
}
