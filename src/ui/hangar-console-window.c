/* hangar-console-window.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-console-window"

#include "config.h"

#include <glib/gi18n.h>

#include "hangar-cached-bin.h"
#include "hangar-clipboard-bridge.h"
#include "hangar-console-uri.h"
#include "hangar-console-util.h"
#include "hangar-console-window.h"
#include "hangar-display.h"
#include "hangar-display-error.h"
#include "hangar-spice-session.h"
#include "hangar-vnc-session.h"

/* A window showing one VNC or SPICE server given by address, without libvirt
 * (`hangar --console vnc://HOST:PORT`), as remote-viewer does. */

struct _HangarConsoleWindow
{
  AdwWindow parent_instance;

  /* Template children. */
  GtkRevealer          *fullscreen_revealer;
  GtkBox               *content_box;
  AdwHeaderBar         *header_bar;
  GtkWidget            *header_cache;  /* the HangarCachedBin around it; it moves as one */
  AdwWindowTitle       *window_title;
  GtkButton            *fullscreen_button;
  GtkImage             *grab_indicator;
  GtkStack             *stack;
  AdwStatusPage        *connecting_page;
  AdwStatusPage        *error_page;
  GtkButton            *error_reconnect_button;
  HangarDisplay        *display;

  char                 *uri;
  /* HOST:PORT (or the URI when it does not parse): the window title before the state. */
  char                 *title;
  /* The parsed address, or the reason it did not parse (then nothing connects). */
  HangarConsoleProtocol protocol;
  char                 *host;
  guint                 port;
  GError               *uri_error;
  /* Owned; one per window, reopened by Reconnect. */
  HangarConsoleSession *session;
  gboolean              sized_to_guest;
  /* The open password dialog, if any (owned by GTK as a toplevel). */
  AdwMessageDialog     *password_dialog;
};

G_DEFINE_FINAL_TYPE (HangarConsoleWindow, hangar_console_window, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SCALE_TO_FIT,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

/* On the first connection, make the window as large as the guest screen (1:1, sharp), as far
 * as the monitor allows; the view scales when it does not fit. */
static void
size_to_guest (HangarConsoleWindow *self)
{
  HangarFramebuffer *fb = hangar_console_session_get_framebuffer (self->session);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self));
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  int width, height, header_height = 0, default_width = 0, default_height = 0;
  GdkRectangle area = { 0, 0, 1920, 1080 };
  GdkMonitor *monitor = NULL;

  if (fb == NULL || gtk_window_is_maximized (GTK_WINDOW (self)) ||
      gtk_window_is_fullscreen (GTK_WINDOW (self)))
    return;

  self->sized_to_guest = TRUE;
  if (surface != NULL)
    monitor = gdk_display_get_monitor_at_surface (gtk_widget_get_display (GTK_WIDGET (self)), surface);
  if (monitor != NULL)
    gdk_monitor_get_geometry (monitor, &area);

  gtk_widget_measure (GTK_WIDGET (self->header_bar), GTK_ORIENTATION_VERTICAL, -1,
                      NULL, &header_height, NULL, NULL);
  width = (hangar_framebuffer_get_width (fb) + scale - 1) / scale;
  height = (hangar_framebuffer_get_height (fb) + scale - 1) / scale + header_height;
  /* What the window adds around the screen, in default-size units: the header bar, and the
   * frame a window has without a compositor (solid-csd, 5 px a side). Without it the view came
   * out 10 px too small and a 1920×1080 guest was drawn scaled by 0.99: blurred, and every
   * update filtered. Taken from the stack laid out at the current default size. */
  gtk_window_get_default_size (GTK_WINDOW (self), &default_width, &default_height);
  if (default_width > 0 && default_height > 0 &&
      gtk_widget_get_width (GTK_WIDGET (self->stack)) > 0 &&
      gtk_widget_get_height (GTK_WIDGET (self->stack)) > 0)
    {
      width += MAX (0, default_width - gtk_widget_get_width (GTK_WIDGET (self->stack)));
      height += MAX (0, default_height - gtk_widget_get_height (GTK_WIDGET (self->stack)) -
                        header_height);
    }
  gtk_window_set_default_size (GTK_WINDOW (self), MIN (width, area.width), MIN (height, area.height));
}

