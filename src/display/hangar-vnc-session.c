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

#include "hangar-display-error.h"
#include "hangar-vnc-session.h"

/* A HangarConsoleSession on gvnc-1.0. gvnc runs the protocol in a coroutine on the main context
 * and emits every signal synchronously while the coroutine waits, so whatever a signal needs
 * (auth type, framebuffer) is set up inside its handler (research/display.md §1). */

#define MAX_HELD_KEYS 32

typedef struct
{
  guint qnum;
  guint keyval;
} HeldKey;

struct _HangarVncSession
{
  GObject parent_instance;

  /* Owned; replaced on every open, shut down on close. */
  VncConnection      *conn;
  HangarConsoleState  state;
  /* Owned; gvnc's framebuffer (fb_wrapper) writes into its memory. */
  HangarFramebuffer  *fb;
  VncFramebuffer     *fb_wrapper;
  GdkCursor          *cursor;
  GError             *error;
  gboolean            absolute_pointer;
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
  /* The lock keys we toggled the guest's towards, or -1; and when. */
  int                 locks_asked;
  gint64              locks_asked_time;
  guint64             n_updates;
  /* g_get_monotonic_time () of the last open, for the first-frame time in the debug log. */
  gint64              open_time;
};

static void console_session_iface_init (HangarConsoleSessionInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HangarVncSession, hangar_vnc_session, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HANGAR_TYPE_CONSOLE_SESSION,
                                                      console_session_iface_init))

enum {
  PROP_0,
  PROP_STATE,
  PROP_FRAMEBUFFER,
  PROP_CURSOR,
  PROP_ABSOLUTE_POINTER,
  PROP_HAS_EXT_KEYS,
  PROP_ERROR,
  N_PROPS,
};

static void
set_state (HangarVncSession   *self,
           HangarConsoleState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify (G_OBJECT (self), "state");
}

/* Keeps the first error of a connection: it is the one that explains the rest. */
static void
set_error (HangarVncSession *self,
           GError           *error)
{
  if (self->error != NULL)
    {
      g_debug ("Further error: %s", error->message);
      g_error_free (error);
      return;
    }

  g_debug ("Error: %s", error->message);
  self->error = error;
  g_object_notify (G_OBJECT (self), "error");
}

static void
set_framebuffer (HangarVncSession  *self,
                 HangarFramebuffer *fb)
{
  if (g_set_object (&self->fb, fb))
    g_object_notify (G_OBJECT (self), "framebuffer");
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
      set_error (self, g_steal_pointer (&error));
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
  set_framebuffer (self, fb);
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

  set_error (self, g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_AUTH_UNSUPPORTED,
                                _("The server wants a kind of authentication Hangar does not support")));
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

  set_error (self, g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_AUTH_UNSUPPORTED,
                                _("The server wants a kind of encryption Hangar does not support")));
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
  /* gvnc reports the failure as a vnc-error first; this is the better explanation. */
  g_clear_error (&self->error);
  set_error (self, g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_AUTH_FAILED,
                                _("The server did not accept the password (%s)"),
                                reason != NULL && *reason ? reason : _("no reason given")));
}

