/* hangar-spice-session.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-spice-session"

#include "config.h"

#include <glib/gi18n.h>
#include <spice-client.h>
#include <spice/vd_agent.h>
#include <string.h>
#include <unistd.h>

#include "hangar-base-session.h"
#include "hangar-keymap.h"
#include "hangar-spice-session.h"

/* A HangarConsoleSession on spice-client-glib: the main, display (id 0), inputs and cursor
 * channels, in spice-gtk's widget order (research/display.md §2). The primary surface belongs to
 * the display channel and dies with display-primary-destroy, so every invalidated rectangle is
 * copied into our own framebuffer. No GL scanout: gl-draw is answered at once so a guest with
 * <gl enable='yes'/> does not stall, and the error says why nothing shows. What every session
 * shares (properties, first error, lock-key bookkeeping) is HangarBaseSession's. */

#define MAX_HELD_KEYS 32

struct _HangarSpiceSession
{
  HangarBaseSession parent_instance;

  /* Owned; one per connection. Channels are owned by the session. */
  SpiceSession       *session;
  SpiceMainChannel   *main;
  SpiceDisplayChannel *display;
  SpiceInputsChannel *inputs;
  SpiceCursorChannel *cursor_channel;

  /* The primary surface (owned by the display channel, valid until primary-destroy). */
  const guint8       *primary;
  gsize               primary_stride;
  gboolean            marked;
  /* The inputs channel is open: keys typed before would be lost, and spice-client-glib
   * criticals on input sent to a channel that is not (or no longer) connected. */
  gboolean            inputs_ready;
  /* We asked the session to disconnect: channels closing after that are no news. */
  gboolean            closing;
  guint               held[MAX_HELD_KEYS];
  guint               n_held;
  HangarButtons       buttons;
  /* Channels waiting for an fd from our owner (request id → SpiceChannel, weak). */
  GHashTable         *fd_requests;
  guint               next_request;
  gboolean            client_sockets;
  /* The guest agent asked for our clipboard text (per selection): answer it exactly once. */
  gboolean            clipboard_requested[2];
  /* We told the guest the client has text (per selection), and it has not copied since: the
   * guest asks for the newest text when it pastes, so the grab is not repeated. */
  gboolean            clipboard_grabbed[2];
};

static void console_session_iface_init (HangarConsoleSessionInterface *iface);

enum {
  SIGNAL_CHANNEL_FD_NEEDED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE_WITH_CODE (HangarSpiceSession, hangar_spice_session, HANGAR_TYPE_BASE_SESSION,
                               G_IMPLEMENT_INTERFACE (HANGAR_TYPE_CONSOLE_SESSION,
                                                      console_session_iface_init))

static gboolean
is_connected (HangarSpiceSession *self)
{
  HangarConsoleState state = hangar_base_session_get_state (HANGAR_BASE_SESSION (self));

  return state == HANGAR_CONSOLE_STATE_CONNECTED;
}

static void
update_ready (HangarSpiceSession *self)
{
  /* spice-widget shows nothing until the surface was drawn once (mark); and we call it
   * connected only when keys can go through too. */
  HangarBaseSession *base = HANGAR_BASE_SESSION (self);

  if (hangar_base_session_get_state (base) == HANGAR_CONSOLE_STATE_CONNECTING &&
      hangar_base_session_get_framebuffer (base) != NULL && self->marked && self->inputs_ready)
    hangar_base_session_set_state (base, HANGAR_CONSOLE_STATE_CONNECTED);
}

static void
disconnect_all (HangarSpiceSession *self,
                GError             *error)
{
  if (error != NULL)
    hangar_base_session_set_error (HANGAR_BASE_SESSION (self), error);
  self->closing = TRUE;
  if (self->session != NULL)
    spice_session_disconnect (self->session);
}

static void
copy_rect (HangarSpiceSession *self,
           int                 x,
           int                 y,
           int                 width,
           int                 height)
{
  HangarFramebuffer *fb = hangar_base_session_get_framebuffer (HANGAR_BASE_SESSION (self));

  if (fb == NULL || self->primary == NULL)
    return;

  x = MAX (x, 0);
  y = MAX (y, 0);
  width = MIN (width, (int) hangar_framebuffer_get_width (fb) - x);
  height = MIN (height, (int) hangar_framebuffer_get_height (fb) - y);
  if (width <= 0 || height <= 0)
    return;

  hangar_framebuffer_write (fb, x, y, width, height,
                            self->primary + (gsize) y * self->primary_stride + (gsize) x * 4,
                            self->primary_stride);
}

static void
primary_create_cb (SpiceChannel       *channel,
                   gint                format,
                   gint                width,
                   gint                height,
                   gint                stride,
                   gint                shmid,
                   gpointer            imgdata,
                   HangarSpiceSession *self)
{
  g_autoptr(HangarFramebuffer) fb = NULL;
  g_autoptr(GError) error = NULL;

  g_debug ("Primary surface %dx%d format %d", width, height, format);

  if (format != SPICE_SURFACE_FMT_32_xRGB && format != SPICE_SURFACE_FMT_32_ARGB)
    {
      disconnect_all (self, g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_FAILED,
                                         _("The guest uses a 16-bit screen, which Hangar cannot show yet")));
      return;
    }