/* The state goes into the header's subtitle and the window title ("HOST:PORT — Connected"),
 * so window lists, the accessibility tree and xdotool can see it too. */
static void
set_state_text (HangarConsoleWindow *self,
                const char          *text)
{
  /* Translators: the console window's title: the console's address, then its state. */
  g_autofree char *title = g_strdup_printf (_("%s — %s"), self->title, text);

  adw_window_title_set_subtitle (self->window_title, text);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static void
update_state (HangarConsoleWindow *self)
{
  HangarConsoleState state = HANGAR_CONSOLE_STATE_DISCONNECTED;
  const GError *error = self->uri_error;

  if (self->session != NULL)
    {
      state = hangar_console_session_get_state (self->session);
      if (error == NULL)
        error = hangar_console_session_get_error (self->session);
    }

  switch (state)
    {
    case HANGAR_CONSOLE_STATE_CONNECTING:
      set_state_text (self, _("Connecting…"));
      gtk_stack_set_visible_child_name (self->stack, "connecting");
      break;

    case HANGAR_CONSOLE_STATE_CONNECTED:
      set_state_text (self, _("Connected"));
      if (!self->sized_to_guest)
        size_to_guest (self);
      gtk_stack_set_visible_child_name (self->stack, "display");
      gtk_widget_grab_focus (GTK_WIDGET (self->display));
      break;

    case HANGAR_CONSOLE_STATE_DISCONNECTED:
    default:
      {
        g_autofree char *description = NULL;
        g_autofree char *escaped = NULL;
        const char *title = _("Disconnected");

        if (self->uri_error != NULL)
          {
            title = _("Cannot Open Console");
            description = g_strdup (error->message);
          }
        else if (g_error_matches (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CONNECT))
          {
            /* What to do first, then what the client library said. */
            title = _("Cannot Connect");
            /* Translators: %s is HOST:PORT, the second %s the reason from the VNC or SPICE library */
            description = g_strdup_printf (_("Check that the machine or console server is running and "
                                             "that %s is the right address.\n\n%s"),
                                           self->title, error->message);
          }
        else
          {
            description = g_strdup (error != NULL ? error->message : _("The connection was closed."));
          }

        set_state_text (self, _("Disconnected"));
        adw_status_page_set_title (self->error_page, title);
        /* The description is markup; messages quote addresses. */
        escaped = g_markup_escape_text (description, -1);
        adw_status_page_set_description (self->error_page, escaped);
        gtk_stack_set_visible_child_name (self->stack, "error");
      }
      /* SPICE asks for a password by failing with an auth error: keep its dialog open. */
      if (!g_error_matches (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_AUTH_FAILED))
        hangar_console_clear_password_dialog (&self->password_dialog);
      break;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->error_reconnect_button), self->uri_error == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "console.send-keys",
                                 state == HANGAR_CONSOLE_STATE_CONNECTED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "console.reconnect",
                                 state == HANGAR_CONSOLE_STATE_DISCONNECTED && self->uri_error == NULL);
  /* The one Reconnect is the error page's (as in GNOME apps): it takes the keyboard focus, so
   * Enter or Space presses it. (Focus once its action is enabled: insensitive buttons refuse.) */
  if (state == HANGAR_CONSOLE_STATE_DISCONNECTED && self->uri_error == NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->error_reconnect_button));
}

static void
password_answer_cb (gpointer    user_data,
                    gboolean    accepted,
                    const char *username,
                    const char *password)
{
  HangarConsoleWindow *self = user_data;

  if (self->session == NULL)
    return;

  if (accepted)
    hangar_console_session_set_credentials (self->session, username, password);
  else
    hangar_console_session_close (self->session);
}

static void
credentials_needed_cb (HangarConsoleWindow  *self,
                       gboolean              need_username,
                       gboolean              need_password,
                       HangarConsoleSession *session)
{
  g_autofree char *body = g_strdup_printf (_("The console at %s asks for a password."), self->uri);

  hangar_console_clear_password_dialog (&self->password_dialog);
  self->password_dialog = hangar_console_ask_password (GTK_WINDOW (self), body, need_username,
                                                       password_answer_cb, G_OBJECT (self));
  g_object_add_weak_pointer (G_OBJECT (self->password_dialog), (gpointer *) &self->password_dialog);
}

