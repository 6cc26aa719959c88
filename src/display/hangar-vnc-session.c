/* hangar-vnc-session.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-vnc-session"

#include "config.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <gvnc.h>
#include <string.h>
#include <sys/socket.h>

#include "hangar-base-session.h"
#include "hangar-vnc-session.h"

/* A HangarConsoleSession on gvnc-1.0. gvnc runs the protocol in a coroutine on the main context
 * and emits every signal synchronously while the coroutine waits, so whatever a signal needs
 * (auth type, framebuffer) is set up inside its handler (research/display.md §1). What every
 * session shares (properties, first error, lock-key bookkeeping) is HangarBaseSession's. */

#define MAX_HELD_KEYS 32

/* The most cut text we send. Servers take up to 1 MiB (QEMU and libvncserver drop a client that
 * sends more), but gvnc 1.3.1 corrupts any message that does not fit into the socket's free send
 * buffer: in vnc_connection_flush_wire() a send that would block waits, then does "offset += ret"
 * with ret == -1, so the rest of a 4 KiB chunk is sent again from one byte back, or (at the
 * chunk's start) the whole chunk is dropped, and the server waits for bytes that never come. A
 * UNIX socket (libvirt's fd) buffers about 200 KiB, a new TCP connection on a LAN about 85 KiB:
 * 64 KiB stays clear of both. */
#define MAX_CUT_TEXT (64 * 1024)

typedef struct
{
  guint qnum;
  guint keyval;
} HeldKey;

struct _HangarVncSession
{
  HangarBaseSession parent_instance;

  /* Owned; replaced on every open, shut down on close. */
  VncConnection      *conn;
  /* Owned; writes into the memory of the session's framebuffer. */
  VncFramebuffer     *fb_wrapper;
  gboolean            initialized;
  /* The socket is up (vnc-connected); errors before it are connection failures. */
  gboolean            socket_connected;
  /* The server is on this machine (UNIX socket or loopback address). */
  gboolean            local;
  /* Credential types gvnc is waiting for (GValueArray of ints), or NULL. */
  GArray             *pending_credentials;
  HeldKey             held[MAX_HELD_KEYS];
  guint               n_held;
  HangarButtons       buttons;
  /* The guest's lock keys (QEMU's LED state pseudo-encoding), or -1 until the server says. */
  int                 guest_locks;
  guint64             n_updates;
  /* The server is QEMU, which takes cut text as UTF-8 (see the clipboard section). */
  gboolean            qemu;
  /* Owned; the server's last cut text in UTF-8, for hangar_console_session_clipboard_request(),
   * or NULL. */
  char               *server_text;
  /* Owned; the cut text both sides hold (as sent on the wire: the last one either side sent), or
   * NULL when that is not known. Neither side's copy of it is sent back to the other. */
  GBytes             *cut_text;
};

static void console_session_iface_init (HangarConsoleSessionInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HangarVncSession, hangar_vnc_session, HANGAR_TYPE_BASE_SESSION,
                               G_IMPLEMENT_INTERFACE (HANGAR_TYPE_CONSOLE_SESSION,
                                                      console_session_iface_init))

static HangarFramebuffer *
get_framebuffer (HangarVncSession *self)
{
  return hangar_base_session_get_framebuffer (HANGAR_BASE_SESSION (self));
}

/* The server takes input (and cut text) from now on, or no longer. */
static void
set_initialized (HangarVncSession *self,
                 gboolean          initialized)
{
  if (self->initialized == initialized)
    return;

  self->initialized = initialized;
  g_clear_pointer (&self->server_text, g_free);
  g_clear_pointer (&self->cut_text, g_bytes_unref);
  g_signal_emit_by_name (self, "clipboard-available-changed");
}

/* The pixel format we decode into: 32 bpp, depth 24, B,G,R,X bytes on little-endian hosts
 * (the layout of cairo RGB24 and of GDK's B8G8R8A8). */
static void
local_pixel_format (VncPixelFormat *fmt)
{
  *fmt = (VncPixelFormat) {
    .bits_per_pixel = 32,
    .depth = 24,
    .byte_order = G_BYTE_ORDER,
    .true_color_flag = 1,
    .red_max = 255,
    .green_max = 255,
    .blue_max = 255,
    .red_shift = 16,
    .green_shift = 8,
    .blue_shift = 0,
  };
}

/* Makes a framebuffer of the server's size and points gvnc at it. FALSE (and the connection shut
 * down with a message) when the size is unusable, e.g. 0×0 or 16384×16384. */
