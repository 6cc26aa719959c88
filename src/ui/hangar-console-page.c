/* hangar-console-page.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-console-page"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <unistd.h>

#include "hangar-console-page.h"
#include "hangar-cached-bin.h"
#include "hangar-clipboard-bridge.h"
#include "hangar-console-util.h"
#include "hangar-display-error.h"
#include "hangar-machine-actions.h"
#include "hangar-spice-session.h"
#include "hangar-ssh-tunnel.h"
#include "hangar-vnc-session.h"

/* A machine's Console tab. It connects only while its content is mapped (the tab is shown, or
 * the console sits in a window of its own) and the machine runs, and follows the machine's state:
 * a guest that stops shows "not running" with a Start button, and the console comes back by
 * itself when the guest runs again. A local connection reaches the graphics through
 * virDomainOpenGraphicsFD; a remote one over SSH through a tunnel to the <graphics> address and
 * port on that host (one ssh process per socket, as virt-manager does); any other remote one
 * straight to the <graphics> address and port. */

/* Retries after a connection drops while the machine still says it runs (the state event of a
 * guest that was just destroyed may come after the socket closes). */
#define MAX_RETRIES 4
#define RETRY_DELAY_MS 400
/* Moving the content to another window unmaps it for a moment: do not reconnect for that. */
#define UNMAP_GRACE_MS 250
/* After a tunnelled console closed: how long its ssh processes may take to say why. */
#define TUNNEL_WAIT_MS 3000
/* A retried SPICE console through ssh: how long the tunnel must stay open before the session
 * gets it. The guest being destroyed has closed its display while libvirt still says it runs
 * (and still lists its port); ssh then closes the tunnel at once. A SPICE server says nothing
 * until the client has, so an open, silent tunnel is a live display. Given to spice-client-glib
 * instead, the closing socket makes it warn "incomplete link header" mid-link. */
#define PROBE_MS 500

struct _HangarConsolePage
{
  GtkWidget             parent_instance;

  HangarMachine        *machine;
  GSignalGroup         *machine_signals;
  HangarConsoleSession *session;
  /* Cancelled when a connection attempt is abandoned. */
  GCancellable         *connect_cancellable;
  /* Cancelled when the session ends: its SPICE channels' fd requests still running. */
  GCancellable         *channel_cancellable;
  /* "vnc" or "spice", of the fd being opened. */
  char                 *graphics_type;
  /* SSH connections: the session's sockets come from here, and where they go on the host. */
  HangarSshTunnel      *tunnel;
  char                 *tunnel_address;
  guint                 tunnel_port;
  GSimpleActionGroup   *actions;
  guint                 retry_source;
  guint                 unmap_source;
  guint                 n_retries;
  /* A retried SPICE tunnel not yet handed to a session (PROBE_MS), or -1. */
  int                   probe_fd;
  guint                 probe_watch;
  guint                 probe_timeout;
  /* The connection failed for good: stay on the message page until Reconnect. */
  gboolean              failed;
  gboolean              content_mapped;
  /* Local connections: ask the daemon for a socket (default), or use the <graphics> address. */
  gboolean              use_graphics_fd;

  /* Detached: the content lives in this window (owned by GTK's toplevel list). */
  AdwWindow            *detached_window;
  GtkWidget            *detached_header;
  gboolean              detached_for_fullscreen;
  AdwMessageDialog     *password_dialog;

  /* Template widgets */
  GtkWidget            *content;
  GtkRevealer          *top_revealer;
  GtkBox               *content_box;
  GtkWidget            *toolbar;      /* the HangarCachedBin around toolbar_box; it moves as one */
  GtkWidget            *toolbar_box;
  GtkMenuButton        *send_keys_button;
  GtkWidget            *grab_indicator;
  GtkButton            *detach_button;
  GtkButton            *fullscreen_button;
  GtkStack             *stack;
  AdwStatusPage        *connecting_page;
  HangarDisplay        *display;
  AdwStatusPage        *not_running_page;
  GtkWidget            *start_button;
  AdwStatusPage        *message_page;
  GtkWidget            *reconnect_button;
  GtkWidget            *detached_page;
};