  fb = hangar_framebuffer_new (MAX (width, 0), MAX (height, 0), &error);
  if (fb == NULL)
    {
      disconnect_all (self, g_steal_pointer (&error));
      return;
    }

  self->primary = imgdata;
  self->primary_stride = stride;
  hangar_base_session_set_framebuffer (HANGAR_BASE_SESSION (self), fb);
  copy_rect (self, 0, 0, width, height);
  update_ready (self);
}

static void
primary_destroy_cb (SpiceChannel       *channel,
                    HangarSpiceSession *self)
{
  /* The channel frees the surface memory now; our copy stays on screen until the next one. */
  self->primary = NULL;
}

static void
invalidate_cb (SpiceChannel       *channel,
               gint                x,
               gint                y,
               gint                width,
               gint                height,
               HangarSpiceSession *self)
{
  copy_rect (self, x, y, width, height);
}

static void
mark_cb (SpiceChannel       *channel,
         gint                mark,
         HangarSpiceSession *self)
{
  self->marked = mark != 0;
  update_ready (self);
}

static void
gl_draw_cb (SpiceDisplayChannel *channel,
            guint                x,
            guint                y,
            guint                width,
            guint                height,
            HangarSpiceSession  *self)
{
  /* Not supported: answer anyway, or the guest's display stalls waiting for us. */
  spice_display_channel_gl_draw_done (channel);
  if (!hangar_base_session_has_error (HANGAR_BASE_SESSION (self)))
    hangar_base_session_fail (HANGAR_BASE_SESSION (self), HANGAR_DISPLAY_ERROR_FAILED,
                              _("This machine uses 3D acceleration (SPICE OpenGL), which Hangar’s console cannot show"));
}

static void
cursor_changed_cb (SpiceCursorChannel *channel,
                   GParamSpec         *pspec,
                   HangarSpiceSession *self)
{
  SpiceCursorShape *shape = NULL;
  g_autoptr(GdkCursor) cursor = NULL;

  g_object_get (channel, "cursor", &shape, NULL);
  if (shape != NULL && shape->data != NULL && shape->width > 0 && shape->height > 0)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (shape->data, (gsize) shape->width * shape->height * 4);
      g_autoptr(GdkTexture) texture = NULL;

      /* spice-client-glib keeps cursor pixels as 32-bit ARGB words (B,G,R,A bytes here). */
      texture = gdk_memory_texture_new (shape->width, shape->height, GDK_MEMORY_B8G8R8A8,
                                        bytes, shape->width * 4);
      cursor = gdk_cursor_new_from_texture (texture,
                                            MIN (shape->hot_spot_x, shape->width - 1),
                                            MIN (shape->hot_spot_y, shape->height - 1),
                                            NULL);
    }
  if (shape != NULL)
    g_boxed_free (SPICE_TYPE_CURSOR_SHAPE, shape);
  hangar_base_session_set_cursor (HANGAR_BASE_SESSION (self), cursor);
}

static void
cursor_hide_cb (SpiceCursorChannel *channel,
                HangarSpiceSession *self)
{
  g_autoptr(GdkCursor) none = gdk_cursor_new_from_name ("none", NULL);

  hangar_base_session_set_cursor (HANGAR_BASE_SESSION (self), none);
}

static void
mouse_update_cb (SpiceChannel       *channel,
                 HangarSpiceSession *self)
{
  int mode = SPICE_MOUSE_MODE_CLIENT;

  g_object_get (channel, "mouse-mode", &mode, NULL);
  hangar_base_session_set_absolute_pointer (HANGAR_BASE_SESSION (self),
                                            mode == SPICE_MOUSE_MODE_CLIENT);
}