static gboolean
framebuffer_init (HangarVncSession *self)
{
  g_autoptr(HangarFramebuffer) fb = NULL;
  g_autoptr(GError) error = NULL;
  const VncPixelFormat *remote;
  VncPixelFormat local;
  guint width = vnc_connection_get_width (self->conn);
  guint height = vnc_connection_get_height (self->conn);

  fb = hangar_framebuffer_new (width, height, &error);
  if (fb == NULL)
    {
      hangar_base_session_set_error (HANGAR_BASE_SESSION (self), g_steal_pointer (&error));
      vnc_connection_shutdown (self->conn);
      return FALSE;
    }

  local_pixel_format (&local);
  remote = vnc_connection_get_pixel_format (self->conn);
  g_clear_object (&self->fb_wrapper);
  self->fb_wrapper = VNC_FRAMEBUFFER (vnc_base_framebuffer_new (hangar_framebuffer_get_data (fb),
                                                                width, height,
                                                                hangar_framebuffer_get_stride (fb),
                                                                &local, remote));
  vnc_connection_set_framebuffer (self->conn, self->fb_wrapper);
  hangar_base_session_set_framebuffer (HANGAR_BASE_SESSION (self), fb);
  return TRUE;
}

static void
auth_choose_type_cb (HangarVncSession *self,
                     GValueArray      *types,
                     VncConnection    *conn)
{
  /* Preference order; gvnc waits (forever) until we answer, so always answer. */
  static const guint wanted[] = {
    VNC_CONNECTION_AUTH_VENCRYPT,
    VNC_CONNECTION_AUTH_VNC,
    VNC_CONNECTION_AUTH_NONE,
  };

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  for (guint w = 0; w < G_N_ELEMENTS (wanted); w++)
    for (guint i = 0; i < types->n_values; i++)
      {
        if (g_value_get_enum (g_value_array_get_nth (types, i)) == (int) wanted[w])
          {
            g_debug ("Auth type %u", wanted[w]);
            vnc_connection_set_auth_type (conn, wanted[w]);
            return;
          }
      }
  G_GNUC_END_IGNORE_DEPRECATIONS

  hangar_base_session_fail (HANGAR_BASE_SESSION (self), HANGAR_DISPLAY_ERROR_AUTH_UNSUPPORTED,
                            _("The server wants a kind of authentication Hangar does not support"));
  vnc_connection_shutdown (conn);
}

static void
auth_choose_subtype_cb (HangarVncSession *self,
                        guint             type,
                        GValueArray      *subtypes,
                        VncConnection    *conn)
{
  static const guint wanted[] = {
    VNC_CONNECTION_AUTH_VENCRYPT_X509VNC,
    VNC_CONNECTION_AUTH_VENCRYPT_X509PLAIN,
    VNC_CONNECTION_AUTH_VENCRYPT_TLSVNC,
    VNC_CONNECTION_AUTH_VENCRYPT_TLSPLAIN,
    VNC_CONNECTION_AUTH_VENCRYPT_X509NONE,
    VNC_CONNECTION_AUTH_VENCRYPT_TLSNONE,
  };

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  for (guint w = 0; w < G_N_ELEMENTS (wanted); w++)
    for (guint i = 0; i < subtypes->n_values; i++)
      {
        if (g_value_get_enum (g_value_array_get_nth (subtypes, i)) == (int) wanted[w])
          {
            vnc_connection_set_auth_subtype (conn, wanted[w]);
            return;
          }
      }
  G_GNUC_END_IGNORE_DEPRECATIONS

  hangar_base_session_fail (HANGAR_BASE_SESSION (self), HANGAR_DISPLAY_ERROR_AUTH_UNSUPPORTED,
                            _("The server wants a kind of encryption Hangar does not support"));
  vnc_connection_shutdown (conn);
}

static void
auth_credential_cb (HangarVncSession *self,
                    GValueArray      *creds,
                    VncConnection    *conn)
{
  gboolean need_username = FALSE, need_password = FALSE;

  g_clear_pointer (&self->pending_credentials, g_array_unref);
  self->pending_credentials = g_array_new (FALSE, FALSE, sizeof (int));

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  for (guint i = 0; i < creds->n_values; i++)
    {
      int type = g_value_get_enum (g_value_array_get_nth (creds, i));

      if (type == VNC_CONNECTION_CREDENTIAL_CLIENTNAME)
        vnc_connection_set_credential (conn, type, "hangar");
      else
        {
          g_array_append_val (self->pending_credentials, type);
          need_username |= type == VNC_CONNECTION_CREDENTIAL_USERNAME;
          need_password |= type == VNC_CONNECTION_CREDENTIAL_PASSWORD;
        }
    }
  G_GNUC_END_IGNORE_DEPRECATIONS

  if (self->pending_credentials->len > 0)
    g_signal_emit_by_name (self, "credentials-needed", need_username, need_password);
}

static void
auth_failure_cb (HangarVncSession *self,
                 const char       *reason,
                 VncConnection    *conn)
{
  GError *error = g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_AUTH_FAILED,
                               _("The server did not accept the password (%s)"),
                               reason != NULL && *reason ? reason : _("no reason given"));

  /* gvnc reports the failure as a vnc-error first; this is the better explanation. */
  hangar_base_session_replace_error (HANGAR_BASE_SESSION (self), error);
}

