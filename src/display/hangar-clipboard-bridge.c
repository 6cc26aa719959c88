/* hangar-clipboard-bridge.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-clipboard-bridge"

#include "config.h"

#include <string.h>

#include "hangar-clipboard-bridge.h"

/* Shares text between the client's GdkClipboards (the clipboard and, if given, the primary
 * selection) and a HangarConsoleSession's guest, both ways, while the session says it can
 * (for SPICE: a guest agent with clipboard support is connected).
 *
 * Client → guest: a change of the client clipboard that holds text is announced to the guest
 * (hangar_console_session_clipboard_grab); the text is read when the guest asks for it
 * (guest-clipboard-request → gdk_clipboard_read_text_async → send_text): for SPICE when it
 * pastes, for VNC at once.
 * Guest → client: when the guest copies text, it is fetched at once and put on the client
 * clipboard as our own content provider. The "changed" that follows is recognised by that
 * provider and not announced back to the guest, so nothing loops.
 * Only text: images and files are not shared. */

typedef struct
{
  /* Owned; NULL when this selection is not shared. */
  GdkClipboard       *clipboard;
  /* The guest's text as we put it on the client clipboard, while it is still there. */
  GdkContentProvider *guest_content;
  /* The session could share this selection at the last look. */
  gboolean            available;
  /* The guest was told the client has text. */
  gboolean            offered;
  /* The guest's text was asked for and not yet received. */
  gboolean            fetching;
  /* Reading the client's text for the guest. */
  GCancellable       *read;
} Selection;

struct _HangarClipboardBridge
{
  GObject parent_instance;

  HangarConsoleSession *session;
  GSignalGroup         *session_signals;
  Selection             selections[2];
};

G_DEFINE_FINAL_TYPE (HangarClipboardBridge, hangar_clipboard_bridge, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static const char *
selection_name (HangarClipboardSelection selection)
{
  return selection == HANGAR_CLIPBOARD_SELECTION_PRIMARY ? "primary" : "clipboard";
}

static gboolean
has_text (GdkClipboard *clipboard)
{
  g_autoptr(GdkContentFormats) formats = NULL;

  /* Local content lists G_TYPE_STRING; another program's lists mime types text can be read from. */
  formats = gdk_content_formats_union_deserialize_gtypes (gdk_content_formats_ref (gdk_clipboard_get_formats (clipboard)));
  return gdk_content_formats_contain_gtype (formats, G_TYPE_STRING);
}

static void
reset_selection (Selection *sel)
{
  sel->available = FALSE;
  sel->offered = FALSE;
  sel->fetching = FALSE;
  g_cancellable_cancel (sel->read);
  g_clear_object (&sel->read);
}

/* Tells the guest what the client clipboard holds now. */
static void
offer_client_text (HangarClipboardBridge    *self,
                   HangarClipboardSelection  selection)
{
  Selection *sel = &self->selections[selection];

  if (!sel->available)
    return;

  if (sel->guest_content != NULL && gdk_clipboard_get_content (sel->clipboard) == sel->guest_content)
    {
      g_debug ("Client %s holds the guest's own text: not offered back", selection_name (selection));
      return;
    }

  if (has_text (sel->clipboard))
    {
      /* Every change is offered: a VNC server takes each text at once. X11 reports one copy by
       * another program twice (new owner, then its formats); the session ignores the repeat
       * (SPICE: one grab until the guest takes over; VNC: the same text is not sent twice). */
      g_debug ("Client %s has text: offered to the guest", selection_name (selection));
      sel->offered = TRUE;
      hangar_console_session_clipboard_grab (self->session, selection);
    }
  else if (sel->offered)
    {
      g_debug ("Client %s has no text any more", selection_name (selection));
      sel->offered = FALSE;
      hangar_console_session_clipboard_release (self->session, selection);
    }
}

static void
client_changed_cb (GdkClipboard          *clipboard,
                   HangarClipboardBridge *self)
{
  HangarClipboardSelection selection = clipboard == self->selections[HANGAR_CLIPBOARD_SELECTION_PRIMARY].clipboard
                                       ? HANGAR_CLIPBOARD_SELECTION_PRIMARY
                                       : HANGAR_CLIPBOARD_SELECTION_CLIPBOARD;
  Selection *sel = &self->selections[selection];

  if (sel->guest_content != NULL && gdk_clipboard_get_content (clipboard) == sel->guest_content)
    {
      offer_client_text (self, selection);
      return;
    }

  g_clear_object (&sel->guest_content);
  /* Copied on the client while the guest's text was on its way: the newer copy wins. */
  sel->fetching = FALSE;
  offer_client_text (self, selection);
}

static void
available_changed_cb (HangarClipboardBridge *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->selections); i++)
    {
      Selection *sel = &self->selections[i];
      gboolean available = sel->clipboard != NULL && self->session != NULL &&
                           hangar_console_session_clipboard_available (self->session, i);

      if (available == sel->available)
        continue;

      g_debug ("Sharing the %s with the guest: %s", selection_name (i), available ? "yes" : "no");
      if (!available)
        {
          reset_selection (sel);
          continue;
        }
      sel->available = TRUE;
      /* What was copied before the console opened can be pasted in the guest at once. */
      offer_client_text (self, i);
    }
}

