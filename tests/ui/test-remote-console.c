/* test-remote-console.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Console tab of a machine on a qemu+ssh:// connection whose display listens on the host's
 * loopback (libvirt's default): the page tunnels it through one shared SSH login (ssh -W for
 * TCP, a remote nc for a unix socket).
 * Real parts: a private OpenSSH server on 127.0.0.1 (tests/libvirt/hangar-test-sshd.c, run as
 * root from a temporary directory), libvirt's own ssh transport to the system libvirtd through
 * it, and a diskless TCG guest with VNC or SPICE on 127.0.0.1. The BIOS screen must arrive
 * through the tunnel (our process has no TCP connection to the display port; ssh does), all
 * of a console's sockets take one SSH login (counted in the server's log) and a reconnect
 * reuses it, the ssh and nc processes go when the console closes, and a key the server no
 * longer accepts gives the sentence about SSH keys, with nothing left running. Everything it
 * defines is named hangar-test-remote-*-<pid> and removed even if the test dies (a guard
 * process).
 * Skips (TAP) without sshd, root, or qemu:///system.
 */

#include "config.h"

#include <libvirt/libvirt.h>
#include <string.h>
#include <unistd.h>

#include "hangar-console-test-utils.h"
#include "hangar-machine.h"
#include "hangar-machine-page.h"
#include "hangar-spice-session.h"
#include "hangar-ssh-tunnel.h"
#include "hangar-test-sshd.h"
#include "hangar-ui-test-utils.h"

#define VNC_GRAPHICS "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/>"
#define SPICE_GRAPHICS "<graphics type='spice' autoport='yes' listen='127.0.0.1'/>"
/* A unix socket on the host, no TCP port at all (reached with nc -U through ssh). */
#define SOCKET_GRAPHICS "<graphics type='vnc'><listen type='socket'/></graphics>"

typedef struct
{
  gboolean                spice;
  gboolean                unix_socket;
  HangarTestSshd         *sshd;
  /* Its guard also removes the sshd's directory. */
  HangarConsoleTestGuest  guest;
  HangarConsoleTestApp    app;
  HangarMachine          *machine;
  HangarConsolePage      *page;
  guint                   port;
  char                   *socket;   /* the display's unix socket, for the socket case */
} Fixture;

/* Where the running guest's display is: its TCP port, or (socket case) its unix socket. */
static void
read_display (Fixture *f)
{
  g_autofree char *xml = virDomainGetXMLDesc (f->guest.domain, 0);
  const char *prefix = f->spice ? "<graphics type='spice' port='" : "<graphics type='vnc' port='";
  const char *found;

  g_assert_nonnull (xml);
  g_clear_pointer (&f->socket, g_free);
  f->port = 0;
  if (f->unix_socket)
    {
      found = strstr (xml, "<graphics type='vnc' socket='");
      g_assert_nonnull (found);
      found += strlen ("<graphics type='vnc' socket='");
      f->socket = g_strndup (found, strchr (found, '\'') - found);
      g_assert_null (strstr (xml, " port='"));
      return;
    }

  found = strstr (xml, prefix);
  g_assert_nonnull (found);
  f->port = (guint) g_ascii_strtoull (found + strlen (prefix), NULL, 10);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *name = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *uri = NULL;

  f->spice = g_strcmp0 (data, "spice") == 0;
  f->unix_socket = g_strcmp0 (data, "vnc-socket") == 0;
  if (hangar_test_sshd_unavailable () != NULL)
    return;
  if (!hangar_console_test_guest_open (&f->guest))
    return;

  f->sshd = hangar_test_sshd_start ();
  name = g_strdup_printf ("hangar-test-remote-%s-%d", (const char *) data, (int) getpid ());
  xml = hangar_console_test_domain_xml (name, f->spice ? SPICE_GRAPHICS
                                              : f->unix_socket ? SOCKET_GRAPHICS : VNC_GRAPHICS,
                                        f->spice ? "qxl" : "vga");
  hangar_console_test_guest_start (&f->guest, name, xml, f->sshd->dir);
  read_display (f);

  /* libvirt's own ssh transport, with our key; the wrapper only keeps root's known_hosts
   * file out of it (command= is libvirt's ssh binary parameter, and ours). */
  uri = g_strdup_printf ("qemu+ssh://root@127.0.0.1:%u/system?keyfile=%s&no_verify=1&command=%s",
                         f->sshd->port, f->sshd->client_key, f->sshd->ssh_wrapper);
  hangar_console_test_app_open (&f->app, uri);
  g_assert_false (hangar_connection_get_is_local (f->app.connection));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  hangar_console_test_app_close (&f->app);
  hangar_console_test_guest_clear (&f->guest);
  hangar_test_sshd_stop (f->sshd);
  g_clear_pointer (&f->socket, g_free);
}