G_DEFINE_FINAL_TYPE (HangarConsolePage, hangar_console_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MACHINE,
  PROP_USE_GRAPHICS_FD,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void update (HangarConsolePage *self);
static void start_connect (HangarConsolePage *self);

GtkWidget *
hangar_console_page_new (void)
{
  return g_object_new (HANGAR_TYPE_CONSOLE_PAGE, NULL);
}

HangarMachine *
hangar_console_page_get_machine (HangarConsolePage *self)
{
  g_return_val_if_fail (HANGAR_IS_CONSOLE_PAGE (self), NULL);

  return self->machine;
}

HangarDisplay *
hangar_console_page_get_display (HangarConsolePage *self)
{
  g_return_val_if_fail (HANGAR_IS_CONSOLE_PAGE (self), NULL);

  return self->display;
}

/**
 * hangar_console_page_get_view:
 *
 * Returns: what the console shows: "connecting", "display", "not-running" or "message"
 */
const char *
hangar_console_page_get_view (HangarConsolePage *self)
{
  g_return_val_if_fail (HANGAR_IS_CONSOLE_PAGE (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

/**
 * hangar_console_page_get_password_dialog:
 *
 * Returns: (transfer none) (nullable): the open password dialog, if the console asks for one
 */
AdwMessageDialog *
hangar_console_page_get_password_dialog (HangarConsolePage *self)
{
  g_return_val_if_fail (HANGAR_IS_CONSOLE_PAGE (self), NULL);

  return self->password_dialog;
}

/**
 * hangar_console_page_get_detached_window:
 *
 * Returns: (transfer none) (nullable): the window holding the console while detached
 */
GtkWindow *
hangar_console_page_get_detached_window (HangarConsolePage *self)
{
  g_return_val_if_fail (HANGAR_IS_CONSOLE_PAGE (self), NULL);

  return self->detached_window ? GTK_WINDOW (self->detached_window) : NULL;
}

static gboolean
machine_has_screen (HangarConsolePage *self)
{
  if (self->machine == NULL || !hangar_machine_get_available (self->machine))
    return FALSE;

  switch (hangar_machine_get_state (self->machine))
    {
    case HANGAR_MACHINE_STATE_RUNNING:
    case HANGAR_MACHINE_STATE_BLOCKED:
    case HANGAR_MACHINE_STATE_PAUSED:
      return TRUE;

    case HANGAR_MACHINE_STATE_NOSTATE:
    case HANGAR_MACHINE_STATE_SHUTDOWN:
    case HANGAR_MACHINE_STATE_SHUTOFF:
    case HANGAR_MACHINE_STATE_CRASHED:
    case HANGAR_MACHINE_STATE_PMSUSPENDED:
    default:
      return FALSE;
    }
}

static void
close_password_dialog (HangarConsolePage *self)
{
  hangar_console_clear_password_dialog (&self->password_dialog);
}

static gboolean
unref_idle_cb (gpointer data)
{
  g_object_unref (data);

  return G_SOURCE_REMOVE;
}

static void
clear_probe (HangarConsolePage *self)
{
  g_clear_handle_id (&self->probe_watch, g_source_remove);
  g_clear_handle_id (&self->probe_timeout, g_source_remove);
  if (self->probe_fd >= 0)
    {
      close (self->probe_fd);
      self->probe_fd = -1;
    }
}

/* Ends the connection and any attempt at one; the display keeps no frame. */
static void
stop_session (HangarConsolePage *self)
{
  clear_probe (self);
  g_cancellable_cancel (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);
  g_cancellable_cancel (self->channel_cancellable);
  g_clear_object (&self->channel_cancellable);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  close_password_dialog (self);
  if (self->tunnel != NULL)
    {
      hangar_ssh_tunnel_close (self->tunnel);
      g_clear_object (&self->tunnel);
    }

  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      hangar_console_session_close (self->session);
      hangar_display_set_session (self->display, NULL);
      /* This may run inside the session's own state notification: let it return first. */
      g_idle_add_full (G_PRIORITY_DEFAULT, unref_idle_cb, g_steal_pointer (&self->session), NULL);
    }
}

static void
show_view (HangarConsolePage *self,
           const char        *name)
{
  gboolean connected = g_strcmp0 (name, "display") == 0;

  gtk_stack_set_visible_child_name (self->stack, name);
  /* The toolbar only means something over a screen (in fullscreen it stays, to get out). */
  gtk_widget_set_visible (self->toolbar,
                          connected || gtk_widget_get_parent (self->toolbar) == GTK_WIDGET (self->top_revealer));
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions),
                                                                            "send-keys")),
                               connected);
}

static void
show_message (HangarConsolePage *self,
              const char        *icon_name,
              const char        *title,
              const char        *description,
              gboolean           can_reconnect)
{
  /* The description is markup; messages quote addresses, paths and URIs. */
  g_autofree char *escaped = description != NULL ? g_markup_escape_text (description, -1) : NULL;

  adw_status_page_set_icon_name (self->message_page, icon_name);
  adw_status_page_set_title (self->message_page, title);
  adw_status_page_set_description (self->message_page, escaped);
  gtk_widget_set_visible (self->reconnect_button, can_reconnect);
  show_view (self, "message");
}

static void
show_not_running (HangarConsolePage *self)
{
  const char *title;
  const char *description;

  switch (hangar_machine_get_state (self->machine))
    {
    case HANGAR_MACHINE_STATE_SHUTDOWN:
      title = _("Shutting Down");
      description = _("The console comes back when the machine runs again.");
      break;

    case HANGAR_MACHINE_STATE_CRASHED:
      title = _("Crashed");
      description = _("The machine stopped after a crash.");
      break;

    case HANGAR_MACHINE_STATE_PMSUSPENDED:
      title = _("Suspended");
      description = _("The guest suspended itself. The console comes back when it wakes up.");
      break;

    case HANGAR_MACHINE_STATE_NOSTATE:
    case HANGAR_MACHINE_STATE_RUNNING:
    case HANGAR_MACHINE_STATE_BLOCKED:
    case HANGAR_MACHINE_STATE_PAUSED:
    case HANGAR_MACHINE_STATE_SHUTOFF:
    default:
      title = _("Not Running");
      description = _("Start the machine to see its screen.");
      break;
    }

  adw_status_page_set_title (self->not_running_page, title);
  adw_status_page_set_description (self->not_running_page, description);
  gtk_widget_set_visible (self->start_button,
                          hangar_machine_can (self->machine, HANGAR_MACHINE_ACTION_START));
  show_view (self, "not-running");
}

static void
show_connecting (HangarConsolePage *self)
{
  adw_status_page_set_title (self->connecting_page,
                             self->n_retries > 0 ? _("Reconnecting…") : _("Connecting…"));
  show_view (self, "connecting");
}

/* Decides what the page shows and whether a connection should exist, from the machine's state,
 * whether the console is on screen, and what the session says. */