static void
channel_event_cb (SpiceChannel       *channel,
                  SpiceChannelEvent   event,
                  HangarSpiceSession *self)
{
  const GError *channel_error = spice_channel_get_error (channel);

  g_debug ("Channel %s event %d", G_OBJECT_TYPE_NAME (channel), event);

  /* Any event but OPENED means the channel is (already) unconnected: spice-client-glib sets
   * the state before it emits the event. */
  if ((gpointer) channel == self->inputs && event != SPICE_CHANNEL_OPENED)
    self->inputs_ready = FALSE;

  switch (event)
    {
    case SPICE_CHANNEL_OPENED:
      if ((gpointer) channel == self->inputs)
        {
          self->inputs_ready = TRUE;
          update_ready (self);
        }
      break;

    case SPICE_CHANNEL_ERROR_AUTH:
      hangar_base_session_fail (HANGAR_BASE_SESSION (self), HANGAR_DISPLAY_ERROR_AUTH_FAILED,
                                _("The server did not accept the password"));
      if (SPICE_IS_MAIN_CHANNEL (channel))
        g_signal_emit_by_name (self, "credentials-needed", FALSE, TRUE);
      break;

    case SPICE_CHANNEL_ERROR_CONNECT:
    case SPICE_CHANNEL_ERROR_TLS:
    case SPICE_CHANNEL_ERROR_LINK:
    case SPICE_CHANNEL_ERROR_IO:
      if (is_connected (self))
        hangar_base_session_fail (HANGAR_BASE_SESSION (self), HANGAR_DISPLAY_ERROR_CLOSED,
                                  _("The connection to the console was lost (%s)"),
                                  channel_error != NULL ? channel_error->message : _("I/O error"));
      else
        hangar_base_session_fail (HANGAR_BASE_SESSION (self), HANGAR_DISPLAY_ERROR_CONNECT,
                                  _("Could not connect to the console server (%s)"),
                                  channel_error != NULL ? channel_error->message : _("connection failed"));
      if (SPICE_IS_MAIN_CHANNEL (channel))
        disconnect_all (self, NULL);
      break;

    case SPICE_CHANNEL_CLOSED:
      /* A server that dies (the guest was destroyed, QEMU killed) closes every channel with
       * no error, and spice-client-glib leaves it to us to end the session (as virt-viewer
       * does): without this the console stays "connected" to a frozen frame. */
      if (!self->closing &&
          ((gpointer) channel == self->main || (gpointer) channel == self->display))
        disconnect_all (self, is_connected (self)
                              ? g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CLOSED,
                                             _("The connection to the console was lost (%s)"),
                                             _("the server closed the connection"))
                              : g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CONNECT,
                                             _("The console server ended the connection before showing the screen")));
      break;

    case SPICE_CHANNEL_NONE:
    case SPICE_CHANNEL_SWITCHING:
    default:
      break;
    }
}

static void
open_fd_cb (SpiceChannel       *channel,
            gint                with_tls,
            HangarSpiceSession *self)
{
  guint request = ++self->next_request;

  /* Opened on an fd: every further channel needs its own socket (virDomainOpenGraphicsFD
   * once per channel, as virt-viewer does). Our owner answers with
   * hangar_spice_session_channel_fd (). */
  g_hash_table_insert (self->fd_requests, GUINT_TO_POINTER (request), g_object_ref (channel));
  g_debug ("Channel %s needs an fd (request %u)", G_OBJECT_TYPE_NAME (channel), request);
  g_signal_emit (self, signals[SIGNAL_CHANNEL_FD_NEEDED], 0, request);
}

/**
 * hangar_spice_session_channel_fd:
 * @request: the id from #HangarSpiceSession::channel-fd-needed
 * @fd: a new connected socket to the same server, or -1 if none could be had
 *
 * Hands a channel its socket. The session owns @fd afterwards.
 */
void
hangar_spice_session_channel_fd (HangarSpiceSession *self,
                                 guint               request,
                                 int                 fd)
{
  SpiceChannel *channel = NULL;

  g_return_if_fail (HANGAR_IS_SPICE_SESSION (self));

  /* No g_autoptr: spice-client-glib 0.42 declares no cleanup function for its channels. */
  g_hash_table_steal_extended (self->fd_requests, GUINT_TO_POINTER (request), NULL, (gpointer *) &channel);
  if (channel != NULL)
    {
      SpiceSession *owner = NULL;

      /* A channel of a session that ended meanwhile has none any more (spice-client-glib
       * warns "channel setup incomplete" if it is asked to open then). */
      g_object_get (channel, "spice-session", &owner, NULL);
      if (owner == NULL || owner != self->session || self->closing)
        {
          g_debug ("An fd came for a channel that is gone (request %u)", request);
          g_clear_object (&channel);
        }
      g_clear_object (&owner);
    }
  if (channel == NULL || fd < 0 || !spice_channel_open_fd (channel, fd))
    {
      if (fd >= 0)
        close (fd);
      if (channel != NULL && SPICE_IS_DISPLAY_CHANNEL (channel))
        disconnect_all (self, g_error_new (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CONNECT,
                                           _("Could not open the console’s display channel")));
    }
  g_clear_object (&channel);
}

/* Clipboard through the guest agent (spice-gtk's glib API). SPICE's selection numbers
 * (VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD, _PRIMARY) are HangarClipboardSelection's. Text only:
 * a guest offering only images is not announced. spice-client-glib criticals when asked for
 * the clipboard of a guest without an agent, so every call checks first. */