static void
connect_session (HangarConsoleWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->uri_error != NULL)
    {
      update_state (self);
      return;
    }

  if (self->session == NULL)
    {
      if (self->protocol == HANGAR_CONSOLE_PROTOCOL_SPICE)
        self->session = HANGAR_CONSOLE_SESSION (hangar_spice_session_new ());
      else
        self->session = HANGAR_CONSOLE_SESSION (hangar_vnc_session_new ());
      g_signal_connect_object (self->session, "notify::state", G_CALLBACK (update_state), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->session, "credentials-needed",
                               G_CALLBACK (credentials_needed_cb), self, G_CONNECT_SWAPPED);
      hangar_display_set_session (self->display, self->session);
    }

  g_debug ("Opening %s (%s port %u)", self->uri, self->host, self->port);
  if (!hangar_console_session_open_host (self->session, self->host, self->port, &error))
    {
      g_warning ("Could not open %s: %s", self->uri, error->message);
      self->uri_error = g_steal_pointer (&error);
    }
  update_state (self);
}

static void
reconnect_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  connect_session (HANGAR_CONSOLE_WINDOW (widget));
}

static void
send_keys_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HangarConsoleWindow *self = HANGAR_CONSOLE_WINDOW (widget);

  hangar_console_send_named_keys (self->display, g_variant_get_string (parameter, NULL));
}

static void
fullscreen_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  GtkWindow *window = GTK_WINDOW (widget);

  if (gtk_window_is_fullscreen (window))
    gtk_window_unfullscreen (window);
  else
    gtk_window_fullscreen (window);
}

/* In fullscreen the header bar moves into a revealer over the console, shown when the pointer
 * touches the top edge; back in a window it sits above the console again. */
static void
fullscreen_changed_cb (HangarConsoleWindow *self)
{
  gboolean fullscreen = gtk_window_is_fullscreen (GTK_WINDOW (self));
  g_autoptr(GtkWidget) header = g_object_ref (self->header_cache);

  if (fullscreen == (gtk_widget_get_parent (header) == GTK_WIDGET (self->fullscreen_revealer)))
    return;

  if (fullscreen)
    {
      gtk_box_remove (self->content_box, header);
      gtk_revealer_set_child (self->fullscreen_revealer, header);
      gtk_revealer_set_reveal_child (self->fullscreen_revealer, FALSE);
      gtk_button_set_icon_name (self->fullscreen_button, "view-restore-symbolic");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->fullscreen_button), _("Leave Fullscreen (F11)"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->fullscreen_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Leave Fullscreen"), -1);
    }
  else
    {
      gtk_revealer_set_child (self->fullscreen_revealer, NULL);
      gtk_box_prepend (self->content_box, header);
      gtk_button_set_icon_name (self->fullscreen_button, "view-fullscreen-symbolic");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->fullscreen_button), _("Fullscreen (F11)"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->fullscreen_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Fullscreen"), -1);
    }
}

static void
motion_cb (HangarConsoleWindow *self,
           double               x,
           double               y)
{
  if (!gtk_window_is_fullscreen (GTK_WINDOW (self)))
    return;

  if (y <= 4)
    gtk_revealer_set_reveal_child (self->fullscreen_revealer, TRUE);
  else if (y > gtk_widget_get_height (GTK_WIDGET (self->header_bar)) + 24)
    gtk_revealer_set_reveal_child (self->fullscreen_revealer, FALSE);
}

static void
hangar_console_window_dispose (GObject *object)
{
  HangarConsoleWindow *self = (HangarConsoleWindow *)object;

  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      hangar_console_session_close (self->session);
    }
  g_clear_object (&self->session);
  hangar_console_clear_password_dialog (&self->password_dialog);

  gtk_widget_dispose_template (GTK_WIDGET (self), HANGAR_TYPE_CONSOLE_WINDOW);

  G_OBJECT_CLASS (hangar_console_window_parent_class)->dispose (object);
}

static void
hangar_console_window_finalize (GObject *object)
{
  HangarConsoleWindow *self = (HangarConsoleWindow *)object;

  g_clear_pointer (&self->uri, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->host, g_free);
  g_clear_error (&self->uri_error);

  G_OBJECT_CLASS (hangar_console_window_parent_class)->finalize (object);
}

