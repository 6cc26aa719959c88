/* test-remote-console.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Console tab of a machine on a qemu+ssh:// connection whose display listens on the host's
 * loopback (libvirt's default): the page tunnels it through ssh and nc, as virt-manager does.
 * Real parts: a private OpenSSH server on 127.0.0.1 (tests/libvirt/hangar-test-sshd.c, run as
 * root from a temporary directory), libvirt's own ssh transport to the system libvirtd through
 * it, and a diskless TCG guest with VNC or SPICE on 127.0.0.1. The BIOS screen must arrive
 * through the tunnel (our process has no TCP connection to the display port; ssh does), the
 * ssh and nc processes go when the console closes, and a key the server no longer accepts
 * gives the sentence about SSH keys, with nothing left running. Everything it defines is named
 * hangar-test-remote-*-<pid> and removed even if the test dies (a guard process).
 * Skips (TAP) without sshd, root, or qemu:///system.
 */

#include "config.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hangar-connection.h"
#include "hangar-console-page.h"
#include "hangar-machine.h"
#include "hangar-machine-page.h"
#include "hangar-spice-session.h"
#include "hangar-test-sshd.h"
#include "hangar-ui-test-utils.h"
#include "hangar-window.h"

#define DOMAIN_XML \
  "<domain type='qemu'>" \
  "  <name>%s</name>" \
  "  <memory unit='MiB'>64</memory>" \
  "  <vcpu>1</vcpu>" \
  "  <os><type arch='x86_64' machine='pc'>hvm</type></os>" \
  "  <devices>" \
  "    %s" \
  "    <video><model type='%s'/></video>" \
  "  </devices>" \
  "</domain>"

#define VNC_GRAPHICS "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/>"
#define SPICE_GRAPHICS "<graphics type='spice' autoport='yes' listen='127.0.0.1'/>"
/* A unix socket on the host, no TCP port at all (reached with nc -U through ssh). */
#define SOCKET_GRAPHICS "<graphics type='vnc'><listen type='socket'/></graphics>"

typedef struct
{
  gboolean           spice;
  gboolean           unix_socket;
  char              *name;
  HangarTestSshd    *sshd;
  virConnectPtr      external;
  virDomainPtr       domain;
  int                guard_fd;
  GPid               guard_pid;
  HangarConnection  *connection;
  GListStore        *connections;
  HangarWindow      *window;
  HangarMachine     *machine;
  HangarConsolePage *page;
  guint              port;
  char              *socket;   /* the display's unix socket, for the socket case */
} Fixture;

static void
ignore_error (void       *data,
              virErrorPtr error)
{
}

/* Removes the guest when our end of its stdin closes, however we end. */
static void
spawn_guard (Fixture *f)
{
  g_autofree char *script = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "/bin/sh", "-c", NULL, NULL };

  script = g_strdup_printf ("cat >/dev/null; "
                            "virsh -q -c qemu:///system destroy '%s' >/dev/null 2>&1; "
                            "virsh -q -c qemu:///system undefine '%s' >/dev/null 2>&1; "
                            "rm -rf '%s'; exit 0",
                            f->name, f->name, f->sshd->dir);
  argv[2] = script;
  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                            &f->guard_pid, &f->guard_fd, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Where the running guest's display is: its TCP port, or (socket case) its unix socket. */