static gboolean
agent_clipboard (HangarSpiceSession *self,
                 guint               selection)
{
  gboolean agent = FALSE;

  if (self->main == NULL || selection > VD_AGENT_CLIPBOARD_SELECTION_PRIMARY)
    return FALSE;

  g_object_get (self->main, "agent-connected", &agent, NULL);
  return agent &&
         spice_main_channel_agent_test_capability (self->main, VD_AGENT_CAP_CLIPBOARD_BY_DEMAND) &&
         (selection == VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD ||
          spice_main_channel_agent_test_capability (self->main, VD_AGENT_CAP_CLIPBOARD_SELECTION));
}

static void
agent_changed_cb (HangarSpiceSession *self)
{
  g_debug ("Guest agent %s", agent_clipboard (self, VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD)
                             ? "shares the clipboard" : "does not share the clipboard");
  if (!agent_clipboard (self, VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD))
    {
      memset (self->clipboard_requested, 0, sizeof self->clipboard_requested);
      memset (self->clipboard_grabbed, 0, sizeof self->clipboard_grabbed);
    }
  g_signal_emit_by_name (self, "clipboard-available-changed");
}

static gboolean
clipboard_grab_cb (SpiceMainChannel   *channel,
                   guint               selection,
                   guint32            *types,
                   guint               n_types,
                   HangarSpiceSession *self)
{
  gboolean text = FALSE;

  for (guint i = 0; i < n_types; i++)
    text |= types[i] == VD_AGENT_CLIPBOARD_UTF8_TEXT;

  g_debug ("Guest clipboard %u grabbed (%u types, %s)", selection, n_types, text ? "text" : "no text");
  if (selection <= VD_AGENT_CLIPBOARD_SELECTION_PRIMARY)
    {
      self->clipboard_requested[selection] = FALSE;
      self->clipboard_grabbed[selection] = FALSE;
      g_signal_emit_by_name (self, text ? "guest-clipboard-grab" : "guest-clipboard-release", selection);
    }
  return TRUE;
}

static void
clipboard_release_cb (SpiceMainChannel   *channel,
                      guint               selection,
                      HangarSpiceSession *self)
{
  g_debug ("Guest clipboard %u released", selection);
  if (selection <= VD_AGENT_CLIPBOARD_SELECTION_PRIMARY)
    g_signal_emit_by_name (self, "guest-clipboard-release", selection);
}

static gboolean
clipboard_request_cb (SpiceMainChannel   *channel,
                      guint               selection,
                      guint               type,
                      HangarSpiceSession *self)
{
  g_debug ("Guest asks for clipboard %u (type %u)", selection, type);
  if (!agent_clipboard (self, selection))
    return FALSE;

  if (type != VD_AGENT_CLIPBOARD_UTF8_TEXT)
    {
      /* We only ever offer text; say there is none of this type so the guest stops waiting. */
      spice_main_channel_clipboard_selection_notify (channel, selection, type, NULL, 0);
      return TRUE;
    }

  self->clipboard_requested[selection] = TRUE;
  g_signal_emit_by_name (self, "guest-clipboard-request", selection);
  return TRUE;
}

static void
clipboard_data_cb (SpiceMainChannel   *channel,
                   guint               selection,
                   guint               type,
                   const guchar       *data,
                   guint               size,
                   HangarSpiceSession *self)
{
  g_autofree char *text = NULL;

  if (selection > VD_AGENT_CLIPBOARD_SELECTION_PRIMARY)
    return;

  if (type == VD_AGENT_CLIPBOARD_UTF8_TEXT && data != NULL)
    {
      /* Not NUL-terminated, and a guest may send anything. */
      text = g_utf8_make_valid ((const char *) data, size);
      /* A NUL inside would cut the text; an empty clipboard is none. */
      if (text[0] == '\0')
        g_clear_pointer (&text, g_free);
    }
  g_debug ("Guest clipboard %u text: %zu bytes", selection, text != NULL ? strlen (text) : 0);
  g_signal_emit_by_name (self, "guest-clipboard-text", selection, text);
}

/* The guest reported its lock keys (see hangar_spice_session_sync_locks). */
static void
inputs_modifiers_cb (HangarSpiceSession *self,
                     SpiceInputsChannel *inputs)
{
  int guest = 0;

  g_object_get (inputs, "key-modifiers", &guest, NULL);
  guest &= HANGAR_LOCK_SCROLL | HANGAR_LOCK_NUM | HANGAR_LOCK_CAPS;
  hangar_base_session_guest_locks (HANGAR_BASE_SESSION (self), guest);
}