static void
update (HangarConsolePage *self)
{
  if (self->machine == NULL)
    {
      stop_session (self);
      self->failed = FALSE;
      show_connecting (self);
      return;
    }

  if (!hangar_machine_get_available (self->machine))
    {
      HangarConnection *connection = hangar_machine_get_connection (self->machine);
      g_autofree char *description = NULL;

      stop_session (self);
      self->failed = FALSE;
      self->n_retries = 0;
      /* Translators: %s is a connection URI such as qemu+ssh://host/system */
      description = g_strdup_printf (_("The connection to %s was lost. Hangar reconnects by itself."),
                                     connection != NULL ? hangar_connection_get_uri (connection) : "");
      show_message (self, "network-offline-symbolic", _("Host Unreachable"), description, FALSE);
      return;
    }

  if (!machine_has_screen (self))
    {
      stop_session (self);
      self->failed = FALSE;
      self->n_retries = 0;
      show_not_running (self);
      return;
    }

  if (!self->content_mapped)
    {
      /* Off screen: no connection, no decoding. */
      stop_session (self);
      if (!self->failed)
        show_connecting (self);
      return;
    }

  if (self->failed || self->session != NULL || self->connect_cancellable != NULL ||
      self->retry_source != 0 || self->probe_fd >= 0)
    return;

  start_connect (self);
}

static gboolean
retry_cb (gpointer user_data)
{
  HangarConsolePage *self = user_data;

  self->retry_source = 0;
  update (self);

  return G_SOURCE_REMOVE;
}

/* The console cannot be tunnelled at all (ssh refused, host unreachable, no nc there…): no
 * quiet retries, the sentence and Reconnect. */
static void
tunnel_failed (HangarConsolePage *self,
               const GError      *error)
{
  g_message ("Console of %s: %s", self->machine ? hangar_machine_get_name (self->machine) : "?",
             error->message);
  stop_session (self);
  self->failed = TRUE;
  show_message (self,
                g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED)
                  ? "dialog-password-symbolic" : "network-offline-symbolic",
                _("Console Not Reachable"), error->message, TRUE);
}

/* A connection attempt or an open connection ended with @error (retried quietly a few times,
 * then "Connection Lost"). */
static void
connection_lost (HangarConsolePage *self,
                 const GError      *error)
{
  g_autoptr(GError) copy = error != NULL ? g_error_copy (error) : NULL;

  g_debug ("Console of %s: %s", self->machine ? hangar_machine_get_name (self->machine) : "?",
           copy != NULL ? copy->message : "closed");
  stop_session (self);

  if (self->machine == NULL || !machine_has_screen (self))
    {
      update (self);
      return;
    }

  if (g_error_matches (copy, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_AUTH_FAILED) ||
      g_error_matches (copy, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_AUTH_UNSUPPORTED))
    {
      self->failed = TRUE;
      show_message (self, "dialog-password-symbolic",
                    copy->code == HANGAR_DISPLAY_ERROR_AUTH_FAILED ? _("Wrong Password") : _("Not Allowed"),
                    copy->message, TRUE);
      return;
    }

  if (self->n_retries < MAX_RETRIES)
    {
      self->n_retries++;
      show_connecting (self);
      self->retry_source = g_timeout_add (RETRY_DELAY_MS * self->n_retries, retry_cb, self);
      return;
    }

  self->failed = TRUE;
  show_message (self, "network-offline-symbolic", _("Connection Lost"),
                copy != NULL ? copy->message : _("The console closed the connection."), TRUE);
}

typedef struct
{
  HangarConsolePage *page;
  GError            *error;   /* the session's, if the tunnel has nothing better */
} TunnelWait;

static void
tunnel_wait_free (TunnelWait *wait)
{
  g_object_unref (wait->page);
  g_clear_error (&wait->error);
  g_free (wait);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TunnelWait, tunnel_wait_free)

static void
tunnel_wait_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TunnelWait) wait = user_data;
  g_autoptr(GError) error = NULL;
  HangarConsolePage *self = wait->page;

  hangar_ssh_tunnel_wait_finish (HANGAR_SSH_TUNNEL (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->connect_cancellable);
  /* A display port that closed is what a guest that just stopped looks like: retried as any
   * lost connection. Anything else about the tunnel does not get better by itself. */
  if (error == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    connection_lost (self, error != NULL ? error : wait->error);
  else
    tunnel_failed (self, error);
}

/* A connection attempt or an open connection ended with @error. Through a tunnel, its ssh
 * processes know more (a refused login, no nc on the host): wait for them to end first. */
static void
connection_failed (HangarConsolePage *self,
                   const GError      *error)
{
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  TunnelWait *wait;

  if (self->tunnel == NULL ||
      g_error_matches (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_AUTH_FAILED) ||
      g_error_matches (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_AUTH_UNSUPPORTED))
    {
      connection_lost (self, error);
      return;
    }

  wait = g_new0 (TunnelWait, 1);
  wait->page = g_object_ref (self);
  wait->error = error != NULL ? g_error_copy (error) : NULL;
  tunnel = g_steal_pointer (&self->tunnel);
  stop_session (self);
  show_connecting (self);
  /* Holds off update () until the answer is in. */
  self->connect_cancellable = g_cancellable_new ();
  hangar_ssh_tunnel_wait_async (tunnel, TUNNEL_WAIT_MS, self->connect_cancellable, tunnel_wait_cb,
                                wait);
}

static void
password_answer_cb (gpointer    user_data,
                    gboolean    accepted,
                    const char *username,
                    const char *password)
{
  HangarConsolePage *self = user_data;

  /* The dialog closes itself after answering. */
  if (self->password_dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->password_dialog),
                                    (gpointer *) &self->password_dialog);
      self->password_dialog = NULL;
    }

  if (self->session == NULL)
    return;

  if (accepted)
    {
      hangar_console_session_set_credentials (self->session, username, password);
    }
  else
    {
      stop_session (self);
      self->failed = TRUE;
      show_message (self, "dialog-password-symbolic", _("Password Required"),
                    _("The console stays closed until a password is given."), TRUE);
    }
}

