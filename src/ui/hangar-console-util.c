/* hangar-console-util.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-console"

#include "config.h"

#include <glib/gi18n.h>

#include "hangar-console-util.h"

/* QEMU key numbers (set-1 scancodes, 0x80 | code for E0-prefixed keys) of the key combinations
 * a guest may need that the client's desktop would take for itself. */
static const struct {
  const char *name;
  const char *label;
  guint       qnums[3];
  guint       n_qnums;
} key_combos[] = {
  { "ctrl-alt-del", N_("Ctrl+Alt+Del"), { 0x1d, 0x38, 0xd3 }, 3 },
  { "ctrl-alt-backspace", N_("Ctrl+Alt+Backspace"), { 0x1d, 0x38, 0x0e }, 3 },
  { "print", N_("Print Screen"), { 0x54 }, 1 },
  { "ctrl-alt-f1", "Ctrl+Alt+F1", { 0x1d, 0x38, 0x3b }, 3 },
  { "ctrl-alt-f2", "Ctrl+Alt+F2", { 0x1d, 0x38, 0x3c }, 3 },
  { "ctrl-alt-f3", "Ctrl+Alt+F3", { 0x1d, 0x38, 0x3d }, 3 },
  { "ctrl-alt-f4", "Ctrl+Alt+F4", { 0x1d, 0x38, 0x3e }, 3 },
  { "ctrl-alt-f5", "Ctrl+Alt+F5", { 0x1d, 0x38, 0x3f }, 3 },
  { "ctrl-alt-f6", "Ctrl+Alt+F6", { 0x1d, 0x38, 0x40 }, 3 },
  { "ctrl-alt-f7", "Ctrl+Alt+F7", { 0x1d, 0x38, 0x41 }, 3 },
  { "ctrl-alt-f8", "Ctrl+Alt+F8", { 0x1d, 0x38, 0x42 }, 3 },
  { "ctrl-alt-f9", "Ctrl+Alt+F9", { 0x1d, 0x38, 0x43 }, 3 },
  { "ctrl-alt-f10", "Ctrl+Alt+F10", { 0x1d, 0x38, 0x44 }, 3 },
  { "ctrl-alt-f11", "Ctrl+Alt+F11", { 0x1d, 0x38, 0x57 }, 3 },
  { "ctrl-alt-f12", "Ctrl+Alt+F12", { 0x1d, 0x38, 0x58 }, 3 },
};

#define N_NAMED_COMBOS 3

/**
 * hangar_console_send_keys_menu_new:
 * @action_name: the action taking the combination's name, e.g. "console.send-keys"
 *
 * Returns: (transfer full): the send-key menu (Ctrl+Alt+Del, Ctrl+Alt+Backspace, Print Screen,
 *   then Ctrl+Alt+F1…F12 in a section of their own)
 */
GMenuModel *
hangar_console_send_keys_menu_new (const char *action_name)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) named = g_menu_new ();
  g_autoptr(GMenu) fkeys = g_menu_new ();

  for (guint i = 0; i < G_N_ELEMENTS (key_combos); i++)
    {
      g_autoptr(GMenuItem) item = NULL;
      const char *label = i < N_NAMED_COMBOS ? _(key_combos[i].label) : key_combos[i].label;

      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target (item, action_name, "s", key_combos[i].name);
      g_menu_append_item (i < N_NAMED_COMBOS ? named : fkeys, item);
    }

  g_menu_append_section (menu, NULL, G_MENU_MODEL (named));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (fkeys));

  return G_MENU_MODEL (g_steal_pointer (&menu));
}

/**
 * hangar_console_send_named_keys:
 * @display: the display whose guest gets the keys
 * @name: a combination's name from hangar_console_send_keys_menu_new ()
 *
 * Returns: %FALSE if @name is not a known combination
 */
gboolean
hangar_console_send_named_keys (HangarDisplay *display,
                                const char    *name)
{
  g_return_val_if_fail (HANGAR_IS_DISPLAY (display), FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (key_combos); i++)
    if (g_strcmp0 (key_combos[i].name, name) == 0)
      {
        hangar_display_send_keys (display, key_combos[i].qnums, key_combos[i].n_qnums);
        return TRUE;
      }

  g_warning ("Unknown key combination %s", name);
  return FALSE;
}