static void
channel_new_cb (SpiceSession       *session,
                SpiceChannel       *channel,
                HangarSpiceSession *self)
{
  int id;

  g_object_get (channel, "channel-id", &id, NULL);
  g_signal_connect_object (channel, "channel-event", G_CALLBACK (channel_event_cb), self, 0);
  if (self->client_sockets)
    g_signal_connect_object (channel, "open-fd", G_CALLBACK (open_fd_cb), self, 0);

  if (SPICE_IS_MAIN_CHANNEL (channel))
    {
      self->main = SPICE_MAIN_CHANNEL (channel);
      g_signal_connect_object (channel, "main-mouse-update", G_CALLBACK (mouse_update_cb), self, 0);
      mouse_update_cb (channel, self);
      g_signal_connect_object (channel, "notify::agent-connected", G_CALLBACK (agent_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (channel, "main-agent-update", G_CALLBACK (agent_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (channel, "main-clipboard-selection-grab", G_CALLBACK (clipboard_grab_cb), self, 0);
      g_signal_connect_object (channel, "main-clipboard-selection-release", G_CALLBACK (clipboard_release_cb),
                               self, 0);
      g_signal_connect_object (channel, "main-clipboard-selection-request", G_CALLBACK (clipboard_request_cb),
                               self, 0);
      g_signal_connect_object (channel, "main-clipboard-selection", G_CALLBACK (clipboard_data_cb), self, 0);
      return;
    }

  if (SPICE_IS_DISPLAY_CHANNEL (channel) && id == 0 && self->display == NULL)
    {
      SpiceDisplayPrimary primary;

      self->display = SPICE_DISPLAY_CHANNEL (channel);
      g_signal_connect_object (channel, "display-primary-create", G_CALLBACK (primary_create_cb), self, 0);
      g_signal_connect_object (channel, "display-primary-destroy", G_CALLBACK (primary_destroy_cb), self, 0);
      g_signal_connect_object (channel, "display-invalidate", G_CALLBACK (invalidate_cb), self, 0);
      g_signal_connect_object (channel, "display-mark", G_CALLBACK (mark_cb), self, G_CONNECT_AFTER);
      g_signal_connect_object (channel, "gl-draw", G_CALLBACK (gl_draw_cb), self, 0);
      if (spice_display_channel_get_primary (channel, 0, &primary))
        {
          primary_create_cb (channel, primary.format, primary.width, primary.height, primary.stride,
                             primary.shmid, primary.data, self);
          mark_cb (channel, primary.marked, self);
        }
      spice_channel_connect (channel);
      return;
    }

  if (SPICE_IS_INPUTS_CHANNEL (channel))
    {
      self->inputs = SPICE_INPUTS_CHANNEL (channel);
      g_signal_connect_object (channel, "inputs-modifiers", G_CALLBACK (inputs_modifiers_cb), self,
                               G_CONNECT_SWAPPED);
      spice_channel_connect (channel);
      return;
    }

  if (SPICE_IS_CURSOR_CHANNEL (channel) && id == 0)
    {
      self->cursor_channel = SPICE_CURSOR_CHANNEL (channel);
      g_signal_connect_object (channel, "notify::cursor", G_CALLBACK (cursor_changed_cb), self, 0);
      g_signal_connect_object (channel, "cursor-hide", G_CALLBACK (cursor_hide_cb), self, 0);
      spice_channel_connect (channel);
      return;
    }
}

static void
channel_destroy_cb (SpiceSession       *session,
                    SpiceChannel       *channel,
                    HangarSpiceSession *self)
{
  if ((gpointer) channel == self->main)
    {
      self->main = NULL;
      agent_changed_cb (self);
    }
  else if ((gpointer) channel == self->display)
    {
      self->display = NULL;
      self->primary = NULL;
    }
  else if ((gpointer) channel == self->inputs)
    {
      self->inputs = NULL;
      self->inputs_ready = FALSE;
    }
  else if ((gpointer) channel == self->cursor_channel)
    self->cursor_channel = NULL;
}

static void
session_disconnected_cb (SpiceSession       *session,
                         HangarSpiceSession *self)
{
  g_debug ("Disconnected");
  self->inputs_ready = FALSE;
  self->n_held = 0;
  self->buttons = 0;
  self->primary = NULL;
  hangar_base_session_disconnected (HANGAR_BASE_SESSION (self));
}

static void
drop_session (HangarSpiceSession *self)
{
  gboolean had_main;

  if (self->session == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->session, self);
  spice_session_disconnect (self->session);
  had_main = self->main != NULL;
  self->main = NULL;
  self->display = NULL;
  self->inputs = NULL;
  self->inputs_ready = FALSE;
  self->cursor_channel = NULL;
  self->primary = NULL;
  g_clear_object (&self->session);
  /* The agent went with the main channel. */
  if (had_main)
    agent_changed_cb (self);
}

static void
new_session (HangarSpiceSession *self)
{
  drop_session (self);
  self->marked = FALSE;
  self->inputs_ready = FALSE;
  self->closing = FALSE;
  self->client_sockets = FALSE;
  g_hash_table_remove_all (self->fd_requests);
  self->n_held = 0;
  self->buttons = 0;

  self->session = spice_session_new ();
  g_signal_connect_object (self->session, "channel-new", G_CALLBACK (channel_new_cb), self, 0);
  g_signal_connect_object (self->session, "channel-destroy", G_CALLBACK (channel_destroy_cb), self, 0);
  g_signal_connect_object (self->session, "disconnected", G_CALLBACK (session_disconnected_cb), self, 0);
  hangar_base_session_begin (HANGAR_BASE_SESSION (self));
}

static gboolean
hangar_spice_session_open_fd (HangarConsoleSession  *session,
                              int                    fd,
                              GError               **error)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);

  /* The fd serves the main channel; every other channel asks for its own through
   * HangarSpiceSession::channel-fd-needed. */
  new_session (self);
  self->client_sockets = TRUE;
  g_object_set (self->session, "client-sockets", TRUE, NULL);
  if (!spice_session_open_fd (self->session, fd))
    {
      drop_session (self);
      return hangar_base_session_open_failed (HANGAR_BASE_SESSION (self), error,
                                              _("Could not start the SPICE connection"));
    }

  return TRUE;
}

static gboolean
hangar_spice_session_open_host (HangarConsoleSession  *session,
                                const char            *host,
                                guint                  port,
                                GError               **error)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);
  g_autofree char *port_str = g_strdup_printf ("%u", port);

  new_session (self);
  g_object_set (self->session, "host", host, "port", port_str, NULL);
  if (!spice_session_connect (self->session))
    {
      drop_session (self);
      return hangar_base_session_open_failed (HANGAR_BASE_SESSION (self), error,
                                              _("Could not connect to %s port %u"), host, port);
    }

  return TRUE;
}

