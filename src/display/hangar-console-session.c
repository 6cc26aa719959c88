/* hangar-console-session.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-console-session"

#include "config.h"

#include "hangar-console-session.h"

G_DEFINE_ENUM_TYPE (HangarConsoleState, hangar_console_state,
  G_DEFINE_ENUM_VALUE (HANGAR_CONSOLE_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (HANGAR_CONSOLE_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (HANGAR_CONSOLE_STATE_CONNECTED, "connected"))

G_DEFINE_ENUM_TYPE (HangarClipboardSelection, hangar_clipboard_selection,
  G_DEFINE_ENUM_VALUE (HANGAR_CLIPBOARD_SELECTION_CLIPBOARD, "clipboard"),
  G_DEFINE_ENUM_VALUE (HANGAR_CLIPBOARD_SELECTION_PRIMARY, "primary"))

G_DEFINE_INTERFACE (HangarConsoleSession, hangar_console_session, G_TYPE_OBJECT)

static void
hangar_console_session_default_init (HangarConsoleSessionInterface *iface)
{
  g_object_interface_install_property (iface,
    g_param_spec_enum ("state", NULL, NULL,
                       HANGAR_TYPE_CONSOLE_STATE, HANGAR_CONSOLE_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_interface_install_property (iface,
    g_param_spec_object ("framebuffer", NULL, NULL,
                         HANGAR_TYPE_FRAMEBUFFER,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_interface_install_property (iface,
    g_param_spec_object ("cursor", NULL, NULL,
                         GDK_TYPE_CURSOR,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_interface_install_property (iface,
    g_param_spec_boolean ("absolute-pointer", NULL, NULL,
                          TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_interface_install_property (iface,
    g_param_spec_boolean ("has-ext-keys", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_interface_install_property (iface,
    g_param_spec_boxed ("error", NULL, NULL,
                        G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * HangarConsoleSession::credentials-needed:
   * @need_username: the server wants a user name
   * @need_password: the server wants a password
   *
   * The server asked for credentials; the connection waits until
   * hangar_console_session_set_credentials() or hangar_console_session_close() is called.
   */
  g_signal_new ("credentials-needed",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_BOOLEAN);

  /**
   * HangarConsoleSession::clipboard-available-changed:
   *
   * hangar_console_session_clipboard_available() may answer differently now (a guest agent
   * came or went).
   */
  g_signal_new ("clipboard-available-changed",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 0);

  /**
   * HangarConsoleSession::guest-clipboard-grab:
   * @selection: a #HangarClipboardSelection
   *
   * The guest copied text; hangar_console_session_clipboard_request() fetches it.
   */
  g_signal_new ("guest-clipboard-grab",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, HANGAR_TYPE_CLIPBOARD_SELECTION);

  /**
   * HangarConsoleSession::guest-clipboard-release:
   * @selection: a #HangarClipboardSelection
   *
   * The guest's clipboard holds no text any more.
   */
  g_signal_new ("guest-clipboard-release",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, HANGAR_TYPE_CLIPBOARD_SELECTION);

  /**
   * HangarConsoleSession::guest-clipboard-text:
   * @selection: a #HangarClipboardSelection
   * @text: (nullable): the guest's text (valid UTF-8), or %NULL if it had none
   *
   * The answer to hangar_console_session_clipboard_request().
   */
  g_signal_new ("guest-clipboard-text",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 2, HANGAR_TYPE_CLIPBOARD_SELECTION, G_TYPE_STRING);

  /**
   * HangarConsoleSession::guest-clipboard-request:
   * @selection: a #HangarClipboardSelection
   *
   * The guest pastes the text offered with hangar_console_session_clipboard_grab(): answer
   * with hangar_console_session_clipboard_send_text(), later if need be.
   */
  g_signal_new ("guest-clipboard-request",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, HANGAR_TYPE_CLIPBOARD_SELECTION);

  /**
   * HangarConsoleSession::guest-locks-changed:
   *
   * The guest reported the state of its lock keys (Caps, Num, Scroll Lock);
   * hangar_console_session_sync_locks() makes them follow the client's again.
   */
  g_signal_new ("guest-locks-changed",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 0);
}

/**
 * hangar_console_session_open_fd:
 * @fd: a connected socket; the session owns it if this returns %TRUE
 *
 * Starts the protocol on @fd (from virDomainOpenGraphicsFD, or a socket to a server).
 */
gboolean
hangar_console_session_open_fd (HangarConsoleSession  *self,
                                int                    fd,
                                GError               **error)
{
  g_return_val_if_fail (HANGAR_IS_CONSOLE_SESSION (self), FALSE);
  g_return_val_if_fail (fd >= 0, FALSE);

  return HANGAR_CONSOLE_SESSION_GET_IFACE (self)->open_fd (self, fd, error);
}