static void
guest_grab_cb (HangarConsoleSession     *session,
               HangarClipboardSelection  selection,
               HangarClipboardBridge    *self)
{
  Selection *sel = &self->selections[selection];

  if (!sel->available)
    return;

  /* The guest owns it now; fetch its text for the client. */
  sel->offered = FALSE;
  sel->fetching = TRUE;
  hangar_console_session_clipboard_request (session, selection);
}

static void
guest_release_cb (HangarConsoleSession     *session,
                  HangarClipboardSelection  selection,
                  HangarClipboardBridge    *self)
{
  /* The client keeps the last text the guest copied (like a clipboard manager would). */
  self->selections[selection].fetching = FALSE;
}

static void
guest_text_cb (HangarConsoleSession     *session,
               HangarClipboardSelection  selection,
               const char               *text,
               HangarClipboardBridge    *self)
{
  Selection *sel = &self->selections[selection];
  g_autoptr(GdkContentProvider) provider = NULL;

  if (!sel->fetching)
    return;
  sel->fetching = FALSE;
  if (text == NULL)
    return;

  g_debug ("Guest %s text (%zu bytes) put on the client clipboard", selection_name (selection), strlen (text));
  provider = gdk_content_provider_new_typed (G_TYPE_STRING, text);
  /* Set before the clipboard changes: "changed" may be emitted from inside set_content. */
  g_set_object (&sel->guest_content, provider);
  gdk_clipboard_set_content (sel->clipboard, provider);
}