static void
hangar_console_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  HangarConsoleWindow *self = HANGAR_CONSOLE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SCALE_TO_FIT:
      /* Read by the property action while the template is still being built. */
      g_value_set_boolean (value, self->display == NULL || hangar_display_get_scale_to_fit (self->display));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_console_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  HangarConsoleWindow *self = HANGAR_CONSOLE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SCALE_TO_FIT:
      if (self->display != NULL &&
          hangar_display_get_scale_to_fit (self->display) != g_value_get_boolean (value))
        {
          hangar_display_set_scale_to_fit (self->display, g_value_get_boolean (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_console_window_class_init (HangarConsoleWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hangar_console_window_dispose;
  object_class->finalize = hangar_console_window_finalize;
  object_class->get_property = hangar_console_window_get_property;
  object_class->set_property = hangar_console_window_set_property;

  properties[PROP_SCALE_TO_FIT] =
    g_param_spec_boolean ("scale-to-fit", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/ui/hangar-console-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HangarConsoleWindow, fullscreen_revealer);
  gtk_widget_class_bind_template_child (widget_class, HangarConsoleWindow, content_box);
  gtk_widget_class_bind_template_child (widget_class, HangarConsoleWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, HangarConsoleWindow, header_cache);
  gtk_widget_class_bind_template_child (widget_class, HangarConsoleWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, HangarConsoleWindow, fullscreen_button);
  gtk_widget_class_bind_template_child (widget_class, HangarConsoleWindow, grab_indicator);
  gtk_widget_class_bind_template_child (widget_class, HangarConsoleWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, HangarConsoleWindow, connecting_page);
  gtk_widget_class_bind_template_child (widget_class, HangarConsoleWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, HangarConsoleWindow, error_reconnect_button);
  gtk_widget_class_bind_template_child (widget_class, HangarConsoleWindow, display);

  gtk_widget_class_install_action (widget_class, "console.reconnect", NULL, reconnect_action);
  gtk_widget_class_install_action (widget_class, "console.send-keys", "s", send_keys_action);
  gtk_widget_class_install_action (widget_class, "console.fullscreen", NULL, fullscreen_action);
  gtk_widget_class_install_property_action (widget_class, "console.scale-to-fit", "scale-to-fit");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F11, 0, "console.fullscreen", NULL);
}

static void
hangar_console_window_init (HangarConsoleWindow *self)
{
  GtkEventController *motion;

  g_type_ensure (HANGAR_TYPE_CACHED_BIN);
  g_type_ensure (HANGAR_TYPE_DISPLAY);
  gtk_widget_init_template (GTK_WIDGET (self));
  hangar_clipboard_bridge_attach (self->display);

  g_object_bind_property (self->display, "grabbed", self->grab_indicator, "visible",
                          G_BINDING_SYNC_CREATE);
  g_signal_connect (self, "notify::fullscreened", G_CALLBACK (fullscreen_changed_cb), NULL);

  motion = gtk_event_controller_motion_new ();
  gtk_event_controller_set_propagation_phase (motion, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (motion, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

/**
 * hangar_console_window_new:
 * @app: the application
 * @uri: `vnc://HOST:PORT` or `spice://HOST:PORT`
 *
 * Creates a window that connects to the console at @uri. An address that does not parse shows
 * its reason in the window.
 *
 * Returns: (transfer none): the new window (owned by GTK's toplevel list)
 */
GtkWindow *
hangar_console_window_new (GtkApplication *app,
                           const char     *uri)
{
  HangarConsoleWindow *self;

  g_return_val_if_fail (app == NULL || GTK_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  self = g_object_new (HANGAR_TYPE_CONSOLE_WINDOW, "application", app, NULL);
  self->uri = g_strdup (uri);
  if (hangar_console_uri_parse (uri, &self->protocol, &self->host, &self->port, &self->uri_error))
    self->title = g_strdup_printf ("%s:%u", self->host, self->port);
  else
    self->title = g_utf8_make_valid (uri, -1);
  adw_window_title_set_title (self->window_title, self->title);
  gtk_window_set_title (GTK_WINDOW (self), self->title);

  connect_session (self);

  return GTK_WINDOW (self);
}