static void
auth_unsupported_cb (HangarVncSession *self,
                     guint             type,
                     VncConnection    *conn)
{
  hangar_base_session_fail (HANGAR_BASE_SESSION (self), HANGAR_DISPLAY_ERROR_AUTH_UNSUPPORTED,
                            _("The server wants authentication type %u, which Hangar does not support"),
                            type);
}

static gboolean
set_encodings (HangarVncSession *self,
               VncConnection    *conn)
{
  /* gtk-vnc's list and order (research/display.md §1, step 4), without lossy JPEG. With a
   * shorter list servers sent six times the bytes for the same frames (§8). */
  static const gint32 encodings[] = {
    VNC_CONNECTION_ENCODING_TIGHT,
    VNC_CONNECTION_ENCODING_EXT_KEY_EVENT,
    VNC_CONNECTION_ENCODING_LED_STATE,
    VNC_CONNECTION_ENCODING_EXTENDED_DESKTOP_RESIZE,
    VNC_CONNECTION_ENCODING_DESKTOP_RESIZE,
    VNC_CONNECTION_ENCODING_DESKTOP_NAME,
    VNC_CONNECTION_ENCODING_LAST_RECT,
    VNC_CONNECTION_ENCODING_WMVi,
    VNC_CONNECTION_ENCODING_ALPHA_CURSOR,
    VNC_CONNECTION_ENCODING_RICH_CURSOR,
    VNC_CONNECTION_ENCODING_XCURSOR,
    VNC_CONNECTION_ENCODING_POINTER_CHANGE,
    VNC_CONNECTION_ENCODING_ZRLE,
    VNC_CONNECTION_ENCODING_HEXTILE,
    VNC_CONNECTION_ENCODING_RRE,
    VNC_CONNECTION_ENCODING_COPY_RECT,
    VNC_CONNECTION_ENCODING_RAW,
  };
  gint32 list[G_N_ELEMENTS (encodings) + 1];
  guint n = 0;
  const char *raw = g_getenv ("HANGAR_VNC_RAW");

  /* On a local socket (libvirt's fd, or a server on this machine) bandwidth is free and gvnc's
   * ZRLE and Tight decoders go through vnc_framebuffer_set_pixel_at () for every pixel; RAW is
   * a memcpy per row. Measured with tests/bench/console-bench.sh (full motion, 1920×1080):
   * 6.9 CPU-s with gtk-vnc's list, 3.4 with RAW first. HANGAR_VNC_RAW=0/1 overrides. */
  if (raw != NULL ? g_strcmp0 (raw, "1") == 0 : self->local)
    list[n++] = VNC_CONNECTION_ENCODING_RAW;
  memcpy (list + n, encodings, sizeof encodings);
  n += G_N_ELEMENTS (encodings);
  g_debug ("Encodings: %s first", n > G_N_ELEMENTS (encodings) ? "RAW" : "TIGHT");

  return vnc_connection_set_encodings (conn, n, list);
}

static void
initialized_cb (HangarVncSession *self,
                VncConnection    *conn)
{
  VncPixelFormat fmt;

  g_debug ("Initialized: %dx%d", vnc_connection_get_width (conn), vnc_connection_get_height (conn));

  /* Our pixel format first, so the server sends what we draw and gvnc copies verbatim. */
  local_pixel_format (&fmt);
  if (!vnc_connection_set_pixel_format (conn, &fmt))
    return;

  if (!framebuffer_init (self))
    return;

  if (!set_encodings (self, conn))
    return;

  /* QEMU names its desktop "QEMU", or "QEMU (<machine name>)" when it has one (ui/vnc.c). */
  self->qemu = g_strcmp0 (vnc_connection_get_name (conn), "QEMU") == 0 ||
               g_str_has_prefix (vnc_connection_get_name (conn), "QEMU (");
  set_initialized (self, TRUE);
  vnc_connection_framebuffer_update_request (conn, FALSE, 0, 0,
                                             vnc_connection_get_width (conn),
                                             vnc_connection_get_height (conn));
}

static void
framebuffer_update_cb (HangarVncSession *self,
                       guint16           x,
                       guint16           y,
                       guint16           width,
                       guint16           height,
                       VncConnection    *conn)
{
  HangarFramebuffer *fb = get_framebuffer (self);

  self->n_updates++;
  if (fb != NULL)
    {
      hangar_framebuffer_damage (fb, x, y, width, height);
      /* gvnc has no end-of-update signal; a rectangle reaching the bottom right corner ends a
       * full-screen update (gvnccapture's rule). One line each, for the benchmark. */
      if (x + width == (int) hangar_framebuffer_get_width (fb) &&
          y + height == (int) hangar_framebuffer_get_height (fb))
        g_debug ("Update reached the bottom right corner");
    }

  /* Connected from the first picture on: servers answer SetEncodings (and acknowledge extended
   * key events) before they send it, so keys typed from now on go out as scancodes. */
  if (hangar_base_session_get_state (HANGAR_BASE_SESSION (self)) == HANGAR_CONSOLE_STATE_CONNECTING)
    hangar_base_session_set_state (HANGAR_BASE_SESSION (self), HANGAR_CONSOLE_STATE_CONNECTED);

  /* Emitted once per rectangle; requests are buffered and servers coalesce them. */
  vnc_connection_framebuffer_update_request (conn, TRUE, 0, 0,
                                             vnc_connection_get_width (conn),
                                             vnc_connection_get_height (conn));
}