static void
release_held_keys (HangarSpiceSession *self)
{
  while (self->n_held > 0)
    {
      guint code = self->held[--self->n_held];

      if (self->inputs != NULL && self->inputs_ready)
        spice_inputs_channel_key_release (self->inputs, code);
    }
}

static void
hangar_spice_session_close (HangarConsoleSession *session)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);

  release_held_keys (self);
  self->closing = TRUE;
  if (self->session != NULL)
    spice_session_disconnect (self->session);
}

static void
hangar_spice_session_set_credentials (HangarConsoleSession *session,
                                      const char           *username,
                                      const char           *password)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;

  if (self->session == NULL)
    return;

  /* SPICE asks by failing: reconnect with the password. */
  g_object_get (self->session, "host", &host, "port", &port, NULL);
  new_session (self);
  g_object_set (self->session, "host", host, "port", port, "password", password, NULL);
  spice_session_connect (self->session);
}

static void
hangar_spice_session_key (HangarConsoleSession *session,
                          gboolean              down,
                          guint                 qnum,
                          guint                 keyval)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);
  guint code = hangar_keymap_qnum_to_xtkbd (qnum);
  guint i;

  if (self->inputs == NULL || !self->inputs_ready || !is_connected (self))
    return;

  for (i = 0; i < self->n_held; i++)
    if (self->held[i] == code)
      break;

  if (!down)
    {
      if (i == self->n_held)
        return;
      self->held[i] = self->held[--self->n_held];
      spice_inputs_channel_key_release (self->inputs, code);
      return;
    }

  /* Pause has no release code: spice-widget sends Ctrl(E1 1D) + NumLock(45) instead. */
  if (code == 0x146)
    {
      spice_inputs_channel_key_press_and_release (self->inputs, 0x21d);
      spice_inputs_channel_key_press_and_release (self->inputs, 0x45);
      return;
    }

  /* Autorepeat goes out as repeated presses, as the guest's own keyboard would send them. */
  if (i == self->n_held)
    {
      if (self->n_held == MAX_HELD_KEYS)
        return;
      self->held[self->n_held++] = code;
    }
  spice_inputs_channel_key_press (self->inputs, code);
}

static int
spice_button (HangarButtons button)
{
  switch (button)
    {
    case HANGAR_BUTTON_LEFT:   return SPICE_MOUSE_BUTTON_LEFT;
    case HANGAR_BUTTON_MIDDLE: return SPICE_MOUSE_BUTTON_MIDDLE;
    case HANGAR_BUTTON_RIGHT:  return SPICE_MOUSE_BUTTON_RIGHT;
    default:                   return SPICE_MOUSE_BUTTON_INVALID;
    }
}