static void
read_display (Fixture *f)
{
  g_autofree char *xml = virDomainGetXMLDesc (f->domain, 0);
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
  g_autofree char *xml = NULL;
  g_autofree char *uri = NULL;

  f->spice = g_strcmp0 (data, "spice") == 0;
  f->unix_socket = g_strcmp0 (data, "vnc-socket") == 0;
  f->guard_fd = -1;
  if (hangar_test_sshd_unavailable () != NULL)
    return;
  virSetErrorFunc (NULL, ignore_error);
  f->external = virConnectOpen ("qemu:///system");
  if (f->external == NULL)
    return;

  f->sshd = hangar_test_sshd_start ();
  f->name = g_strdup_printf ("hangar-test-remote-%s-%d", (const char *) data, (int) getpid ());
  spawn_guard (f);
  xml = g_strdup_printf (DOMAIN_XML, f->name,
                         f->spice ? SPICE_GRAPHICS : f->unix_socket ? SOCKET_GRAPHICS : VNC_GRAPHICS,
                         f->spice ? "qxl" : "vga");
  f->domain = virDomainDefineXML (f->external, xml);
  if (f->domain == NULL)
    g_error ("Could not define %s: %s", f->name, virGetLastErrorMessage ());
  g_assert_cmpint (virDomainCreate (f->domain), ==, 0);
  read_display (f);

  /* libvirt's own ssh transport, with our key; the wrapper only keeps root's known_hosts
   * file out of it (command= is libvirt's ssh binary parameter, and ours). */
  uri = g_strdup_printf ("qemu+ssh://root@127.0.0.1:%u/system?keyfile=%s&no_verify=1&command=%s",
                         f->sshd->port, f->sshd->client_key, f->sshd->ssh_wrapper);
  f->connection = hangar_connection_new (uri);
  g_assert_false (hangar_connection_get_is_local (f->connection));
  f->connections = g_list_store_new (HANGAR_TYPE_CONNECTION);
  g_list_store_append (f->connections, f->connection);
  hangar_connection_open (f->connection);

  f->window = g_object_new (HANGAR_TYPE_WINDOW,
                            "connections", f->connections,
                            "default-width", 1100,
                            "default-height", 760,
                            NULL);
  gtk_window_present (GTK_WINDOW (f->window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  if (f->connection != NULL)
    hangar_connection_close (f->connection);
  g_clear_object (&f->connections);
  g_clear_object (&f->connection);

  if (f->domain != NULL)
    {
      virDomainDestroy (f->domain);
      virDomainUndefine (f->domain);
      virDomainFree (f->domain);
    }
  g_clear_pointer (&f->external, virConnectClose);

  if (f->guard_fd >= 0)
    {
      int status;

      close (f->guard_fd);
      waitpid (f->guard_pid, &status, 0);
      g_spawn_close_pid (f->guard_pid);
    }
  hangar_test_sshd_stop (f->sshd);
  g_clear_pointer (&f->name, g_free);
  g_clear_pointer (&f->socket, g_free);
}

static gboolean
is_nonblack (HangarFramebuffer *fb)
{
  const guint8 *data;
  gsize stride;

  if (fb == NULL)
    return FALSE;

  data = hangar_framebuffer_get_data (fb);
  stride = hangar_framebuffer_get_stride (fb);
  for (guint y = 0; y < hangar_framebuffer_get_height (fb); y++)
    for (guint x = 0; x < hangar_framebuffer_get_width (fb); x++)
      {
        const guint8 *p = data + y * stride + x * 4;

        if (p[0] != 0 || p[1] != 0 || p[2] != 0)
          return TRUE;
      }

  return FALSE;
}

static gboolean
showing_screen (Fixture *f)
{
  HangarConsoleSession *session = hangar_display_get_session (hangar_console_page_get_display (f->page));

  if (g_strcmp0 (hangar_console_page_get_view (f->page), "message") == 0)
    g_error ("The tunnelled console shows a message page");
  return g_strcmp0 (hangar_console_page_get_view (f->page), "display") == 0 &&
         session != NULL &&
         hangar_console_session_get_state (session) == HANGAR_CONSOLE_STATE_CONNECTED &&
         is_nonblack (hangar_console_session_get_framebuffer (session));
}

/* Our ssh processes tunnelling to the display, and the nc each runs on the "host". */
static guint
n_tunnel_ssh (Fixture *f)
{
  g_autofree char *needle = f->socket != NULL ? g_strdup (f->socket)
                                              : g_strdup_printf ("\"$nc\" 127.0.0.1 %u'", f->port);

  /* The ssh client, not the remote shell running the same script before it becomes nc. */
  return hangar_test_count_processes_with (needle, "BatchMode=yes");
}

static guint
n_remote_nc (Fixture *f)
{
  g_autofree char *needle = f->socket != NULL ? g_strdup_printf ("nc -q 0 -U %s", f->socket)
                                              : g_strdup_printf ("nc -q 0 127.0.0.1 %u", f->port);

  return hangar_test_count_processes (needle);
}

/* Whether this process (not just someone on this machine) has a TCP connection to
 * 127.0.0.1:@port: the socket inodes of our fds against /proc/net/tcp. */
static gboolean
has_tcp_connection_to (guint port)
{
  g_autoptr(GHashTable) inodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  g_autofree char *contents = NULL;
  g_autofree char *remote = g_strdup_printf ("0100007F:%04X", port);
  g_auto(GStrv) lines = NULL;
  const char *entry;

  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", entry, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (target != NULL && g_str_has_prefix (target, "socket:["))
        g_hash_table_add (inodes, g_strndup (target + 8, strlen (target) - 9));
    }

  g_assert_true (g_file_get_contents ("/proc/self/net/tcp", &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr(GPtrArray) words = g_ptr_array_new ();

      for (guint j = 0; fields[j] != NULL; j++)
        if (*fields[j] != '\0')
          g_ptr_array_add (words, fields[j]);
      /* sl local remote st queues tr retrnsmt uid timeout inode */
      if (words->len > 9 && g_str_equal (g_ptr_array_index (words, 2), remote) &&
          g_str_equal (g_ptr_array_index (words, 3), "01") &&
          g_hash_table_contains (inodes, g_ptr_array_index (words, 9)))
        return TRUE;
    }

  return FALSE;
}

typedef struct
{
  virDomainPtr domain;
  gboolean     start;
  int          ret;
  gboolean     done;
} Run;

static gpointer
run_thread (gpointer data)
{
  Run *r = data;

  r->ret = r->start ? virDomainCreate (r->domain) : virDomainDestroy (r->domain);
  g_atomic_int_set (&r->done, TRUE);
  g_main_context_wakeup (NULL);

  return NULL;
}

/* Starts or destroys the guest from outside (in a thread, as virsh would) while the app runs. */
static void
run (Fixture  *f,
     gboolean  start)
{
  Run r = { f->domain, start, 0, FALSE };
  GThread *thread = g_thread_new ("run", run_thread, &r);

  WAIT_UNTIL (g_atomic_int_get (&r.done));
  g_thread_join (thread);
  if (r.ret != 0)
    g_error ("Could not %s the guest: %s", start ? "start" : "destroy", virGetLastErrorMessage ());
}

static gboolean
showing_not_running (Fixture *f)
{
  if (g_strcmp0 (hangar_console_page_get_view (f->page), "message") == 0)
    g_error ("The tunnelled console shows a message page while the guest stops");
  return g_strcmp0 (hangar_console_page_get_view (f->page), "not-running") == 0 &&
         hangar_display_get_session (hangar_console_page_get_display (f->page)) == NULL;
}

static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
}

/* spice-client-glib warns ("incomplete link header", fatal here) when a channel's socket
 * closes while it is still linking, which is what closing the console or destroying the guest
 * right after the screen came does. Wait until every ssh has its nc and the links are done. */
static void
wait_channels_linked (Fixture *f)
{
  WAIT_UNTIL (n_tunnel_ssh (f) > 0 && n_tunnel_ssh (f) == n_remote_nc (f));
  if (f->spice)
    settle (500);
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
  HangarMachinePage *machine_page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (f->window));

  gint64 begin = g_get_monotonic_time ();

  /* Listed first, so show_console shows it at once (see test-console-page.c). */
  WAIT_UNTIL (hangar_connection_lookup_machine_by_name (f->connection, f->name) != NULL);
  g_test_message ("qemu+ssh connection listed the guest after %.0f ms",
                  (g_get_monotonic_time () - begin) / 1000.0);
  f->machine = hangar_connection_lookup_machine_by_name (f->connection, f->name);
  hangar_window_show_console (f->window, f->name);
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

  if (f->sshd == NULL || f->external == NULL)
    {
      g_test_skip (f->sshd == NULL ? "no sshd" : "qemu:///system cannot be opened");
      return;
    }

  open_console (f);
  begin = g_get_monotonic_time ();
  WAIT_UNTIL (showing_screen (f));
  g_test_message ("%s BIOS screen through the ssh tunnel %.0f ms after showing the console",
                  (const char *) data, (g_get_monotonic_time () - begin) / 1000.0);
  WAIT_UNTIL (hangar_display_get_n_frames (hangar_console_page_get_display (f->page)) > 0);
  session = hangar_display_get_session (hangar_console_page_get_display (f->page));
  g_assert_true (HANGAR_IS_SPICE_SESSION (session) == f->spice);

  /* Through ssh, not straight to the port: one ssh (and one nc on the host) per socket. */
  if (f->socket == NULL)
    g_assert_false (has_tcp_connection_to (f->port));
  /* SPICE opens its channels one after another: wait until every ssh has its nc running. */
  wait_channels_linked (f);
  n_ssh = n_tunnel_ssh (f);
  g_test_message ("%u ssh processes carry the console", n_ssh);
  if (f->spice)
    g_assert_cmpuint (n_ssh, >=, 3);  /* main, display, inputs (cursor, playback…) */
  else
    g_assert_cmpuint (n_ssh, ==, 1);
  g_assert_cmpuint (n_remote_nc (f), ==, n_ssh);
  {
    g_autofree char *shot = g_strdup_printf ("remote-console-%s.png", (const char *) data);

    hangar_ui_test_save_screenshot (GTK_WIDGET (f->window), shot);
  }

  /* Off screen: the session and every ssh and nc go. Back: through a new tunnel. */
  machine_page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (f->window));
  view_stack = hangar_machine_page_get_view_stack (machine_page);
  adw_view_stack_set_visible_child_name (view_stack, "overview");
  WAIT_UNTIL (hangar_display_get_session (hangar_console_page_get_display (f->page)) == NULL);
  wait_no_tunnel_processes (f);
  begin = g_get_monotonic_time ();
  adw_view_stack_set_visible_child_name (view_stack, "console");
  WAIT_UNTIL (showing_screen (f));
  g_test_message ("screen again after %.0f ms", (g_get_monotonic_time () - begin) / 1000.0);
  wait_channels_linked (f);

  /* The guest destroyed under the open console: "not running", no tunnel left; started
   * again (on another port): the screen comes back through a new tunnel. (First every SPICE
   * channel links: spice-client-glib warns about a server that dies mid-link.) */
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
  begin = g_get_monotonic_time ();
  adw_view_stack_set_visible_child_name (view_stack, "console");
  WAIT_UNTIL (g_strcmp0 (hangar_console_page_get_view (f->page), "message") == 0);
  g_test_message ("refused login shown after %.0f ms", (g_get_monotonic_time () - begin) / 1000.0);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
  message = find_mapped_status_page (GTK_WIDGET (f->page));
  g_assert_nonnull (message);
  g_test_message ("%s: %s", adw_status_page_get_title (message), adw_status_page_get_description (message));
  g_assert_nonnull (strstr (adw_status_page_get_description (message), "set up SSH keys or an agent"));
  g_assert_null (hangar_display_get_session (hangar_console_page_get_display (f->page)));
  g_assert_cmpint (hangar_connection_get_state (f->connection), ==, HANGAR_CONNECTION_STATE_CONNECTED);
  hangar_ui_test_save_screenshot (GTK_WIDGET (f->window), "remote-console-refused.png");
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