static void
desktop_resize_cb (HangarVncSession *self,
                   guint16           width,
                   guint16           height,
                   VncConnection    *conn)
{
  HangarFramebuffer *fb = get_framebuffer (self);

  g_debug ("Desktop resize: %ux%u", width, height);

  /* Servers announce the current size again when they learn we take size changes. */
  if (fb == NULL ||
      hangar_framebuffer_get_width (fb) != width ||
      hangar_framebuffer_get_height (fb) != height)
    {
      if (!framebuffer_init (self))
        return;
    }

  vnc_connection_framebuffer_update_request (conn, FALSE, 0, 0, width, height);
}

static void
pixel_format_changed_cb (HangarVncSession *self,
                         VncPixelFormat   *format,
                         VncConnection    *conn)
{
  if (!framebuffer_init (self))
    return;

  vnc_connection_framebuffer_update_request (conn, FALSE, 0, 0,
                                             vnc_connection_get_width (conn),
                                             vnc_connection_get_height (conn));
}

static void
cursor_changed_cb (HangarVncSession *self,
                   VncCursor        *cursor,
                   VncConnection    *conn)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkCursor) shape = NULL;
  guint width, height;

  if (cursor != NULL &&
      (width = vnc_cursor_get_width (cursor)) > 0 &&
      (height = vnc_cursor_get_height (cursor)) > 0)
    {
      /* gvnc hands cursor pixels as R,G,B,A bytes (gdk-pixbuf layout, not premultiplied). */
      bytes = g_bytes_new (vnc_cursor_get_data (cursor), (gsize) width * height * 4);
      texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, width * 4);
      shape = gdk_cursor_new_from_texture (texture,
                                           MIN (vnc_cursor_get_hotx (cursor), width - 1),
                                           MIN (vnc_cursor_get_hoty (cursor), height - 1),
                                           NULL);
    }
  else
    {
      /* An empty cursor means the guest hides it. */
      shape = gdk_cursor_new_from_name ("none", NULL);
    }

  hangar_base_session_set_cursor (HANGAR_BASE_SESSION (self), shape);
}

static void
pointer_mode_changed_cb (HangarVncSession *self,
                         gboolean          absolute,
                         VncConnection    *conn)
{
  hangar_base_session_set_absolute_pointer (HANGAR_BASE_SESSION (self), absolute);
}

static void
error_cb (HangarVncSession *self,
          const char       *message,
          VncConnection    *conn)
{
  HangarConsoleState state = hangar_base_session_get_state (HANGAR_BASE_SESSION (self));

  if (!self->socket_connected)
    hangar_base_session_fail (HANGAR_BASE_SESSION (self), HANGAR_DISPLAY_ERROR_CONNECT,
                              _("Could not connect to the console server (%s)"), message);
  else if (state == HANGAR_CONSOLE_STATE_CONNECTED)
    hangar_base_session_fail (HANGAR_BASE_SESSION (self), HANGAR_DISPLAY_ERROR_CLOSED,
                              _("The connection to the console was lost (%s)"), message);
  else
    hangar_base_session_fail (HANGAR_BASE_SESSION (self), HANGAR_DISPLAY_ERROR_CONNECT,
                              _("The console server ended the connection before showing the screen (%s)"),
                              message);
}

static void
release_held_keys (HangarVncSession *self)
{
  /* Release in reverse order of pressing, so modifiers go last. */
  while (self->n_held > 0)
    {
      HeldKey *key = &self->held[--self->n_held];

      if (self->conn != NULL && self->initialized)
        vnc_connection_key_event (self->conn, FALSE, key->keyval, key->qnum);
    }
}

static void
disconnected_cb (HangarVncSession *self,
                 VncConnection    *conn)
{
  g_debug ("Disconnected");

  self->n_held = 0;
  self->buttons = 0;
  set_initialized (self, FALSE);
  g_clear_pointer (&self->pending_credentials, g_array_unref);

  hangar_base_session_disconnected (HANGAR_BASE_SESSION (self));
}