static void
hangar_spice_session_pointer (HangarConsoleSession *session,
                              int                   x,
                              int                   y,
                              HangarButtons         buttons)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);
  HangarButtons changed;

  if (self->inputs == NULL || !self->inputs_ready || !is_connected (self) ||
      !hangar_base_session_clamp_to_framebuffer (HANGAR_BASE_SESSION (self), &x, &y))
    return;

  /* Client mouse mode only (a USB tablet); the mask bits are SPICE's own. */
  buttons &= HANGAR_BUTTON_LEFT | HANGAR_BUTTON_MIDDLE | HANGAR_BUTTON_RIGHT;
  spice_inputs_channel_position (self->inputs, x, y, 0, self->buttons);

  changed = buttons ^ self->buttons;
  for (HangarButtons b = HANGAR_BUTTON_LEFT; b <= HANGAR_BUTTON_RIGHT; b <<= 1)
    {
      if (!(changed & b))
        continue;
      if (buttons & b)
        spice_inputs_channel_button_press (self->inputs, spice_button (b), buttons);
      else
        spice_inputs_channel_button_release (self->inputs, spice_button (b), buttons);
    }
  self->buttons = buttons;
}

static void
hangar_spice_session_scroll (HangarConsoleSession *session,
                             int                   x,
                             int                   y,
                             HangarButtons         buttons,
                             GdkScrollDirection    direction)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);
  int button;

  if (self->inputs == NULL || !self->inputs_ready || !is_connected (self))
    return;

  switch (direction)
    {
    case GDK_SCROLL_UP:   button = SPICE_MOUSE_BUTTON_UP; break;
    case GDK_SCROLL_DOWN: button = SPICE_MOUSE_BUTTON_DOWN; break;
    case GDK_SCROLL_LEFT:
    case GDK_SCROLL_RIGHT:
    case GDK_SCROLL_SMOOTH:
    default:
      return;
    }

  hangar_spice_session_pointer (session, x, y, buttons);
  spice_inputs_channel_button_press (self->inputs, button, self->buttons);
  spice_inputs_channel_button_release (self->inputs, button, self->buttons);
}

static void
hangar_spice_session_release_all_keys (HangarConsoleSession *session)
{
  release_held_keys (HANGAR_SPICE_SESSION (session));
}

static gboolean
hangar_spice_session_request_size (HangarConsoleSession *session,
                                   guint                 width,
                                   guint                 height)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);
  gboolean agent = FALSE;

  if (self->main == NULL)
    return FALSE;

  /* Only the guest agent can change the guest's screen size. */
  g_object_get (self->main, "agent-connected", &agent, NULL);
  if (!agent)
    return FALSE;

  /* spice-gtk lists only enabled monitors (ours is the first) and the caller has debounced,
   * so this sends at once rather than through spice-gtk's 1 s timer. */
  spice_main_channel_update_display_enabled (self->main, 0, TRUE, FALSE);
  spice_main_channel_update_display (self->main, 0, 0, 0,
                                     CLAMP (width, 1, HANGAR_FRAMEBUFFER_MAX_SIDE),
                                     CLAMP (height, 1, HANGAR_FRAMEBUFFER_MAX_SIDE), FALSE);
  return spice_main_channel_send_monitor_config (self->main);
}

static gboolean
hangar_spice_session_clipboard_available (HangarConsoleSession     *session,
                                          HangarClipboardSelection  selection)
{
  return agent_clipboard (HANGAR_SPICE_SESSION (session), selection);
}

static void
hangar_spice_session_clipboard_grab (HangarConsoleSession     *session,
                                     HangarClipboardSelection  selection)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);
  guint32 types[] = { VD_AGENT_CLIPBOARD_UTF8_TEXT };

  if (!agent_clipboard (self, selection) || self->clipboard_grabbed[selection])
    return;

  self->clipboard_grabbed[selection] = TRUE;
  g_debug ("Offering clipboard %u to the guest", selection);
  spice_main_channel_clipboard_selection_grab (self->main, selection, types, G_N_ELEMENTS (types));
}

static void
hangar_spice_session_clipboard_release (HangarConsoleSession     *session,
                                        HangarClipboardSelection  selection)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);

  if (!agent_clipboard (self, selection))
    return;

  self->clipboard_grabbed[selection] = FALSE;
  spice_main_channel_clipboard_selection_release (self->main, selection);
}

static void
hangar_spice_session_clipboard_request (HangarConsoleSession     *session,
                                        HangarClipboardSelection  selection)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);

  if (!agent_clipboard (self, selection))
    return;

  spice_main_channel_clipboard_selection_request (self->main, selection, VD_AGENT_CLIPBOARD_UTF8_TEXT);
}

static void
hangar_spice_session_clipboard_send_text (HangarConsoleSession     *session,
                                          HangarClipboardSelection  selection,
                                          const char               *text)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);
  int max = -1;

  if (!agent_clipboard (self, selection) || !self->clipboard_requested[selection])
    return;

  self->clipboard_requested[selection] = FALSE;
  /* spice-client-glib refuses (with a critical) anything from its max-clipboard on. */
  g_object_get (self->main, "max-clipboard", &max, NULL);
  if (text != NULL && max >= 0 && strlen (text) >= (gsize) max)
    {
      g_message ("The clipboard text (%zu bytes) is more than the guest takes (%d bytes)", strlen (text), max);
      text = NULL;
    }
  g_debug ("Sending clipboard %u to the guest: %zu bytes", selection, text != NULL ? strlen (text) : 0);
  spice_main_channel_clipboard_selection_notify (self->main, selection, VD_AGENT_CLIPBOARD_UTF8_TEXT,
                                                 (const guchar *) text, text != NULL ? strlen (text) : 0);
}