static gboolean
showing_screen (Fixture *f)
{
  if (g_strcmp0 (hangar_console_page_get_view (f->page), "message") == 0)
    g_error ("The tunnelled console shows a message page");
  return hangar_console_test_showing_screen (f->page);
}

/* Our ssh clients tunnelling to the display, one per socket (through the shared login). */
static guint
n_tunnel_ssh (Fixture *f)
{
  g_autofree char *needle = f->socket != NULL ? g_strdup (f->socket)
                                              : g_strdup_printf ("-W 127.0.0.1:%u ", f->port);

  /* The ssh client, not the remote shell running the same script before it becomes nc. */
  return hangar_test_count_processes_with (needle, "ControlMaster=no");
}

/* The other end of each socket on the "host": the nc on the unix socket, or the SSH server's
 * own connection to the TCP port (ssh -W: no nc), from /proc/net/tcp. */
static guint
n_remote_nc (Fixture *f)
{
  g_autofree char *needle = f->socket != NULL ? g_strdup_printf ("nc -q 0 -U %s", f->socket)
                                              : g_strdup_printf (" 0100007F:%04X 01 ", f->port);
  g_autofree char *tcp = NULL;
  guint n = 0;

  if (f->socket != NULL)
    return hangar_test_count_processes (needle);

  g_assert_true (g_file_get_contents ("/proc/net/tcp", &tcp, NULL, NULL));
  for (const char *p = tcp; (p = strstr (p, needle)) != NULL; p++)
    n++;
  return n;
}

/* Starts or destroys the guest from outside (in a thread, as virsh would) while the app runs. */
static void
run (Fixture  *f,
     gboolean  start)
{
  g_autofree char *message = NULL;

  if (hangar_console_test_guest_run (&f->guest, start, &message) != 0)
    g_error ("Could not %s the guest: %s", start ? "start" : "destroy", message);
}

static gboolean
showing_not_running (Fixture *f)
{
  if (g_strcmp0 (hangar_console_page_get_view (f->page), "message") == 0)
    g_error ("The tunnelled console shows a message page while the guest stops");
  return g_strcmp0 (hangar_console_page_get_view (f->page), "not-running") == 0 &&
         hangar_display_get_session (hangar_console_page_get_display (f->page)) == NULL;
}

/* spice-client-glib warns ("incomplete link header", fatal here) when a channel's socket
 * closes while it is still linking, which is what closing the console or destroying the guest
 * right after the screen came does. Wait until every ssh has its nc and the links are done. */
static void
wait_channels_linked (Fixture *f)
{
  WAIT_UNTIL (n_tunnel_ssh (f) > 0 && n_tunnel_ssh (f) == n_remote_nc (f));
  if (f->spice)
    hangar_console_test_settle (500);
}