static void
auth_unsupported_cb (HangarVncSession *self,
                     guint             type,
                     VncConnection    *conn)
{
  set_error (self, g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_AUTH_UNSUPPORTED,
                                _("The server wants authentication type %u, which Hangar does not support"),
                                type));
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

  self->initialized = TRUE;
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
  self->n_updates++;
  if (self->fb != NULL)
    {
      hangar_framebuffer_damage (self->fb, x, y, width, height);
      /* gvnc has no end-of-update signal; a rectangle reaching the bottom right corner ends a
       * full-screen update (gvnccapture's rule). One line each, for the benchmark. */
      if (x + width == (int) hangar_framebuffer_get_width (self->fb) &&
          y + height == (int) hangar_framebuffer_get_height (self->fb))
        g_debug ("Update reached the bottom right corner");
    }

  /* Connected from the first picture on: servers answer SetEncodings (and acknowledge extended
   * key events) before they send it, so keys typed from now on go out as scancodes. */
  if (self->state == HANGAR_CONSOLE_STATE_CONNECTING)
    {
      g_debug ("First update after %.1f ms", (g_get_monotonic_time () - self->open_time) / 1000.0);
      set_state (self, HANGAR_CONSOLE_STATE_CONNECTED);
    }

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
  g_debug ("Desktop resize: %ux%u", width, height);

  /* Servers announce the current size again when they learn we take size changes. */
  if (self->fb == NULL ||
      hangar_framebuffer_get_width (self->fb) != width ||
      hangar_framebuffer_get_height (self->fb) != height)
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
  guint width, height;

  g_clear_object (&self->cursor);

  if (cursor != NULL &&
      (width = vnc_cursor_get_width (cursor)) > 0 &&
      (height = vnc_cursor_get_height (cursor)) > 0)
    {
      /* gvnc hands cursor pixels as R,G,B,A bytes (gdk-pixbuf layout, not premultiplied). */
      bytes = g_bytes_new (vnc_cursor_get_data (cursor), (gsize) width * height * 4);
      texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, width * 4);
      self->cursor = gdk_cursor_new_from_texture (texture,
                                                  MIN (vnc_cursor_get_hotx (cursor), width - 1),
                                                  MIN (vnc_cursor_get_hoty (cursor), height - 1),
                                                  NULL);
    }
  else
    {
      /* An empty cursor means the guest hides it. */
      self->cursor = gdk_cursor_new_from_name ("none", NULL);
    }

  g_object_notify (G_OBJECT (self), "cursor");
}

static void
pointer_mode_changed_cb (HangarVncSession *self,
                         gboolean          absolute,
                         VncConnection    *conn)
{
  if (self->absolute_pointer == absolute)
    return;

  self->absolute_pointer = absolute;
  g_object_notify (G_OBJECT (self), "absolute-pointer");
}

static void
error_cb (HangarVncSession *self,
          const char       *message,
          VncConnection    *conn)
{
  if (!self->socket_connected)
    set_error (self, g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CONNECT,
                                  _("Could not connect to the console server (%s)"), message));
  else if (self->state == HANGAR_CONSOLE_STATE_CONNECTED)
    set_error (self, g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CLOSED,
                                  _("The connection to the console was lost (%s)"), message));
  else
    set_error (self, g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CONNECT,
                                  _("The console server ended the connection before showing the screen (%s)"),
                                  message));
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
  self->initialized = FALSE;
  g_clear_pointer (&self->pending_credentials, g_array_unref);

  if (self->error == NULL && self->state != HANGAR_CONSOLE_STATE_CONNECTED)
    set_error (self, g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CLOSED,
                                  _("The console server ended the connection before showing the screen")));
  else if (self->error == NULL)
    set_error (self, g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CLOSED,
                                  _("The connection was closed")));

  set_state (self, HANGAR_CONSOLE_STATE_DISCONNECTED);
}

/* How long the guest has to confirm lock keys we toggled before its reports count as its own
 * changes again. */
#define LOCKS_CONFIRM_USEC (G_USEC_PER_SEC)