typedef struct
{
  HangarConsolePasswordFunc func;
  GWeakRef                  owner;
} PasswordData;

static void
password_data_free (gpointer  data,
                    GClosure *closure)
{
  PasswordData *pd = data;

  g_weak_ref_clear (&pd->owner);
  g_free (pd);
}

static void
password_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      PasswordData     *pd)
{
  g_autoptr(GObject) owner = g_weak_ref_get (&pd->owner);
  GtkWidget *entries = adw_message_dialog_get_extra_child (dialog);
  GtkWidget *username = g_object_get_data (G_OBJECT (entries), "username");
  GtkWidget *password = g_object_get_data (G_OBJECT (entries), "password");

  if (owner == NULL)
    return;

  pd->func (owner, g_strcmp0 (response, "connect") == 0,
            username != NULL ? gtk_editable_get_text (GTK_EDITABLE (username)) : NULL,
            gtk_editable_get_text (GTK_EDITABLE (password)));
}

/**
 * hangar_console_ask_password:
 * @parent: the window the dialog belongs to
 * @body: the sentence saying which console asks
 * @need_username: whether to ask for a user name too
 * @func: called once with the answer (accepted %FALSE when cancelled)
 * @owner: passed to @func; @func is not called once @owner is finalized
 *
 * Returns: (transfer none): the dialog, presented
 */
AdwMessageDialog *
hangar_console_ask_password (GtkWindow                 *parent,
                             const char                *body,
                             gboolean                   need_username,
                             HangarConsolePasswordFunc  func,
                             GObject                   *owner)
{
  PasswordData *pd = g_new0 (PasswordData, 1);
  GtkWidget *box, *password;
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Password Required"), body));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "connect", _("C_onnect"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "connect", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "connect");
  adw_message_dialog_set_close_response (dialog, "cancel");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  if (need_username)
    {
      GtkWidget *username = gtk_entry_new ();

      gtk_entry_set_placeholder_text (GTK_ENTRY (username), _("User name"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (username),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("User name"), -1);
      gtk_box_append (GTK_BOX (box), username);
      g_object_set_data (G_OBJECT (box), "username", username);
    }
  /* A hidden GtkEntry rather than GtkPasswordEntry: on GTK 4.8 destroying a dialog whose
   * GtkPasswordEntry has the focus runs a freed entry's is-active handler. */
  password = gtk_entry_new ();
  gtk_entry_set_visibility (GTK_ENTRY (password), FALSE);
  gtk_entry_set_input_purpose (GTK_ENTRY (password), GTK_INPUT_PURPOSE_PASSWORD);
  gtk_entry_set_activates_default (GTK_ENTRY (password), TRUE);
  gtk_entry_set_placeholder_text (GTK_ENTRY (password), _("Password"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (password),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Password"), -1);
  gtk_box_append (GTK_BOX (box), password);
  g_object_set_data (G_OBJECT (box), "password", password);
  adw_message_dialog_set_extra_child (dialog, box);

  pd->func = func;
  g_weak_ref_init (&pd->owner, owner);
  g_signal_connect_data (dialog, "response", G_CALLBACK (password_response_cb), pd,
                         password_data_free, 0);

  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (need_username ? gtk_widget_get_first_child (box) : password);

  return dialog;
}

/**
 * hangar_console_clear_password_dialog:
 * @dialog: (inout) (nullable): where the caller keeps a dialog from
 *   hangar_console_ask_password (), watched with g_object_add_weak_pointer ()
 *
 * Closes the dialog, if any, and drops the weak pointer first, so closing never writes into
 * an owner that is being disposed.
 */
void
hangar_console_clear_password_dialog (AdwMessageDialog **dialog)
{
  AdwMessageDialog *d;

  g_return_if_fail (dialog != NULL);

  if ((d = *dialog) == NULL)
    return;

  *dialog = NULL;
  g_object_remove_weak_pointer (G_OBJECT (d), (gpointer *) dialog);
  gtk_window_destroy (GTK_WINDOW (d));
}