static AdwStatusPage *
find_mapped_status_page (GtkWidget *widget)
{
  if (ADW_IS_STATUS_PAGE (widget) && gtk_widget_get_mapped (widget))
    return ADW_STATUS_PAGE (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwStatusPage *found = find_mapped_status_page (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
open_console (Fixture *f)
{
  HangarMachinePage *machine_page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (f->app.window));

  gint64 begin = g_get_monotonic_time ();

  /* Listed first, so show_console shows it at once (see test-console-page.c). */
  WAIT_UNTIL (hangar_connection_lookup_machine_by_name (f->app.connection, f->guest.name) != NULL);
  g_test_message ("qemu+ssh connection listed the guest after %.0f ms",
                  (g_get_monotonic_time () - begin) / 1000.0);
  f->machine = hangar_connection_lookup_machine_by_name (f->app.connection, f->guest.name);
  hangar_window_show_console (f->app.window, f->guest.name);
  g_assert_true (hangar_machine_page_get_machine (machine_page) == f->machine);
  f->page = HANGAR_CONSOLE_PAGE (hangar_ui_test_find_descendant (GTK_WIDGET (machine_page),
                                                                  HANGAR_TYPE_CONSOLE_PAGE));
  g_assert_nonnull (f->page);
}

static void
wait_no_tunnel_processes (Fixture *f)
{
  gint64 begin = g_get_monotonic_time ();

  WAIT_UNTIL (n_tunnel_ssh (f) == 0 && n_remote_nc (f) == 0);
  g_test_message ("tunnel processes gone %.0f ms after the console closed",
                  (g_get_monotonic_time () - begin) / 1000.0);
}

static void
test_tunnel (Fixture       *f,
             gconstpointer  data)
{
  HangarMachinePage *machine_page;
  AdwViewStack *view_stack;
  HangarConsoleSession *session;
  AdwStatusPage *message;
  gint64 begin;
  guint n_ssh;
  guint n_logins;

  if (f->sshd == NULL || f->guest.external == NULL)
    {
      g_test_skip (f->sshd == NULL ? "no sshd" : "qemu:///system cannot be opened");
      return;
    }

  open_console (f);
  /* libvirt's own connection has logged in once by now. */
  n_logins = hangar_test_sshd_count_logins (f->sshd);
  begin = g_get_monotonic_time ();
  WAIT_UNTIL (showing_screen (f));
  g_test_message ("%s BIOS screen through the ssh tunnel %.0f ms after showing the console",
                  (const char *) data, (g_get_monotonic_time () - begin) / 1000.0);
  WAIT_UNTIL (hangar_display_get_n_frames (hangar_console_page_get_display (f->page)) > 0);
  session = hangar_display_get_session (hangar_console_page_get_display (f->page));
  g_assert_true (HANGAR_IS_SPICE_SESSION (session) == f->spice);

  /* Through ssh, not straight to the port: one ssh (and one nc on the host) per socket. */
  if (f->socket == NULL)
    g_assert_false (hangar_console_test_has_tcp_connection_to (f->port));
  /* SPICE opens its channels one after another: wait until every ssh has its nc running. */
  wait_channels_linked (f);
  n_ssh = n_tunnel_ssh (f);
  g_test_message ("%u ssh processes carry the console", n_ssh);
  if (f->spice)
    g_assert_cmpuint (n_ssh, >=, 3);  /* main, display, inputs (cursor, playback…) */
  else
    g_assert_cmpuint (n_ssh, ==, 1);
  g_assert_cmpuint (n_remote_nc (f), ==, n_ssh);
  /* All of them through one SSH login. */
  g_assert_cmpuint (hangar_test_sshd_count_logins (f->sshd), ==, n_logins + 1);
  {
    g_autofree char *shot = g_strdup_printf ("remote-console-%s.png", (const char *) data);

    hangar_ui_test_save_screenshot (GTK_WIDGET (f->app.window), shot);
  }

  /* Off screen: the session and every ssh and nc go. Back: through a new tunnel. */
  machine_page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (f->app.window));
  view_stack = hangar_machine_page_get_view_stack (machine_page);
  adw_view_stack_set_visible_child_name (view_stack, "overview");
  WAIT_UNTIL (hangar_display_get_session (hangar_console_page_get_display (f->page)) == NULL);
  wait_no_tunnel_processes (f);
  begin = g_get_monotonic_time ();
  adw_view_stack_set_visible_child_name (view_stack, "console");
  WAIT_UNTIL (showing_screen (f));
  g_test_message ("screen again after %.0f ms", (g_get_monotonic_time () - begin) / 1000.0);
  wait_channels_linked (f);
  /* The login stayed for the reconnect (it lingers a few seconds after the console closes). */
  g_assert_cmpuint (hangar_test_sshd_count_logins (f->sshd), ==, n_logins + 1);

  /* The guest destroyed under the open console: "not running", no tunnel left; started
   * again (on another port): the screen comes back through a new tunnel. (First every SPICE
   * channel links: spice-client-glib warns about a server that dies mid-link.) Warnings stay
   * fatal: the display's sockets close before libvirt says the guest stopped, and its XML
   * still lists the old port meanwhile; the page retries, and must not give spice-client-glib
   * a tunnel that ssh closes at once ("incomplete link header"). */
  wait_channels_linked (f);
  g_assert_cmpuint (n_tunnel_ssh (f), ==, n_ssh);
  begin = g_get_monotonic_time ();
  run (f, FALSE);
  WAIT_UNTIL (showing_not_running (f));
  wait_no_tunnel_processes (f);
  run (f, TRUE);
  read_display (f);
  WAIT_UNTIL (showing_screen (f));
  g_test_message ("destroyed and started: screen again after %.0f ms",
                  (g_get_monotonic_time () - begin) / 1000.0);
  wait_channels_linked (f);
  g_assert_cmpuint (n_tunnel_ssh (f), ==, n_ssh);

  if (f->spice || f->unix_socket)
    return;

  /* The host stops accepting our key (libvirt's connection, already logged in, stays up):
   * the console says what to do, offers Reconnect, and leaves nothing running. */
  hangar_test_sshd_authorize (f->sshd, f->sshd->other_key);
  adw_view_stack_set_visible_child_name (view_stack, "overview");
  WAIT_UNTIL (hangar_display_get_session (hangar_console_page_get_display (f->page)) == NULL);
  wait_no_tunnel_processes (f);
  /* The console's shared login (still up, unused) ends, so the next one asks the server. */
  hangar_ssh_tunnel_shutdown_all ();
  begin = g_get_monotonic_time ();
  adw_view_stack_set_visible_child_name (view_stack, "console");
  WAIT_UNTIL (g_strcmp0 (hangar_console_page_get_view (f->page), "message") == 0);
  g_test_message ("refused login shown after %.0f ms", (g_get_monotonic_time () - begin) / 1000.0);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->app.window));
  message = find_mapped_status_page (GTK_WIDGET (f->page));
  g_assert_nonnull (message);
  g_test_message ("%s: %s", adw_status_page_get_title (message), adw_status_page_get_description (message));
  g_assert_nonnull (strstr (adw_status_page_get_description (message), "set up SSH keys or an agent"));
  g_assert_null (hangar_display_get_session (hangar_console_page_get_display (f->page)));
  g_assert_cmpint (hangar_connection_get_state (f->app.connection), ==, HANGAR_CONNECTION_STATE_CONNECTED);
  hangar_ui_test_save_screenshot (GTK_WIDGET (f->app.window), "remote-console-refused.png");
  wait_no_tunnel_processes (f);

  /* The key is accepted again: Reconnect brings the screen back. */
  hangar_test_sshd_authorize (f->sshd, f->sshd->client_key);
  gtk_widget_activate_action (GTK_WIDGET (hangar_console_page_get_display (f->page)),
                              "console.reconnect", NULL);
  WAIT_UNTIL (showing_screen (f));
}

int
main (int   argc,
      char *argv[])
{
  const char *why = hangar_test_sshd_unavailable ();

  if (why != NULL)
    {
      g_print ("1..0 # SKIP %s\n", why);
      return 0;
    }

  if (!hangar_ui_test_init (&argc, &argv))
    return 0;

  g_test_add ("/hangar/ui/remote-console/vnc", Fixture, "vnc", fixture_setup, test_tunnel,
              fixture_teardown);
  g_test_add ("/hangar/ui/remote-console/spice", Fixture, "spice", fixture_setup, test_tunnel,
              fixture_teardown);
  g_test_add ("/hangar/ui/remote-console/vnc-socket", Fixture, "vnc-socket", fixture_setup,
              test_tunnel, fixture_teardown);

  return g_test_run ();
}