static void
read_text_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HangarClipboardBridge) self = user_data;
  GdkClipboard *clipboard = GDK_CLIPBOARD (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  HangarClipboardSelection selection;

  text = gdk_clipboard_read_text_finish (clipboard, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  selection = clipboard == self->selections[HANGAR_CLIPBOARD_SELECTION_PRIMARY].clipboard
              ? HANGAR_CLIPBOARD_SELECTION_PRIMARY
              : HANGAR_CLIPBOARD_SELECTION_CLIPBOARD;
  g_clear_object (&self->selections[selection].read);
  if (error != NULL)
    g_message ("Could not read the clipboard for the guest: %s", error->message);
  if (self->session != NULL)
    hangar_console_session_clipboard_send_text (self->session, selection, text);
}

static void
guest_request_cb (HangarConsoleSession     *session,
                  HangarClipboardSelection  selection,
                  HangarClipboardBridge    *self)
{
  Selection *sel = &self->selections[selection];

  if (sel->clipboard == NULL)
    {
      hangar_console_session_clipboard_send_text (session, selection, NULL);
      return;
    }

  g_cancellable_cancel (sel->read);
  g_clear_object (&sel->read);
  sel->read = g_cancellable_new ();
  gdk_clipboard_read_text_async (sel->clipboard, sel->read, read_text_cb, g_object_ref (self));
}

HangarConsoleSession *
hangar_clipboard_bridge_get_session (HangarClipboardBridge *self)
{
  g_return_val_if_fail (HANGAR_IS_CLIPBOARD_BRIDGE (self), NULL);

  return self->session;
}

void
hangar_clipboard_bridge_set_session (HangarClipboardBridge *self,
                                     HangarConsoleSession  *session)
{
  g_return_if_fail (HANGAR_IS_CLIPBOARD_BRIDGE (self));
  g_return_if_fail (session == NULL || HANGAR_IS_CONSOLE_SESSION (session));

  if (self->session == session)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (self->selections); i++)
    reset_selection (&self->selections[i]);
  g_set_object (&self->session, session);
  g_signal_group_set_target (self->session_signals, session);
  available_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

static void
hangar_clipboard_bridge_dispose (GObject *object)
{
  HangarClipboardBridge *self = (HangarClipboardBridge *)object;

  if (self->session_signals != NULL)
    g_signal_group_set_target (self->session_signals, NULL);
  g_clear_object (&self->session);
  for (guint i = 0; i < G_N_ELEMENTS (self->selections); i++)
    {
      Selection *sel = &self->selections[i];

      reset_selection (sel);
      if (sel->clipboard != NULL)
        g_signal_handlers_disconnect_by_data (sel->clipboard, self);
      g_clear_object (&sel->clipboard);
      g_clear_object (&sel->guest_content);
    }
  g_clear_object (&self->session_signals);

  G_OBJECT_CLASS (hangar_clipboard_bridge_parent_class)->dispose (object);
}

static void
hangar_clipboard_bridge_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  HangarClipboardBridge *self = HANGAR_CLIPBOARD_BRIDGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_clipboard_bridge_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  HangarClipboardBridge *self = HANGAR_CLIPBOARD_BRIDGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      hangar_clipboard_bridge_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_clipboard_bridge_class_init (HangarClipboardBridgeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hangar_clipboard_bridge_dispose;
  object_class->get_property = hangar_clipboard_bridge_get_property;
  object_class->set_property = hangar_clipboard_bridge_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         HANGAR_TYPE_CONSOLE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hangar_clipboard_bridge_init (HangarClipboardBridge *self)
{
  self->session_signals = g_signal_group_new (HANGAR_TYPE_CONSOLE_SESSION);
  g_signal_group_connect_object (self->session_signals, "clipboard-available-changed",
                                 G_CALLBACK (available_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "guest-clipboard-grab",
                                 G_CALLBACK (guest_grab_cb), self, 0);
  g_signal_group_connect_object (self->session_signals, "guest-clipboard-release",
                                 G_CALLBACK (guest_release_cb), self, 0);
  g_signal_group_connect_object (self->session_signals, "guest-clipboard-text",
                                 G_CALLBACK (guest_text_cb), self, 0);
  g_signal_group_connect_object (self->session_signals, "guest-clipboard-request",
                                 G_CALLBACK (guest_request_cb), self, 0);
}

/**
 * hangar_clipboard_bridge_new:
 * @clipboard: the client clipboard to share
 * @primary: (nullable): the client's primary selection, or %NULL to share only @clipboard
 */
HangarClipboardBridge *
hangar_clipboard_bridge_new (GdkClipboard *clipboard,
                             GdkClipboard *primary)
{
  HangarClipboardBridge *self;

  g_return_val_if_fail (GDK_IS_CLIPBOARD (clipboard), NULL);
  g_return_val_if_fail (primary == NULL || GDK_IS_CLIPBOARD (primary), NULL);

  self = g_object_new (HANGAR_TYPE_CLIPBOARD_BRIDGE, NULL);
  self->selections[HANGAR_CLIPBOARD_SELECTION_CLIPBOARD].clipboard = g_object_ref (clipboard);
  if (primary != NULL)
    self->selections[HANGAR_CLIPBOARD_SELECTION_PRIMARY].clipboard = g_object_ref (primary);
  for (guint i = 0; i < G_N_ELEMENTS (self->selections); i++)
    if (self->selections[i].clipboard != NULL)
      g_signal_connect (self->selections[i].clipboard, "changed", G_CALLBACK (client_changed_cb), self);
  return self;
}

/**
 * hangar_clipboard_bridge_attach:
 *
 * Shares @display's clipboard and primary selection with whatever session it shows, for as
 * long as @display lives.
 *
 * Returns: (transfer none): the bridge, owned by @display
 */
HangarClipboardBridge *
hangar_clipboard_bridge_attach (HangarDisplay *display)
{
  HangarClipboardBridge *self;

  g_return_val_if_fail (HANGAR_IS_DISPLAY (display), NULL);

  self = hangar_clipboard_bridge_new (gtk_widget_get_clipboard (GTK_WIDGET (display)),
                                      gtk_widget_get_primary_clipboard (GTK_WIDGET (display)));
  g_object_bind_property (display, "session", self, "session", G_BINDING_SYNC_CREATE);
  g_object_set_data_full (G_OBJECT (display), "hangar-clipboard-bridge", self, g_object_unref);
  return self;
}