static void
credentials_needed_cb (HangarConsolePage    *self,
                       gboolean              need_username,
                       gboolean              need_password,
                       HangarConsoleSession *session)
{
  g_autofree char *body = NULL;
  GtkRoot *root = gtk_widget_get_root (self->content);

  close_password_dialog (self);
  /* Translators: %s is a machine name */
  body = g_strdup_printf (_("The console of “%s” asks for a password."),
                          hangar_machine_get_name (self->machine));
  self->password_dialog = hangar_console_ask_password (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       body, need_username, password_answer_cb,
                                                       G_OBJECT (self));
  g_object_add_weak_pointer (G_OBJECT (self->password_dialog), (gpointer *) &self->password_dialog);
}

static void
session_state_cb (HangarConsolePage    *self,
                  GParamSpec           *pspec,
                  HangarConsoleSession *session)
{
  switch (hangar_console_session_get_state (session))
    {
    case HANGAR_CONSOLE_STATE_CONNECTED:
      g_debug ("Console of %s connected", hangar_machine_get_name (self->machine));
      self->n_retries = 0;
      close_password_dialog (self);
      show_view (self, "display");
      break;

    case HANGAR_CONSOLE_STATE_CONNECTING:
      show_connecting (self);
      break;

    case HANGAR_CONSOLE_STATE_DISCONNECTED:
    default:
      connection_failed (self, hangar_console_session_get_error (session));
      break;
    }
}

/* One virDomainOpenGraphicsFD in flight. The model gets no cancellable: a cancelled GTask would
 * drop the fd it already holds, and the call cannot be interrupted anyway; the callback checks
 * ours and closes an fd that arrives too late. */
typedef struct
{
  HangarConsolePage    *page;
  /* NULL for the first fd (the session does not exist yet). */
  HangarConsoleSession *session;
  GCancellable         *cancellable;
  guint                 request;
} ChannelFdRequest;

static void
channel_fd_request_free (ChannelFdRequest *data)
{
  g_object_unref (data->page);
  g_clear_object (&data->session);
  g_object_unref (data->cancellable);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChannelFdRequest, channel_fd_request_free)

static void
channel_fd_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ChannelFdRequest) data = user_data;
  HangarConsolePage *self = data->page;
  g_autoptr(GError) error = NULL;
  int fd;

  fd = hangar_machine_open_graphics_fd_finish (HANGAR_MACHINE (object), result, &error);

  /* The session went away (disconnect, stop, another session) while the daemon answered. */
  if (g_cancellable_is_cancelled (data->cancellable) || self->session != data->session)
    {
      g_debug ("Console: dropping the fd of SPICE channel request %u, its session is gone",
               data->request);
      if (fd >= 0)
        close (fd);
      return;
    }

  if (fd < 0)
    {
      g_message ("Console of %s: no socket for a SPICE channel: %s",
                 hangar_machine_get_name (self->machine), error->message);
      /* connection_failed () ends the session (its pending requests with it), so the display
       * drops its frame, and retries or shows the message page. */
      connection_failed (self, error);
      return;
    }

  g_debug ("Console of %s: fd %d for SPICE channel request %u",
           hangar_machine_get_name (self->machine), fd, data->request);
  hangar_spice_session_channel_fd (HANGAR_SPICE_SESSION (data->session), data->request, fd);
}

/* A SPICE session opened on an fd wants a socket for each further channel: one more
 * virDomainOpenGraphicsFD on the same <graphics> element gives a fresh one. */
static void
channel_fd_needed_cb (HangarConsolePage    *self,
                      guint                 request,
                      HangarConsoleSession *session)
{
  ChannelFdRequest *data;

  if (session != self->session || self->channel_cancellable == NULL || self->machine == NULL)
    {
      hangar_spice_session_channel_fd (HANGAR_SPICE_SESSION (session), request, -1);
      return;
    }

  /* Tunnelled: one more ssh process to the same display port or socket (spawning it does not
   * wait for ssh; a failure shows as the channel's socket closing). */
  if (self->tunnel != NULL)
    {
      g_autoptr(GError) error = NULL;
      int fd = hangar_ssh_tunnel_open (self->tunnel, self->tunnel_address, self->tunnel_port, &error);

      if (fd < 0)
        {
          hangar_spice_session_channel_fd (HANGAR_SPICE_SESSION (session), request, -1);
          tunnel_failed (self, error);
          return;
        }
      g_debug ("Console of %s: tunnel fd %d for SPICE channel request %u",
               hangar_machine_get_name (self->machine), fd, request);
      hangar_spice_session_channel_fd (HANGAR_SPICE_SESSION (session), request, fd);
      return;
    }

  data = g_new0 (ChannelFdRequest, 1);
  data->page = g_object_ref (self);
  data->session = g_object_ref (session);
  data->cancellable = g_object_ref (self->channel_cancellable);
  data->request = request;
  hangar_machine_open_graphics_fd_async (self->machine, 0, NULL, channel_fd_cb, data);
}