static void
led_state_cb (HangarVncSession *self,
              VncConnection    *conn)
{
  self->guest_locks = vnc_connection_get_ledstate (conn) &
                      (HANGAR_LOCK_SCROLL | HANGAR_LOCK_NUM | HANGAR_LOCK_CAPS);
  g_debug ("Guest lock keys: 0x%x", (guint) self->guest_locks);
  hangar_base_session_guest_locks (HANGAR_BASE_SESSION (self), self->guest_locks);
}

/* Clipboard. RFB's cut text is one text, ISO 8859-1, sent whole by whichever side copied, with
 * no announcement and no request: so there is one selection (CLIPBOARD), a client copy is sent at
 * once (clipboard_grab asks the bridge for the text right away), and nothing is released.
 *
 * QEMU (7.2, ui/vnc.c and ui/vnc-clipboard.c) is different on both ways:
 * - client → guest: vnc_client_cut_text() puts the bytes unconverted into QEMU's clipboard as
 *   text, which the qemu-vdagent chardev offers the guest agent as UTF-8. Latin-1 bytes would
 *   reach the guest as invalid UTF-8, so QEMU gets UTF-8.
 * - guest → client: QEMU registers a VNC client with its clipboard only when the client asks for
 *   the extended clipboard pseudo-encoding (vnc_server_cut_text_caps), which gvnc 1.3.1 does not
 *   know: the guest's copies never reach us, and we never claim one.
 * Longer texts than MAX_CUT_TEXT are not sent (see there). */

/* UTF-8 → what the server takes. Characters outside Latin-1 become '?', counted in @replaced. */
static GBytes *
encode_cut_text (HangarVncSession *self,
                 const char       *text,
                 guint            *replaced)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GByteArray *latin1;

  *replaced = 0;
  if (self->qemu)
    return g_bytes_new (valid, strlen (valid));

  latin1 = g_byte_array_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      guint8 byte = c <= 0xff ? c : '?';

      *replaced += c > 0xff;
      g_byte_array_append (latin1, &byte, 1);
    }
  return g_byte_array_free_to_bytes (latin1);
}

/* The server's cut text → UTF-8 (every Latin-1 byte is a character). */
static char *
decode_cut_text (HangarVncSession *self,
                 const char       *data)
{
  GString *utf8;

  if (self->qemu)
    return g_utf8_make_valid (data, -1);

  utf8 = g_string_sized_new (strlen (data) * 2);
  for (const guchar *p = (const guchar *) data; *p != '\0'; p++)
    g_string_append_unichar (utf8, *p);
  return g_string_free (utf8, FALSE);
}

static void
server_cut_text_cb (HangarVncSession *self,
                    const char       *text,
                    VncConnection    *conn)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  /* Servers that pass a client's cut text on to all clients send ours back. */
  if (self->cut_text != NULL && g_bytes_equal (bytes, self->cut_text))
    {
      g_debug ("Server cut text (%zu bytes) is what both sides have: not taken again", strlen (text));
      return;
    }

  g_clear_pointer (&self->cut_text, g_bytes_unref);
  self->cut_text = g_steal_pointer (&bytes);
  g_clear_pointer (&self->server_text, g_free);
  g_debug ("Server cut text: %zu bytes", strlen (text));
  /* An empty cut text leaves the client's clipboard as it is (as when a SPICE guest releases
   * its clipboard). */
  if (*text == '\0')
    {
      g_signal_emit_by_name (self, "guest-clipboard-release", HANGAR_CLIPBOARD_SELECTION_CLIPBOARD);
      return;
    }
  self->server_text = decode_cut_text (self, text);
  g_signal_emit_by_name (self, "guest-clipboard-grab", HANGAR_CLIPBOARD_SELECTION_CLIPBOARD);
}

static void
connected_cb (HangarVncSession *self,
              VncConnection    *conn)
{
  self->socket_connected = TRUE;
}

static void
drop_connection (HangarVncSession *self)
{
  if (self->conn == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->conn, self);
  vnc_connection_shutdown (self->conn);
  g_clear_object (&self->conn);
  g_clear_object (&self->fb_wrapper);
}