/* Lock keys. The inputs channel's "key-modifiers" is the guest's state (SPICE_INPUTS_*_LOCK, the
 * same bits as HangarLocks); the server toggles whatever differs from what we send, as for
 * spice-gtk's spice_gtk_session_sync_keyboard_modifiers(). */
G_STATIC_ASSERT ((int) HANGAR_LOCK_SCROLL == (int) SPICE_INPUTS_SCROLL_LOCK);
G_STATIC_ASSERT ((int) HANGAR_LOCK_NUM == (int) SPICE_INPUTS_NUM_LOCK);
G_STATIC_ASSERT ((int) HANGAR_LOCK_CAPS == (int) SPICE_INPUTS_CAPS_LOCK);

static void
hangar_spice_session_sync_locks (HangarConsoleSession *session,
                                 HangarLocks           locks)
{
  HangarSpiceSession *self = HANGAR_SPICE_SESSION (session);
  int guest = 0;

  if (self->inputs == NULL || !self->inputs_ready)
    return;

  g_object_get (self->inputs, "key-modifiers", &guest, NULL);
  guest = hangar_base_session_expected_locks (HANGAR_BASE_SESSION (self), guest);
  if ((guest & (HANGAR_LOCK_SCROLL | HANGAR_LOCK_NUM | HANGAR_LOCK_CAPS)) == (int) locks)
    return;

  g_debug ("Lock keys: guest 0x%x, client 0x%x", (guint) guest, (guint) locks);
  spice_inputs_channel_set_key_locks (self->inputs, locks);
  hangar_base_session_locks_asked (HANGAR_BASE_SESSION (self), locks);
}

static void
console_session_iface_init (HangarConsoleSessionInterface *iface)
{
  iface->open_fd = hangar_spice_session_open_fd;
  iface->open_host = hangar_spice_session_open_host;
  iface->close = hangar_spice_session_close;
  iface->set_credentials = hangar_spice_session_set_credentials;
  iface->key = hangar_spice_session_key;
  iface->pointer = hangar_spice_session_pointer;
  iface->scroll = hangar_spice_session_scroll;
  iface->release_all_keys = hangar_spice_session_release_all_keys;
  iface->request_size = hangar_spice_session_request_size;
  iface->clipboard_available = hangar_spice_session_clipboard_available;
  iface->clipboard_grab = hangar_spice_session_clipboard_grab;
  iface->clipboard_release = hangar_spice_session_clipboard_release;
  iface->clipboard_request = hangar_spice_session_clipboard_request;
  iface->clipboard_send_text = hangar_spice_session_clipboard_send_text;
  iface->sync_locks = hangar_spice_session_sync_locks;
}

/* SPICE always sends scancodes. */
static gboolean
hangar_spice_session_has_ext_keys (HangarBaseSession *base)
{
  return TRUE;
}

static void
hangar_spice_session_dispose (GObject *object)
{
  HangarSpiceSession *self = (HangarSpiceSession *)object;

  drop_session (self);
  if (self->fd_requests != NULL)
    g_hash_table_remove_all (self->fd_requests);

  G_OBJECT_CLASS (hangar_spice_session_parent_class)->dispose (object);
}

static void
hangar_spice_session_finalize (GObject *object)
{
  HangarSpiceSession *self = (HangarSpiceSession *)object;

  g_clear_pointer (&self->fd_requests, g_hash_table_unref);

  G_OBJECT_CLASS (hangar_spice_session_parent_class)->finalize (object);
}

static void
hangar_spice_session_class_init (HangarSpiceSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  HangarBaseSessionClass *base_class = HANGAR_BASE_SESSION_CLASS (klass);

  object_class->dispose = hangar_spice_session_dispose;
  object_class->finalize = hangar_spice_session_finalize;
  base_class->has_ext_keys = hangar_spice_session_has_ext_keys;

  /**
   * HangarSpiceSession::channel-fd-needed:
   * @request: pass it to hangar_spice_session_channel_fd ()
   *
   * After hangar_console_session_open_fd (), each further SPICE channel needs a socket of its
   * own; answer (possibly later) with hangar_spice_session_channel_fd ().
   */
  signals[SIGNAL_CHANNEL_FD_NEEDED] =
    g_signal_new ("channel-fd-needed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
hangar_spice_session_init (HangarSpiceSession *self)
{
  self->fd_requests = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
}

HangarSpiceSession *
hangar_spice_session_new (void)
{
  return g_object_new (HANGAR_TYPE_SPICE_SESSION, NULL);
}