static void
open_session (HangarConsolePage *self,
              const char        *type,
              int                fd,
              const char        *host,
              guint              port)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_clear_object (&self->connect_cancellable);

  if (g_strcmp0 (type, "spice") == 0)
    self->session = HANGAR_CONSOLE_SESSION (hangar_spice_session_new ());
  else
    self->session = HANGAR_CONSOLE_SESSION (hangar_vnc_session_new ());

  g_signal_connect_object (self->session, "notify::state", G_CALLBACK (session_state_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "credentials-needed", G_CALLBACK (credentials_needed_cb),
                           self, G_CONNECT_SWAPPED);
  hangar_display_set_session (self->display, self->session);

  if (fd >= 0 && HANGAR_IS_SPICE_SESSION (self->session))
    {
      g_clear_object (&self->channel_cancellable);
      self->channel_cancellable = g_cancellable_new ();
      g_signal_connect_object (self->session, "channel-fd-needed", G_CALLBACK (channel_fd_needed_cb),
                               self, G_CONNECT_SWAPPED);
    }

  if (fd >= 0)
    ok = hangar_console_session_open_fd (self->session, fd, &error);
  else
    ok = hangar_console_session_open_host (self->session, host, port, &error);

  if (!ok)
    connection_failed (self, error);
}

static void
graphics_fd_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChannelFdRequest) data = user_data;
  HangarConsolePage *self = data->page;
  g_autoptr(GError) error = NULL;
  int fd;

  fd = hangar_machine_open_graphics_fd_finish (HANGAR_MACHINE (object), result, &error);
  if (g_cancellable_is_cancelled (data->cancellable))
    {
      if (fd >= 0)
        close (fd);
      return;
    }

  if (fd < 0)
    {
      g_clear_object (&self->connect_cancellable);
      connection_failed (self, error);
      return;
    }

  g_debug ("Console of %s: graphics fd %d", hangar_machine_get_name (self->machine), fd);
  open_session (self, self->graphics_type, fd, NULL, 0);
}

/* The retried SPICE tunnel closed before PROBE_MS: the display is not there (yet). The tunnel's
 * ssh says why; a closed port is retried as any lost connection. */
static gboolean
probe_closed_cb (int          fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  HangarConsolePage *self = user_data;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                                 _("The machine’s display closed."));

  self->probe_watch = 0;
  g_debug ("Console of %s: the display closed the tunnel at once, not opening SPICE on it",
           hangar_machine_get_name (self->machine));
  clear_probe (self);
  connection_failed (self, error);

  return G_SOURCE_REMOVE;
}

/* The retried SPICE tunnel stayed open: a live display is at its end. */
static gboolean
probe_timeout_cb (gpointer user_data)
{
  HangarConsolePage *self = user_data;
  int fd = self->probe_fd;

  self->probe_timeout = 0;
  g_clear_handle_id (&self->probe_watch, g_source_remove);
  self->probe_fd = -1;
  open_session (self, "spice", fd, NULL, 0);

  return G_SOURCE_REMOVE;
}

/* Over SSH: one ssh process per socket (hangar_display_route_for () chose @address, as the
 * connection's host sees it). */
static void
open_tunnelled (HangarConsolePage          *self,
                const HangarMachineDetails *details,
                char                       *address,
                gboolean                    unix_socket)
{
  HangarConnection *connection = hangar_machine_get_connection (self->machine);
  g_autoptr(GError) error = NULL;
  int fd;

  g_clear_object (&self->connect_cancellable);
  g_free (self->tunnel_address);
  self->tunnel_address = address;
  /* Port 0: @address is the display's unix socket on the host. */
  self->tunnel_port = unix_socket ? 0 : (guint) details->graphics_port;

  self->tunnel = hangar_ssh_tunnel_new_for_uri (hangar_connection_get_uri (connection), &error);
  fd = self->tunnel != NULL
    ? hangar_ssh_tunnel_open (self->tunnel, self->tunnel_address, self->tunnel_port, &error)
    : -1;
  if (fd < 0)
    {
      tunnel_failed (self, error);
      return;
    }

  g_debug ("Console of %s: %s on %s port %u through ssh to %s (fd %d)",
           hangar_machine_get_name (self->machine), details->graphics_type, self->tunnel_address,
           self->tunnel_port, hangar_ssh_tunnel_get_host (self->tunnel), fd);

  /* After a drop, a SPICE session gets the tunnel only once it has stayed open (PROBE_MS). */
  if (self->n_retries > 0 && g_strcmp0 (details->graphics_type, "spice") == 0)
    {
      self->probe_fd = fd;
      self->probe_watch = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, probe_closed_cb, self);
      self->probe_timeout = g_timeout_add (PROBE_MS, probe_timeout_cb, self);
      return;
    }

  open_session (self, details->graphics_type, fd, NULL, 0);
}