static void
new_connection (HangarVncSession *self)
{
  GClosure *led_closure;

  drop_connection (self);

  set_initialized (self, FALSE);
  self->socket_connected = FALSE;
  self->n_held = 0;
  self->buttons = 0;
  self->guest_locks = -1;

  self->conn = vnc_connection_new ();
  vnc_connection_set_shared (self->conn, TRUE);
  g_signal_connect_swapped (self->conn, "vnc-auth-choose-type", G_CALLBACK (auth_choose_type_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-auth-choose-subtype", G_CALLBACK (auth_choose_subtype_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-auth-credential", G_CALLBACK (auth_credential_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-auth-failure", G_CALLBACK (auth_failure_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-auth-unsupported", G_CALLBACK (auth_unsupported_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-connected", G_CALLBACK (connected_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-initialized", G_CALLBACK (initialized_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-framebuffer-update", G_CALLBACK (framebuffer_update_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-desktop-resize", G_CALLBACK (desktop_resize_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-pixel-format-changed", G_CALLBACK (pixel_format_changed_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-cursor-changed", G_CALLBACK (cursor_changed_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-pointer-mode-changed", G_CALLBACK (pointer_mode_changed_cb), self);
  /* gvnc 1.3.1 declares vnc-led-state without parameters but with an INT marshaller, which
   * fails its assertion for every handler connected the usual way: give ours a marshaller
   * that takes the signal as declared. */
  led_closure = g_cclosure_new_swap (G_CALLBACK (led_state_cb), self, NULL);
  g_closure_set_marshal (led_closure, g_cclosure_marshal_generic);
  g_signal_connect_closure (self->conn, "vnc-led-state", led_closure, FALSE);
  g_signal_connect_swapped (self->conn, "vnc-server-cut-text", G_CALLBACK (server_cut_text_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-error", G_CALLBACK (error_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-disconnected", G_CALLBACK (disconnected_cb), self);

  hangar_base_session_begin (HANGAR_BASE_SESSION (self));
}

static gboolean
hangar_vnc_session_open_fd (HangarConsoleSession  *session,
                            int                    fd,
                            GError               **error)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (session);
  struct sockaddr_storage addr;
  socklen_t addr_len = sizeof addr;

  new_connection (self);
  self->local = getsockname (fd, (struct sockaddr *) &addr, &addr_len) == 0 &&
                addr.ss_family == AF_UNIX;
  if (!vnc_connection_open_fd (self->conn, fd))
    {
      drop_connection (self);
      return hangar_base_session_open_failed (HANGAR_BASE_SESSION (self), error,
                                              _("Could not start the VNC connection"));
    }

  return TRUE;
}

static gboolean
hangar_vnc_session_open_host (HangarConsoleSession  *session,
                              const char            *host,
                              guint                  port,
                              GError               **error)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (session);
  g_autofree char *port_str = g_strdup_printf ("%u", port);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

  new_connection (self);
  self->local = g_ascii_strcasecmp (host, "localhost") == 0 ||
                (address != NULL && g_inet_address_get_is_loopback (address));
  if (!vnc_connection_open_host (self->conn, host, port_str))
    {
      drop_connection (self);
      return hangar_base_session_open_failed (HANGAR_BASE_SESSION (self), error,
                                              _("Could not connect to %s port %u"), host, port);
    }

  return TRUE;
}

static void
hangar_vnc_session_close (HangarConsoleSession *session)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (session);

  if (self->conn == NULL)
    return;

  release_held_keys (self);
  /* Shutdown makes gvnc emit vnc-disconnected from its coroutine, which sets the state. */
  vnc_connection_shutdown (self->conn);
}

static void
hangar_vnc_session_set_credentials (HangarConsoleSession *session,
                                    const char           *username,
                                    const char           *password)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (session);

  if (self->conn == NULL || self->pending_credentials == NULL)
    return;

  for (guint i = 0; i < self->pending_credentials->len; i++)
    {
      int type = g_array_index (self->pending_credentials, int, i);
      const char *value = type == VNC_CONNECTION_CREDENTIAL_USERNAME ? username : password;

      if (!vnc_connection_set_credential (self->conn, type, value != NULL ? value : ""))
        {
          vnc_connection_shutdown (self->conn);
          break;
        }
    }

  g_clear_pointer (&self->pending_credentials, g_array_unref);
}

static void
hangar_vnc_session_key (HangarConsoleSession *session,
                        gboolean              down,
                        guint                 qnum,
                        guint                 keyval)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (session);
  guint i;

  if (self->conn == NULL || !self->initialized)
    return;

  /* Tab with Shift arrives as ISO_Left_Tab; servers without scancodes know Tab only. */
  if (keyval == GDK_KEY_ISO_Left_Tab)
    keyval = GDK_KEY_Tab;

  for (i = 0; i < self->n_held; i++)
    if (self->held[i].qnum == qnum)
      break;

  if (i < self->n_held)
    {
      /* A held key: autorepeat (press, press, …) or its release. Release with the keyval of
       * the press, since the layout may give the release another keyval; autorepeat goes out as
       * release + press, as gtk-vnc does. */
      guint held_keyval = self->held[i].keyval;

      vnc_connection_key_event (self->conn, FALSE, held_keyval, qnum);
      self->held[i] = self->held[--self->n_held];
      if (!down)
        return;
    }
  else if (!down)
    {
      /* A release of a key the guest never saw go down (pressed before the console took the
       * keyboard, e.g. the Return that took it): drop it. */
      return;
    }

  if (self->n_held == MAX_HELD_KEYS)
    return;

  self->held[self->n_held++] = (HeldKey) { qnum, keyval };
  vnc_connection_key_event (self->conn, TRUE, keyval, qnum);
}

static void
hangar_vnc_session_pointer (HangarConsoleSession *session,
                            int                   x,
                            int                   y,
                            HangarButtons         buttons)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (session);

  if (self->conn == NULL || !self->initialized ||
      !hangar_base_session_clamp_to_framebuffer (HANGAR_BASE_SESSION (self), &x, &y))
    return;

  self->buttons = buttons & 0x7;
  vnc_connection_pointer_event (self->conn, self->buttons, x, y);
}

static void
hangar_vnc_session_scroll (HangarConsoleSession *session,
                           int                   x,
                           int                   y,
                           HangarButtons         buttons,
                           GdkScrollDirection    direction)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (session);
  guint wheel;

  if (self->conn == NULL || !self->initialized ||
      !hangar_base_session_clamp_to_framebuffer (HANGAR_BASE_SESSION (self), &x, &y))
    return;

  switch (direction)
    {
    case GDK_SCROLL_UP:    wheel = 1 << 3; break;
    case GDK_SCROLL_DOWN:  wheel = 1 << 4; break;
    case GDK_SCROLL_LEFT:  wheel = 1 << 5; break;
    case GDK_SCROLL_RIGHT: wheel = 1 << 6; break;
    case GDK_SCROLL_SMOOTH:
    default:
      return;
    }

  self->buttons = buttons & 0x7;
  /* A wheel step is a press and a release of its button. */
  vnc_connection_pointer_event (self->conn, self->buttons | wheel, x, y);
  vnc_connection_pointer_event (self->conn, self->buttons, x, y);
}

static void
hangar_vnc_session_release_all_keys (HangarConsoleSession *session)
{
  release_held_keys (HANGAR_VNC_SESSION (session));
}

static gboolean
hangar_vnc_session_request_size (HangarConsoleSession *session,
                                 guint                 width,
                                 guint                 height)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (session);

  if (self->conn == NULL || !self->initialized)
    return FALSE;

  width = CLAMP (width, 1, HANGAR_FRAMEBUFFER_MAX_SIDE);
  height = CLAMP (height, 1, HANGAR_FRAMEBUFFER_MAX_SIDE);
  /* gvnc 1.3.1 returns UNSUPPORTED when the server lacks extended desktop size, and otherwise
   * the boolean "sent" squeezed into the enum (TRUE reads as ADMIN_PROHIBITED): the server's
   * real answer arrives later as a desktop resize, or not at all. */
  return vnc_connection_set_size (self->conn, width, height) != VNC_CONNECTION_RESIZE_STATUS_UNSUPPORTED &&
         !vnc_connection_has_error (self->conn);
}