static void
led_state_cb (HangarVncSession *self,
              VncConnection    *conn)
{
  self->guest_locks = vnc_connection_get_ledstate (conn) &
                      (HANGAR_LOCK_SCROLL | HANGAR_LOCK_NUM | HANGAR_LOCK_CAPS);
  g_debug ("Guest lock keys: 0x%x", (guint) self->guest_locks);

  /* The guest reports after each key we toggled: the states in between are ours, not changes
   * to answer (answering them toggled the same key back and forth). */
  if (self->locks_asked >= 0)
    {
      gboolean confirmed = self->guest_locks == self->locks_asked;

      if (!confirmed && g_get_monotonic_time () - self->locks_asked_time < LOCKS_CONFIRM_USEC)
        return;
      self->locks_asked = -1;
      if (confirmed)
        return;
    }

  g_signal_emit_by_name (self, "guest-locks-changed");
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

  g_clear_error (&self->error);
  g_object_notify (G_OBJECT (self), "error");
  self->initialized = FALSE;
  self->socket_connected = FALSE;
  self->n_held = 0;
  self->buttons = 0;
  self->guest_locks = -1;
  self->locks_asked = -1;

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
  g_signal_connect_swapped (self->conn, "vnc-error", G_CALLBACK (error_cb), self);
  g_signal_connect_swapped (self->conn, "vnc-disconnected", G_CALLBACK (disconnected_cb), self);

  self->open_time = g_get_monotonic_time ();
  set_state (self, HANGAR_CONSOLE_STATE_CONNECTING);
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
      set_state (self, HANGAR_CONSOLE_STATE_DISCONNECTED);
      g_set_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CONNECT,
                   _("Could not start the VNC connection"));
      return FALSE;
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
      set_state (self, HANGAR_CONSOLE_STATE_DISCONNECTED);
      g_set_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CONNECT,
                   _("Could not connect to %s port %u"), host, port);
      return FALSE;
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

  if (self->conn == NULL || !self->initialized || self->fb == NULL)
    return;

  x = CLAMP (x, 0, (int) hangar_framebuffer_get_width (self->fb) - 1);
  y = CLAMP (y, 0, (int) hangar_framebuffer_get_height (self->fb) - 1);
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

  if (self->conn == NULL || !self->initialized || self->fb == NULL)
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

  x = CLAMP (x, 0, (int) hangar_framebuffer_get_width (self->fb) - 1);
  y = CLAMP (y, 0, (int) hangar_framebuffer_get_height (self->fb) - 1);
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
  current = self->locks_asked >= 0 ? self->locks_asked : self->guest_locks;
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
  self->locks_asked = locks;
  self->locks_asked_time = g_get_monotonic_time ();
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
  iface->sync_locks = hangar_vnc_session_sync_locks;
}

static void
hangar_vnc_session_dispose (GObject *object)
{
  HangarVncSession *self = (HangarVncSession *)object;

  drop_connection (self);
  g_clear_object (&self->fb);
  g_clear_object (&self->cursor);
  g_clear_pointer (&self->pending_credentials, g_array_unref);

  G_OBJECT_CLASS (hangar_vnc_session_parent_class)->dispose (object);
}

static void
hangar_vnc_session_finalize (GObject *object)
{
  HangarVncSession *self = (HangarVncSession *)object;

  g_clear_error (&self->error);

  G_OBJECT_CLASS (hangar_vnc_session_parent_class)->finalize (object);
}

static void
hangar_vnc_session_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HangarVncSession *self = HANGAR_VNC_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_FRAMEBUFFER:
      g_value_set_object (value, self->fb);
      break;

    case PROP_CURSOR:
      g_value_set_object (value, self->cursor);
      break;

    case PROP_ABSOLUTE_POINTER:
      g_value_set_boolean (value, self->absolute_pointer);
      break;

    case PROP_HAS_EXT_KEYS:
      g_value_set_boolean (value, self->conn != NULL && vnc_connection_get_ext_key_event (self->conn));
      break;

    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_vnc_session_class_init (HangarVncSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hangar_vnc_session_dispose;
  object_class->finalize = hangar_vnc_session_finalize;
  object_class->get_property = hangar_vnc_session_get_property;

  /* gvnc's own protocol trace, for debugging a server. */
  if (g_getenv ("HANGAR_VNC_DEBUG") != NULL)
    vnc_util_set_debug (TRUE);

  g_object_class_override_property (object_class, PROP_STATE, "state");
  g_object_class_override_property (object_class, PROP_FRAMEBUFFER, "framebuffer");
  g_object_class_override_property (object_class, PROP_CURSOR, "cursor");
  g_object_class_override_property (object_class, PROP_ABSOLUTE_POINTER, "absolute-pointer");
  g_object_class_override_property (object_class, PROP_HAS_EXT_KEYS, "has-ext-keys");
  g_object_class_override_property (object_class, PROP_ERROR, "error");
}

static void
hangar_vnc_session_init (HangarVncSession *self)
{
  self->absolute_pointer = TRUE;
  self->guest_locks = -1;
  self->locks_asked = -1;
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