static void
details_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HangarConsolePage) self = user_data;
  g_autoptr(HangarMachineDetails) details = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *reason = NULL;
  HangarConnection *connection;
  HangarDisplayRoute route;
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));

  details = hangar_machine_load_details_finish (HANGAR_MACHINE (object), result, &error);
  if (g_cancellable_is_cancelled (cancellable) || HANGAR_MACHINE (object) != self->machine)
    return;

  if (details == NULL)
    {
      g_clear_object (&self->connect_cancellable);
      connection_failed (self, error);
      return;
    }

  if (details->graphics_type == NULL ||
      (!g_str_equal (details->graphics_type, "vnc") && !g_str_equal (details->graphics_type, "spice")))
    {
      g_clear_object (&self->connect_cancellable);
      self->failed = TRUE;
      show_message (self, "video-display-symbolic", _("No Graphical Console"),
                    _("This machine has no VNC or SPICE display."), FALSE);
      return;
    }

  connection = hangar_machine_get_connection (self->machine);
  route = hangar_display_route_for (connection != NULL ? hangar_connection_get_uri (connection) : NULL,
                                    connection != NULL && hangar_connection_get_is_local (connection),
                                    self->use_graphics_fd, details, &address, &reason);

  /* Retrying after the display dropped: a guest being destroyed has already given its port back
   * while it still says it runs. Its state event settles it. */
  if (route == HANGAR_DISPLAY_ROUTE_NONE && details->graphics_port <= 0 && self->n_retries > 0)
    {
      g_autoptr(GError) gone = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                                    _("The machine’s display closed."));

      g_clear_object (&self->connect_cancellable);
      connection_lost (self, gone);
      return;
    }

  switch (route)
    {
    case HANGAR_DISPLAY_ROUTE_FD:
      {
        /* Local: a socket straight from the daemon, no TCP port or password needed. SPICE gets
         * one more socket per channel (channel_fd_needed_cb). */
        ChannelFdRequest *request = g_new0 (ChannelFdRequest, 1);

        request->page = g_object_ref (self);
        request->cancellable = g_object_ref (self->connect_cancellable);
        g_free (self->graphics_type);
        self->graphics_type = g_strdup (details->graphics_type);
        hangar_machine_open_graphics_fd_async (self->machine, 0, NULL, graphics_fd_cb, request);
      }
      break;

    case HANGAR_DISPLAY_ROUTE_SSH:
    case HANGAR_DISPLAY_ROUTE_SSH_SOCKET:
      open_tunnelled (self, details, g_steal_pointer (&address), route == HANGAR_DISPLAY_ROUTE_SSH_SOCKET);
      break;

    case HANGAR_DISPLAY_ROUTE_DIRECT:
      g_debug ("Console of %s: %s on %s port %d", hangar_machine_get_name (self->machine),
               details->graphics_type, address, details->graphics_port);
      open_session (self, details->graphics_type, -1, address, (guint) details->graphics_port);
      break;

    case HANGAR_DISPLAY_ROUTE_NONE:
    default:
      g_clear_object (&self->connect_cancellable);
      self->failed = TRUE;
      show_message (self, "network-offline-symbolic", _("Console Not Reachable"), reason, TRUE);
      break;
    }
}

static void
start_connect (HangarConsolePage *self)
{
  g_return_if_fail (self->machine != NULL);

  /* tests/bench/first-frame-bench.py times from here to the display's first frame. */
  g_debug ("Console of %s: opening", hangar_machine_get_name (self->machine));
  stop_session (self);
  show_connecting (self);
  self->connect_cancellable = g_cancellable_new ();
  /* Read each time: the port of an autoport display changes with every start. */
  hangar_machine_load_details_async (self->machine, self->connect_cancellable, details_cb,
                                     g_object_ref (self));
}

/* Machine */

static void
machine_state_cb (HangarConsolePage *self)
{
  if (!machine_has_screen (self))
    {
      update (self);
      return;
    }

  /* Running (again): a failed connection may work now. */
  if (self->failed && self->session == NULL)
    {
      self->failed = FALSE;
      self->n_retries = 0;
    }
  update (self);
}

void
hangar_console_page_set_machine (HangarConsolePage *self,
                                 HangarMachine     *machine)
{
  g_return_if_fail (HANGAR_IS_CONSOLE_PAGE (self));
  g_return_if_fail (machine == NULL || HANGAR_IS_MACHINE (machine));

  if (self->machine == machine)
    return;

  hangar_console_page_attach (self);
  stop_session (self);
  self->failed = FALSE;
  self->n_retries = 0;
  g_set_object (&self->machine, machine);
  g_signal_group_set_target (self->machine_signals, machine);
  update (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MACHINE]);
}

/* Mapping */

static void
content_map_cb (HangarConsolePage *self)
{
  g_clear_handle_id (&self->unmap_source, g_source_remove);
  if (self->content_mapped)
    return;

  self->content_mapped = TRUE;
  update (self);
}

static gboolean
unmap_timeout_cb (gpointer user_data)
{
  HangarConsolePage *self = user_data;

  self->unmap_source = 0;
  self->content_mapped = FALSE;
  update (self);

  return G_SOURCE_REMOVE;
}

static void
content_unmap_cb (HangarConsolePage *self)
{
  if (self->unmap_source == 0)
    self->unmap_source = g_timeout_add (UNMAP_GRACE_MS, unmap_timeout_cb, self);
}

/* Detached window and fullscreen */

static void
set_toolbar_floating (HangarConsolePage *self,
                      gboolean           floating)
{
  g_autoptr(GtkWidget) toolbar = g_object_ref (self->toolbar);

  if (floating == (gtk_widget_get_parent (toolbar) == GTK_WIDGET (self->top_revealer)))
    return;

  if (floating)
    {
      gtk_box_remove (self->content_box, toolbar);
      gtk_revealer_set_child (self->top_revealer, toolbar);
      gtk_revealer_set_reveal_child (self->top_revealer, FALSE);
      gtk_widget_add_css_class (self->toolbar_box, "osd");
      gtk_widget_set_visible (toolbar, TRUE);
      gtk_button_set_icon_name (self->fullscreen_button, "view-restore-symbolic");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->fullscreen_button), _("Leave Fullscreen (F11)"));
    }
  else
    {
      gtk_revealer_set_child (self->top_revealer, NULL);
      gtk_box_prepend (self->content_box, toolbar);
      gtk_widget_remove_css_class (self->toolbar_box, "osd");
      gtk_widget_set_visible (toolbar, g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "display") == 0);
      gtk_button_set_icon_name (self->fullscreen_button, "view-fullscreen-symbolic");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->fullscreen_button), _("Fullscreen (F11)"));
    }
}