/* The RFB LED state bits are HangarLocks' (gvnc's VNC_LEDSTATE_*). */
G_STATIC_ASSERT (HANGAR_LOCK_SCROLL == VNC_LEDSTATE_SCROLL_LOCK);
G_STATIC_ASSERT (HANGAR_LOCK_NUM == VNC_LEDSTATE_NUM_LOCK);
G_STATIC_ASSERT (HANGAR_LOCK_CAPS == VNC_LEDSTATE_CAPS_LOCK);

static void
hangar_vnc_session_sync_locks (HangarConsoleSession *session,
                               HangarLocks           locks)
{
  static const struct {
    HangarLocks lock;
    guint       qnum;
    guint       keyval;
  } lock_keys[] = {
    { HANGAR_LOCK_CAPS,   0x3a, GDK_KEY_Caps_Lock },
    { HANGAR_LOCK_NUM,    0x45, GDK_KEY_Num_Lock },
    { HANGAR_LOCK_SCROLL, 0x46, GDK_KEY_Scroll_Lock },
  };
  HangarVncSession *self = HANGAR_VNC_SESSION (session);
  int current;

  /* Only servers with the LED state pseudo-encoding (QEMU) tell the guest's state; toggling
   * blind could turn a lock off that the client has on. */
  if (self->conn == NULL || !self->initialized || self->guest_locks < 0)
    return;

  /* Toggles not confirmed yet count as done. */
  current = hangar_base_session_expected_locks (HANGAR_BASE_SESSION (self), self->guest_locks);
  if (current == (int) locks)
    return;

  g_debug ("Lock keys: guest 0x%x, client 0x%x", (guint) current, (guint) locks);
  /* A press and a release of each lock key that differs, as a guest sees from a keyboard; the
   * guest then reports its new LED state. */
  for (guint i = 0; i < G_N_ELEMENTS (lock_keys); i++)
    if ((current ^ locks) & lock_keys[i].lock)
      {
        vnc_connection_key_event (self->conn, TRUE, lock_keys[i].keyval, lock_keys[i].qnum);
        vnc_connection_key_event (self->conn, FALSE, lock_keys[i].keyval, lock_keys[i].qnum);
      }
  hangar_base_session_locks_asked (HANGAR_BASE_SESSION (self), locks);
}

