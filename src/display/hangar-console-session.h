/* hangar-console-session.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "hangar-framebuffer.h"

G_BEGIN_DECLS

typedef enum
{
  HANGAR_CONSOLE_STATE_DISCONNECTED,
  HANGAR_CONSOLE_STATE_CONNECTING,
  HANGAR_CONSOLE_STATE_CONNECTED,
} HangarConsoleState;

/* Pointer button mask, the RFB bit order. */
typedef enum
{
  HANGAR_BUTTON_LEFT   = 1 << 0,
  HANGAR_BUTTON_MIDDLE = 1 << 1,
  HANGAR_BUTTON_RIGHT  = 1 << 2,
} HangarButtons;

/* Which clipboard is shared: the one of Copy and Paste, or X11's primary selection. */
typedef enum
{
  HANGAR_CLIPBOARD_SELECTION_CLIPBOARD,
  HANGAR_CLIPBOARD_SELECTION_PRIMARY,
} HangarClipboardSelection;

/* Lock keys: the bits of QEMU's VNC LED state and of SPICE's keyboard modifiers. */
typedef enum
{
  HANGAR_LOCK_SCROLL = 1 << 0,
  HANGAR_LOCK_NUM    = 1 << 1,
  HANGAR_LOCK_CAPS   = 1 << 2,
} HangarLocks;

#define HANGAR_TYPE_CONSOLE_STATE (hangar_console_state_get_type ())
#define HANGAR_TYPE_CLIPBOARD_SELECTION (hangar_clipboard_selection_get_type ())
#define HANGAR_TYPE_CONSOLE_SESSION (hangar_console_session_get_type ())

GType hangar_console_state_get_type (void) G_GNUC_CONST;
GType hangar_clipboard_selection_get_type (void) G_GNUC_CONST;

G_DECLARE_INTERFACE (HangarConsoleSession, hangar_console_session, HANGAR, CONSOLE_SESSION, GObject)

/* Properties every session has: "state" (HangarConsoleState), "framebuffer"
 * (HangarFramebuffer, replaced on resize), "cursor" (GdkCursor or NULL for the default),
 * "absolute-pointer" (gboolean), "error" (GError, why the last connection ended), "has-ext-keys"
 * (gboolean: keys reach the guest as scancodes, so the guest's layout applies).
 * Signal "credentials-needed" (gboolean need_username, gboolean need_password): answer with
 * hangar_console_session_set_credentials(), later if a dialog is needed.
 *
 * Clipboard (text only; the vfuncs are NULL where the protocol has no clipboard, and the
 * signals are then never emitted): "clipboard-available-changed" (), "guest-clipboard-grab"
 * (selection: the guest copied text), "guest-clipboard-release" (selection),
 * "guest-clipboard-text" (selection, text or NULL: the answer to
 * hangar_console_session_clipboard_request()), "guest-clipboard-request" (selection: the guest
 * pastes what we offered with hangar_console_session_clipboard_grab(); answer with
 * hangar_console_session_clipboard_send_text()).
 * hangar_console_session_clipboard_grab() is called for every change of the client's text; the
 * session decides whether the guest needs to hear of it again. SPICE asks for the text when the
 * guest pastes; VNC (one selection, CLIPBOARD) asks at once, since RFB's cut text is sent whole,
 * and has no release. */
struct _HangarConsoleSessionInterface
{
  GTypeInterface parent_iface;

  gboolean (*open_fd)          (HangarConsoleSession *self,
                                int                   fd,
                                GError              **error);
  gboolean (*open_host)        (HangarConsoleSession *self,
                                const char           *host,
                                guint                 port,
                                GError              **error);
  void     (*close)            (HangarConsoleSession *self);
  void     (*set_credentials)  (HangarConsoleSession *self,
                                const char           *username,
                                const char           *password);
  void     (*key)              (HangarConsoleSession *self,
                                gboolean              down,
                                guint                 qnum,
                                guint                 keyval);
  void     (*pointer)          (HangarConsoleSession *self,
                                int                   x,
                                int                   y,
                                HangarButtons         buttons);
  void     (*scroll)           (HangarConsoleSession *self,
                                int                   x,
                                int                   y,
                                HangarButtons         buttons,
                                GdkScrollDirection    direction);
  void     (*release_all_keys) (HangarConsoleSession *self);
  gboolean (*request_size)     (HangarConsoleSession *self,
                                guint                 width,
                                guint                 height);

  gboolean (*clipboard_available) (HangarConsoleSession     *self,
                                   HangarClipboardSelection  selection);
  void     (*clipboard_grab)      (HangarConsoleSession     *self,
                                   HangarClipboardSelection  selection);
  void     (*clipboard_release)   (HangarConsoleSession     *self,
                                   HangarClipboardSelection  selection);
  void     (*clipboard_request)   (HangarConsoleSession     *self,
                                   HangarClipboardSelection  selection);
  void     (*clipboard_send_text) (HangarConsoleSession     *self,
                                   HangarClipboardSelection  selection,
                                   const char               *text);

  void     (*sync_locks)          (HangarConsoleSession     *self,
                                   HangarLocks               locks);
};

gboolean            hangar_console_session_open_fd          (HangarConsoleSession  *self,
                                                             int                    fd,
                                                             GError               **error);
gboolean            hangar_console_session_open_host        (HangarConsoleSession  *self,
                                                             const char            *host,
                                                             guint                  port,
                                                             GError               **error);
void                hangar_console_session_close            (HangarConsoleSession  *self);
HangarConsoleState  hangar_console_session_get_state        (HangarConsoleSession  *self);
HangarFramebuffer  *hangar_console_session_get_framebuffer  (HangarConsoleSession  *self);
const GError       *hangar_console_session_get_error        (HangarConsoleSession  *self);
gboolean            hangar_console_session_get_absolute_pointer (HangarConsoleSession *self);
void                hangar_console_session_set_credentials  (HangarConsoleSession  *self,
                                                             const char            *username,
                                                             const char            *password);
void                hangar_console_session_key              (HangarConsoleSession  *self,
                                                             gboolean               down,
                                                             guint                  qnum,
                                                             guint                  keyval);
void                hangar_console_session_pointer          (HangarConsoleSession  *self,
                                                             int                    x,
                                                             int                    y,
                                                             HangarButtons          buttons);
void                hangar_console_session_scroll           (HangarConsoleSession  *self,
                                                             int                    x,
                                                             int                    y,
                                                             HangarButtons          buttons,
                                                             GdkScrollDirection     direction);
void                hangar_console_session_release_all_keys (HangarConsoleSession  *self);
gboolean            hangar_console_session_request_size     (HangarConsoleSession  *self,
                                                             guint                  width,
                                                             guint                  height);

gboolean            hangar_console_session_clipboard_available (HangarConsoleSession     *self,
                                                                HangarClipboardSelection  selection);
void                hangar_console_session_clipboard_grab      (HangarConsoleSession     *self,
                                                                HangarClipboardSelection  selection);
void                hangar_console_session_clipboard_release   (HangarConsoleSession     *self,
                                                                HangarClipboardSelection  selection);
void                hangar_console_session_clipboard_request   (HangarConsoleSession     *self,
                                                                HangarClipboardSelection  selection);
void                hangar_console_session_clipboard_send_text (HangarConsoleSession     *self,
                                                                HangarClipboardSelection  selection,
                                                                const char               *text);

void                hangar_console_session_sync_locks          (HangarConsoleSession     *self,
                                                                HangarLocks               locks);

G_END_DECLS