static gboolean
attach_idle_cb (gpointer user_data)
{
  HangarConsolePage *self = user_data;

  hangar_console_page_attach (self);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

static void
window_fullscreen_cb (HangarConsolePage *self,
                      GParamSpec        *pspec,
                      GtkWindow         *window)
{
  gboolean fullscreen = gtk_window_is_fullscreen (window);

  gtk_widget_set_visible (self->detached_header, !fullscreen);
  set_toolbar_floating (self, fullscreen);

  /* Fullscreen from the tab: leaving it brings the console back into the tab. */
  if (!fullscreen && self->detached_for_fullscreen)
    g_idle_add (attach_idle_cb, g_object_ref (self));
}

static gboolean
window_close_request_cb (HangarConsolePage *self,
                         GtkWindow         *window)
{
  hangar_console_page_attach (self);

  return TRUE;
}

/* In fullscreen the toolbar shows when the pointer touches the top edge. */
static void
window_motion_cb (HangarConsolePage *self,
                  double             x,
                  double             y)
{
  if (self->detached_window == NULL || !gtk_window_is_fullscreen (GTK_WINDOW (self->detached_window)))
    return;

  if (y <= 4)
    gtk_revealer_set_reveal_child (self->top_revealer, TRUE);
  else if (y > gtk_widget_get_height (self->toolbar) + 24)
    gtk_revealer_set_reveal_child (self->top_revealer, FALSE);
}

/* GTK 4.8 leaves the buttons inside a reparented widget bound to its old action muxer (they go
 * insensitive): inserting the group again makes them look their actions up anew. */
static void
refresh_actions (HangarConsolePage *self)
{
  gtk_widget_insert_action_group (self->content, "console", NULL);
  gtk_widget_insert_action_group (self->content, "console", G_ACTION_GROUP (self->actions));
}

/* In its own window the console goes back by closing that window (or Ctrl+W). */
static void
update_detach_button (HangarConsolePage *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->detach_button), self->detached_window == NULL);
}

/**
 * hangar_console_page_detach:
 *
 * Moves the console (toolbar and screen) into a window of its own; the tab says where it went.
 * Closing that window brings it back.
 */
void
hangar_console_page_detach (HangarConsolePage *self)
{
  g_autoptr(GtkWidget) content = NULL;
  GtkRoot *root;
  GtkWidget *box, *title;
  GtkEventController *motion, *shortcuts;

  g_return_if_fail (HANGAR_IS_CONSOLE_PAGE (self));

  if (self->detached_window != NULL || self->machine == NULL)
    return;

  root = gtk_widget_get_root (GTK_WIDGET (self));
  self->detached_window = ADW_WINDOW (adw_window_new ());
  if (GTK_IS_WINDOW (root) && gtk_window_get_application (GTK_WINDOW (root)) != NULL)
    gtk_window_set_application (GTK_WINDOW (self->detached_window),
                                gtk_window_get_application (GTK_WINDOW (root)));
  gtk_window_set_title (GTK_WINDOW (self->detached_window), hangar_machine_get_name (self->machine));
  gtk_window_set_default_size (GTK_WINDOW (self->detached_window), 1024, 800);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  self->detached_header = adw_header_bar_new ();
  title = adw_window_title_new (hangar_machine_get_name (self->machine), _("Console"));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (self->detached_header), title);
  gtk_box_append (GTK_BOX (box), self->detached_header);

  content = g_object_ref (self->content);
  gtk_widget_unparent (content);
  gtk_box_append (GTK_BOX (box), content);
  adw_window_set_content (self->detached_window, box);
  refresh_actions (self);
  gtk_widget_set_visible (self->detached_page, TRUE);

  g_signal_connect_object (self->detached_window, "notify::fullscreened",
                           G_CALLBACK (window_fullscreen_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->detached_window, "close-request",
                           G_CALLBACK (window_close_request_cb), self, G_CONNECT_SWAPPED);
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Control>w"),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (GTK_WIDGET (self->detached_window), shortcuts);
  motion = gtk_event_controller_motion_new ();
  gtk_event_controller_set_propagation_phase (motion, GTK_PHASE_CAPTURE);
  g_signal_connect_object (motion, "motion", G_CALLBACK (window_motion_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->detached_window), motion);

  update_detach_button (self);
  gtk_window_present (GTK_WINDOW (self->detached_window));
}

/**
 * hangar_console_page_attach:
 *
 * Brings a detached console back into the tab and closes its window.
 */
void
hangar_console_page_attach (HangarConsolePage *self)
{
  g_autoptr(GtkWidget) content = NULL;
  AdwWindow *window;

  g_return_if_fail (HANGAR_IS_CONSOLE_PAGE (self));

  if (self->detached_window == NULL)
    return;

  window = g_steal_pointer (&self->detached_window);
  g_signal_handlers_disconnect_by_data (window, self);
  self->detached_for_fullscreen = FALSE;
  self->detached_header = NULL;
  set_toolbar_floating (self, FALSE);

  content = g_object_ref (self->content);
  gtk_box_remove (GTK_BOX (gtk_widget_get_parent (content)), content);
  gtk_widget_insert_before (content, GTK_WIDGET (self), self->detached_page);
  refresh_actions (self);
  gtk_widget_set_visible (self->detached_page, FALSE);
  update_detach_button (self);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Actions */

static void
send_keys_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  HangarConsolePage *self = user_data;

  hangar_console_send_named_keys (self->display, g_variant_get_string (parameter, NULL));
}

static void
fullscreen_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  HangarConsolePage *self = user_data;

  if (self->detached_window == NULL)
    {
      hangar_console_page_detach (self);
      if (self->detached_window == NULL)
        return;
      self->detached_for_fullscreen = TRUE;
      gtk_window_fullscreen (GTK_WINDOW (self->detached_window));
      return;
    }

  if (gtk_window_is_fullscreen (GTK_WINDOW (self->detached_window)))
    gtk_window_unfullscreen (GTK_WINDOW (self->detached_window));
  else
    gtk_window_fullscreen (GTK_WINDOW (self->detached_window));
}