static gboolean
hangar_vnc_session_clipboard_available (HangarConsoleSession     *session,
                                        HangarClipboardSelection  selection)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (session);

  return selection == HANGAR_CLIPBOARD_SELECTION_CLIPBOARD &&
         self->conn != NULL && self->initialized;
}

static void
hangar_vnc_session_clipboard_grab (HangarConsoleSession     *session,
                                   HangarClipboardSelection  selection)
{
  /* No announcement in RFB: the server takes the text at once. */
  if (hangar_vnc_session_clipboard_available (session, selection))
    g_signal_emit_by_name (session, "guest-clipboard-request", selection);
}

static void
hangar_vnc_session_clipboard_request (HangarConsoleSession     *session,
                                      HangarClipboardSelection  selection)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (session);

  if (hangar_vnc_session_clipboard_available (session, selection))
    g_signal_emit_by_name (self, "guest-clipboard-text", selection, self->server_text);
}

static void
hangar_vnc_session_clipboard_send_text (HangarConsoleSession     *session,
                                        HangarClipboardSelection  selection,
                                        const char               *text)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (session);
  g_autoptr(GBytes) bytes = NULL;
  guint replaced;
  gsize size;

  if (!hangar_vnc_session_clipboard_available (session, selection) || text == NULL)
    return;

  bytes = encode_cut_text (self, text, &replaced);
  if (self->cut_text != NULL && g_bytes_equal (bytes, self->cut_text))
    {
      g_debug ("The server has this cut text already");
      return;
    }
  /* Either way the server no longer has what the client has. */
  g_clear_pointer (&self->cut_text, g_bytes_unref);
  size = g_bytes_get_size (bytes);
  if (size > MAX_CUT_TEXT)
    {
      g_message ("The clipboard text (%zu bytes) is longer than Hangar sends over VNC "
                 "(%d bytes): not sent", size, MAX_CUT_TEXT);
      return;
    }
  if (replaced > 0)
    g_message ("%u characters of the clipboard text are not in Latin-1, which VNC cut text is: "
               "sent as '?'", replaced);

  g_debug ("Sending %zu bytes of cut text%s", size, self->qemu ? " (UTF-8, QEMU)" : "");
  if (vnc_connection_client_cut_text (self->conn, g_bytes_get_data (bytes, NULL), size))
    self->cut_text = g_steal_pointer (&bytes);
}

static void
console_session_iface_init (HangarConsoleSessionInterface *iface)
{
  iface->open_fd = hangar_vnc_session_open_fd;
  iface->open_host = hangar_vnc_session_open_host;
  iface->close = hangar_vnc_session_close;
  iface->set_credentials = hangar_vnc_session_set_credentials;
  iface->key = hangar_vnc_session_key;
  iface->pointer = hangar_vnc_session_pointer;
  iface->scroll = hangar_vnc_session_scroll;
  iface->release_all_keys = hangar_vnc_session_release_all_keys;
  iface->request_size = hangar_vnc_session_request_size;
  iface->clipboard_available = hangar_vnc_session_clipboard_available;
  iface->clipboard_grab = hangar_vnc_session_clipboard_grab;
  iface->clipboard_request = hangar_vnc_session_clipboard_request;
  iface->clipboard_send_text = hangar_vnc_session_clipboard_send_text;
  iface->sync_locks = hangar_vnc_session_sync_locks;
}

static gboolean
hangar_vnc_session_has_ext_keys (HangarBaseSession *base)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (base);

  return self->conn != NULL && vnc_connection_get_ext_key_event (self->conn);
}

static void
hangar_vnc_session_dispose (GObject *object)
{
  HangarVncSession *self = (HangarVncSession *)object;

  drop_connection (self);
  g_clear_pointer (&self->pending_credentials, g_array_unref);
  g_clear_pointer (&self->server_text, g_free);
  g_clear_pointer (&self->cut_text, g_bytes_unref);

  G_OBJECT_CLASS (hangar_vnc_session_parent_class)->dispose (object);
}

static void
hangar_vnc_session_class_init (HangarVncSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  HangarBaseSessionClass *base_class = HANGAR_BASE_SESSION_CLASS (klass);

  object_class->dispose = hangar_vnc_session_dispose;
  base_class->has_ext_keys = hangar_vnc_session_has_ext_keys;

  /* gvnc's own protocol trace, for debugging a server. */
  if (g_getenv ("HANGAR_VNC_DEBUG") != NULL)
    vnc_util_set_debug (TRUE);
}

static void
hangar_vnc_session_init (HangarVncSession *self)
{
  self->guest_locks = -1;
}

HangarVncSession *
hangar_vnc_session_new (void)
{
  return g_object_new (HANGAR_TYPE_VNC_SESSION, NULL);
}

guint64
hangar_vnc_session_get_n_updates (HangarVncSession *self)
{
  g_return_val_if_fail (HANGAR_IS_VNC_SESSION (self), 0);

  return self->n_updates;
}