gboolean
hangar_console_session_open_host (HangarConsoleSession  *self,
                                  const char            *host,
                                  guint                  port,
                                  GError               **error)
{
  g_return_val_if_fail (HANGAR_IS_CONSOLE_SESSION (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  return HANGAR_CONSOLE_SESSION_GET_IFACE (self)->open_host (self, host, port, error);
}

void
hangar_console_session_close (HangarConsoleSession *self)
{
  g_return_if_fail (HANGAR_IS_CONSOLE_SESSION (self));

  HANGAR_CONSOLE_SESSION_GET_IFACE (self)->close (self);
}

HangarConsoleState
hangar_console_session_get_state (HangarConsoleSession *self)
{
  HangarConsoleState state;

  g_return_val_if_fail (HANGAR_IS_CONSOLE_SESSION (self), HANGAR_CONSOLE_STATE_DISCONNECTED);

  g_object_get (self, "state", &state, NULL);
  return state;
}

/**
 * hangar_console_session_get_framebuffer:
 *
 * Returns: (transfer none) (nullable): the current framebuffer
 */
HangarFramebuffer *
hangar_console_session_get_framebuffer (HangarConsoleSession *self)
{
  g_autoptr(HangarFramebuffer) fb = NULL;

  g_return_val_if_fail (HANGAR_IS_CONSOLE_SESSION (self), NULL);

  /* The session keeps its own reference; hand out a borrowed pointer. */
  g_object_get (self, "framebuffer", &fb, NULL);
  return fb;
}

/**
 * hangar_console_session_get_error:
 *
 * Returns: (transfer none) (nullable): why the last connection ended or failed
 */
const GError *
hangar_console_session_get_error (HangarConsoleSession *self)
{
  GError *error = NULL;
  const GError *ret;

  g_return_val_if_fail (HANGAR_IS_CONSOLE_SESSION (self), NULL);

  /* Boxed GErrors are copied by g_object_get; keep the copy on the object so it can be borrowed. */
  g_object_get (self, "error", &error, NULL);
  g_object_set_data_full (G_OBJECT (self), "hangar-borrowed-error", error,
                          (GDestroyNotify) g_error_free);
  ret = error;
  return ret;
}

gboolean
hangar_console_session_get_absolute_pointer (HangarConsoleSession *self)
{
  gboolean absolute;

  g_return_val_if_fail (HANGAR_IS_CONSOLE_SESSION (self), TRUE);

  g_object_get (self, "absolute-pointer", &absolute, NULL);
  return absolute;
}

void
hangar_console_session_set_credentials (HangarConsoleSession *self,
                                        const char           *username,
                                        const char           *password)
{
  g_return_if_fail (HANGAR_IS_CONSOLE_SESSION (self));

  HANGAR_CONSOLE_SESSION_GET_IFACE (self)->set_credentials (self, username, password);
}

/**
 * hangar_console_session_key:
 * @qnum: the QEMU key number of the physical key
 * @keyval: the GDK keyval, for servers without scancode support
 */
void
hangar_console_session_key (HangarConsoleSession *self,
                            gboolean              down,
                            guint                 qnum,
                            guint                 keyval)
{
  g_return_if_fail (HANGAR_IS_CONSOLE_SESSION (self));

  HANGAR_CONSOLE_SESSION_GET_IFACE (self)->key (self, down, qnum, keyval);
}

/**
 * hangar_console_session_pointer:
 * @x: guest x in framebuffer pixels
 * @y: guest y in framebuffer pixels
 * @buttons: the buttons held
 */
void
hangar_console_session_pointer (HangarConsoleSession *self,
                                int                   x,
                                int                   y,
                                HangarButtons         buttons)
{
  g_return_if_fail (HANGAR_IS_CONSOLE_SESSION (self));

  HANGAR_CONSOLE_SESSION_GET_IFACE (self)->pointer (self, x, y, buttons);
}

void
hangar_console_session_scroll (HangarConsoleSession *self,
                               int                   x,
                               int                   y,
                               HangarButtons         buttons,
                               GdkScrollDirection    direction)
{
  g_return_if_fail (HANGAR_IS_CONSOLE_SESSION (self));

  HANGAR_CONSOLE_SESSION_GET_IFACE (self)->scroll (self, x, y, buttons, direction);
}

void
hangar_console_session_release_all_keys (HangarConsoleSession *self)
{
  g_return_if_fail (HANGAR_IS_CONSOLE_SESSION (self));

  HANGAR_CONSOLE_SESSION_GET_IFACE (self)->release_all_keys (self);
}

/**
 * hangar_console_session_request_size:
 *
 * Asks the guest to change its screen size.
 *
 * Returns: %FALSE if the server cannot be asked (the view should scale instead)
 */
gboolean
hangar_console_session_request_size (HangarConsoleSession *self,
                                     guint                 width,
                                     guint                 height)
{
  g_return_val_if_fail (HANGAR_IS_CONSOLE_SESSION (self), FALSE);

  return HANGAR_CONSOLE_SESSION_GET_IFACE (self)->request_size (self, width, height);
}

/**
 * hangar_console_session_clipboard_available:
 *
 * Returns: %TRUE if text can be shared with the guest on @selection now (for SPICE: a
 * guest agent with clipboard support is connected)
 */
gboolean
hangar_console_session_clipboard_available (HangarConsoleSession     *self,
                                            HangarClipboardSelection  selection)
{
  HangarConsoleSessionInterface *iface;

  g_return_val_if_fail (HANGAR_IS_CONSOLE_SESSION (self), FALSE);

  iface = HANGAR_CONSOLE_SESSION_GET_IFACE (self);
  return iface->clipboard_available != NULL && iface->clipboard_available (self, selection);
}

/**
 * hangar_console_session_clipboard_grab:
 *
 * Tells the guest that the client has (new) text on @selection; call it on every change. The
 * guest asks for the text through #HangarConsoleSession::guest-clipboard-request: SPICE when it
 * pastes, VNC at once (RFB sends the text itself, not an announcement).
 */
void
hangar_console_session_clipboard_grab (HangarConsoleSession     *self,
                                       HangarClipboardSelection  selection)
{
  HangarConsoleSessionInterface *iface;

  g_return_if_fail (HANGAR_IS_CONSOLE_SESSION (self));

  iface = HANGAR_CONSOLE_SESSION_GET_IFACE (self);
  if (iface->clipboard_grab != NULL)
    iface->clipboard_grab (self, selection);
}

/**
 * hangar_console_session_clipboard_release:
 *
 * Tells the guest that the client no longer has text on @selection.
 */
void
hangar_console_session_clipboard_release (HangarConsoleSession     *self,
                                          HangarClipboardSelection  selection)
{
  HangarConsoleSessionInterface *iface;

  g_return_if_fail (HANGAR_IS_CONSOLE_SESSION (self));

  iface = HANGAR_CONSOLE_SESSION_GET_IFACE (self);
  if (iface->clipboard_release != NULL)
    iface->clipboard_release (self, selection);
}

/**
 * hangar_console_session_clipboard_request:
 *
 * Asks the guest for the text it grabbed; it arrives in #HangarConsoleSession::guest-clipboard-text.
 */
void
hangar_console_session_clipboard_request (HangarConsoleSession     *self,
                                          HangarClipboardSelection  selection)
{
  HangarConsoleSessionInterface *iface;

  g_return_if_fail (HANGAR_IS_CONSOLE_SESSION (self));

  iface = HANGAR_CONSOLE_SESSION_GET_IFACE (self);
  if (iface->clipboard_request != NULL)
    iface->clipboard_request (self, selection);
}

/**
 * hangar_console_session_clipboard_send_text:
 * @text: (nullable): UTF-8 text, or %NULL if the client has none after all
 *
 * Answers #HangarConsoleSession::guest-clipboard-request.
 */
void
hangar_console_session_clipboard_send_text (HangarConsoleSession     *self,
                                            HangarClipboardSelection  selection,
                                            const char               *text)
{
  HangarConsoleSessionInterface *iface;

  g_return_if_fail (HANGAR_IS_CONSOLE_SESSION (self));

  iface = HANGAR_CONSOLE_SESSION_GET_IFACE (self);
  if (iface->clipboard_send_text != NULL)
    iface->clipboard_send_text (self, selection, text);
}

/**
 * hangar_console_session_sync_locks:
 * @locks: the client's lock keys that are on
 *
 * Makes the guest's Caps, Num and Scroll Lock follow @locks, as far as the protocol tells the
 * guest's state (VNC: QEMU's LED state; SPICE: the inputs channel's modifiers). Does nothing
 * while the guest's state is unknown.
 */
void
hangar_console_session_sync_locks (HangarConsoleSession *self,
                                   HangarLocks           locks)
{
  HangarConsoleSessionInterface *iface;

  g_return_if_fail (HANGAR_IS_CONSOLE_SESSION (self));

  iface = HANGAR_CONSOLE_SESSION_GET_IFACE (self);
  if (iface->sync_locks != NULL)
    iface->sync_locks (self, locks & (HANGAR_LOCK_SCROLL | HANGAR_LOCK_NUM | HANGAR_LOCK_CAPS));
}