static void
detach_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  HangarConsolePage *self = user_data;

  if (self->detached_window != NULL)
    hangar_console_page_attach (self);
  else
    hangar_console_page_detach (self);
}

static void
start_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  HangarConsolePage *self = user_data;

  if (self->machine != NULL)
    hangar_machine_actions_run (self->content, self->machine, HANGAR_MACHINE_ACTION_START);
}

static void
reconnect_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  HangarConsolePage *self = user_data;

  stop_session (self);
  self->failed = FALSE;
  self->n_retries = 0;
  update (self);
}

static void
attach_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  hangar_console_page_attach (HANGAR_CONSOLE_PAGE (widget));
}

static void
hangar_console_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  HangarConsolePage *self = HANGAR_CONSOLE_PAGE (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      g_value_set_object (value, self->machine);
      break;

    case PROP_USE_GRAPHICS_FD:
      g_value_set_boolean (value, self->use_graphics_fd);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_console_page_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  HangarConsolePage *self = HANGAR_CONSOLE_PAGE (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      hangar_console_page_set_machine (self, g_value_get_object (value));
      break;

    case PROP_USE_GRAPHICS_FD:
      if (self->use_graphics_fd != g_value_get_boolean (value))
        {
          self->use_graphics_fd = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_console_page_dispose (GObject *object)
{
  HangarConsolePage *self = HANGAR_CONSOLE_PAGE (object);
  GtkWidget *child;

  if (self->content != NULL)
    hangar_console_page_attach (self);
  stop_session (self);
  g_clear_handle_id (&self->unmap_source, g_source_remove);
  if (self->machine_signals != NULL)
    g_signal_group_set_target (self->machine_signals, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), HANGAR_TYPE_CONSOLE_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->machine_signals);
  g_clear_object (&self->machine);
  g_clear_object (&self->actions);
  g_clear_pointer (&self->graphics_type, g_free);
  g_clear_pointer (&self->tunnel_address, g_free);

  G_OBJECT_CLASS (hangar_console_page_parent_class)->dispose (object);
}

static void
hangar_console_page_class_init (HangarConsolePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hangar_console_page_dispose;
  object_class->get_property = hangar_console_page_get_property;
  object_class->set_property = hangar_console_page_set_property;

  properties[PROP_MACHINE] =
    g_param_spec_object ("machine", NULL, NULL,
                         HANGAR_TYPE_MACHINE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* Whether a local connection's console goes through virDomainOpenGraphicsFD (no TCP port,
   * no password) or, like a remote one, through the <graphics> address, port and password.
   * Takes effect at the next connection. */
  properties[PROP_USE_GRAPHICS_FD] =
    g_param_spec_boolean ("use-graphics-fd", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/ui/hangar-console-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, content);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, top_revealer);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, content_box);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, toolbar);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, toolbar_box);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, send_keys_button);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, grab_indicator);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, detach_button);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, fullscreen_button);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, stack);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, connecting_page);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, display);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, not_running_page);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, start_button);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, message_page);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, reconnect_button);
  gtk_widget_class_bind_template_child (widget_class, HangarConsolePage, detached_page);

  gtk_widget_class_install_action (widget_class, "console-page.attach", NULL, attach_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);

  g_type_ensure (HANGAR_TYPE_CACHED_BIN);
  g_type_ensure (HANGAR_TYPE_DISPLAY);
  g_type_ensure (HANGAR_TYPE_MACHINE);
}

static void
hangar_console_page_init (HangarConsolePage *self)
{
  const GActionEntry entries[] = {
    { "send-keys", send_keys_activated, "s" },
    { "fullscreen", fullscreen_activated },
    { "detach", detach_activated },
    { "start", start_activated },
    { "reconnect", reconnect_activated },
  };
  g_autoptr(GPropertyAction) fit = NULL;
  g_autoptr(GMenuModel) menu = NULL;
  GtkEventController *shortcuts;
  GtkShortcut *shortcut;

  self->use_graphics_fd = TRUE;
  self->probe_fd = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  hangar_clipboard_bridge_attach (self->display);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);

  self->machine_signals = g_signal_group_new (HANGAR_TYPE_MACHINE);
  g_signal_group_connect_object (self->machine_signals, "notify::state",
                                 G_CALLBACK (machine_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->machine_signals, "notify::available",
                                 G_CALLBACK (machine_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->machine_signals, "notify::busy",
                                 G_CALLBACK (machine_state_cb), self, G_CONNECT_SWAPPED);

  /* The actions travel with the content when it moves into its own window. */
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), entries, G_N_ELEMENTS (entries), self);
  fit = g_property_action_new ("scale-to-fit", self->display, "scale-to-fit");
  g_action_map_add_action (G_ACTION_MAP (self->actions), G_ACTION (fit));
  gtk_widget_insert_action_group (self->content, "console", G_ACTION_GROUP (self->actions));

  menu = hangar_console_send_keys_menu_new ("console.send-keys");
  gtk_menu_button_set_menu_model (self->send_keys_button, menu);

  shortcuts = gtk_shortcut_controller_new ();
  shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_F11, 0),
                               gtk_named_action_new ("console.fullscreen"));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), shortcut);
  gtk_widget_add_controller (self->content, shortcuts);

  g_object_bind_property (self->display, "grabbed", self->grab_indicator, "visible",
                          G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->content, "map", G_CALLBACK (content_map_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->content, "unmap", G_CALLBACK (content_unmap_cb), self,
                           G_CONNECT_SWAPPED);

  update_detach_button (self);
  show_connecting (self);
}
