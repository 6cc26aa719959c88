/* test-console-page.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The machine page's Console tab against a real guest on qemu:///system: a diskless TCG machine
 * whose SeaBIOS boot screen (non-black) arrives over virDomainOpenGraphicsFD. The guest is
 * destroyed and started again and again while its console is open; the page must say "not
 * running" (with Start) each time and come back by itself. Skips without a usable
 * qemu:///system. Everything it defines is named hangar-test-console-<pid> and removed even if
 * the test dies (a guard process does it when our end of its pipe closes).
 */

#include "config.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hangar-connection.h"
#include "hangar-console-page.h"
#include "hangar-spice-session.h"
#include "hangar-machine.h"
#include "hangar-machine-page.h"
#include "hangar-window.h"
#include "hangar-ui-test-utils.h"

#define N_CYCLES 20
#define N_SPICE_CYCLES 4

typedef struct
{
  char             *name;
  virConnectPtr     external;
  virDomainPtr      domain;
  int               guard_fd;
  GPid              guard_pid;
  HangarConnection *connection;
  GListStore       *connections;
  HangarWindow     *window;
  HangarMachine    *machine;
  HangarConsolePage *page;
} Fixture;

#define PASSWORD "h4ngar!"

#define DOMAIN_XML \
  "<domain type='qemu'>" \
  "  <name>%s</name>" \
  "  <memory unit='MiB'>64</memory>" \
  "  <vcpu>1</vcpu>" \
  "  <os><type arch='x86_64' machine='pc'>hvm</type></os>" \
  "  <on_reboot>restart</on_reboot>" \
  "  <devices>" \
  "    <graphics type='vnc' autoport='yes' listen='127.0.0.1' passwd='" PASSWORD "'/>" \
  "    <video><model type='vga'/></video>" \
  "  </devices>" \
  "</domain>"

/* SPICE with no TCP port at all (QEMU gets -spice port=0): only per-channel fds from
 * virDomainOpenGraphicsFD can reach it. */
#define SPICE_DOMAIN_XML \
  "<domain type='qemu'>" \
  "  <name>%s</name>" \
  "  <memory unit='MiB'>64</memory>" \
  "  <vcpu>1</vcpu>" \
  "  <os><type arch='x86_64' machine='pc'>hvm</type></os>" \
  "  <on_reboot>restart</on_reboot>" \
  "  <devices>" \
  "    <graphics type='spice' autoport='no'><listen type='none'/></graphics>" \
  "    <video><model type='qxl'/></video>" \
  "  </devices>" \
  "</domain>"

static void
ignore_error (void *data, virErrorPtr error)
{
}

/* A shell that waits for EOF on its stdin (our death, however it happens) and then removes
 * the domain. */
static void
spawn_guard (Fixture *f)
{
  g_autofree char *script = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "/bin/sh", "-c", NULL, NULL };

  script = g_strdup_printf ("cat >/dev/null; "
                            "virsh -q -c qemu:///system destroy '%s' >/dev/null 2>&1; "
                            "virsh -q -c qemu:///system undefine '%s' >/dev/null 2>&1; exit 0",
                            f->name, f->name);
  argv[2] = script;
  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                            &f->guard_pid, &f->guard_fd, NULL, NULL, &error);
  g_assert_no_error (error);
}

typedef struct
{
  virDomainPtr domain;
  gboolean     start;
  int          ret;
  char        *message;
  gboolean     done;
} Run;

static gpointer
run_thread (gpointer data)
{
  Run *r = data;

  r->ret = r->start ? virDomainCreate (r->domain) : virDomainDestroy (r->domain);
  if (r->ret != 0)
    r->message = g_strdup (virGetLastErrorMessage ());
  g_atomic_int_set (&r->done, TRUE);
  g_main_context_wakeup (NULL);

  return NULL;
}

/* Starts or destroys the guest from outside, as virsh would, while the app keeps running (a
 * destroy takes QEMU ~1.6 s here; the console notices the socket close meanwhile). */
static void
run (Fixture    *f,
     gboolean    start,
     guint       cycle)
{
  /* Starting QEMU right after its previous process was killed has failed once on a loaded CI
   * machine ("process exited while connecting to monitor", nothing in QEMU's log). That is
   * QEMU and libvirt, not the console under test, so a failed start is tried once more; the
   * retry is logged and a second failure still fails the test. */
  for (guint attempt = 0; attempt < (start ? 2 : 1); attempt++)
    {
      Run r = { f->domain, start, 0, NULL, FALSE };
      GThread *thread = g_thread_new ("run", run_thread, &r);

      WAIT_UNTIL (g_atomic_int_get (&r.done));
      g_thread_join (thread);
      if (r.ret == 0)
        {
          g_free (r.message);
          return;
        }
      if (attempt + 1 < (start ? 2u : 1u))
        g_test_message ("Cycle %u: start failed (%s); trying once more", cycle, r.message);
      else
        g_error ("Cycle %u: could not %s the guest: %s", cycle, start ? "start" : "destroy",
                 r.message);
      g_free (r.message);
    }
}

/* The guest vanishes under libvirt's feet: its QEMU is killed (libvirt says "shut off
 * (crashed)"). Returns once libvirt no longer reports it active. */
static void
kill_qemu (Fixture *f,
           guint    cycle)
{
  g_autofree char *pid_file = g_strdup_printf ("/run/libvirt/qemu/%s.pid", f->name);
  g_autofree char *contents = NULL;
  gint64 pid;

  if (!g_file_get_contents (pid_file, &contents, NULL, NULL) ||
      !g_ascii_string_to_signed (g_strstrip (contents), 10, 2, G_MAXINT, &pid, NULL))
    g_error ("Cycle %u: no QEMU pid in %s", cycle, pid_file);
  g_assert_cmpint (kill ((pid_t) pid, SIGKILL), ==, 0);
  WAIT_UNTIL (virDomainIsActive (f->domain) == 0);
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

/* Called while waiting: a guest that stops or starts is never "connection lost". */
static void
check_view (Fixture *f)
{
  const char *view = hangar_console_page_get_view (f->page);

  if (g_strcmp0 (view, "message") == 0)
    g_error ("The console shows a message page while the guest stops or starts");
}

static gboolean
showing_screen (Fixture *f)
{
  HangarConsoleSession *session = hangar_display_get_session (hangar_console_page_get_display (f->page));

  check_view (f);
  return g_strcmp0 (hangar_console_page_get_view (f->page), "display") == 0 &&
         session != NULL &&
         hangar_console_session_get_state (session) == HANGAR_CONSOLE_STATE_CONNECTED &&
         is_nonblack (hangar_console_session_get_framebuffer (session));
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *action_name)
{
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, action_name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* "Not running", with a Start button on screen, and no connection behind it. */
static gboolean
showing_not_running (Fixture *f)
{
  GtkWidget *start = find_button (GTK_WIDGET (f->page), "console.start");

  check_view (f);
  return g_strcmp0 (hangar_console_page_get_view (f->page), "not-running") == 0 &&
         hangar_machine_get_state (f->machine) == HANGAR_MACHINE_STATE_SHUTOFF &&
         start != NULL && gtk_widget_get_mapped (start) && gtk_widget_is_sensitive (start) &&
         hangar_display_get_session (hangar_console_page_get_display (f->page)) == NULL;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *xml = NULL;

  gboolean spice = g_strcmp0 (data, "spice") == 0;

  f->guard_fd = -1;
  f->name = g_strdup_printf (spice ? "hangar-test-console-spice-%d" : "hangar-test-console-%d",
                             (int) getpid ());
  virSetErrorFunc (NULL, ignore_error);
  f->external = virConnectOpen ("qemu:///system");
  if (f->external == NULL)
    return;

  spawn_guard (f);
  xml = g_strdup_printf (spice ? SPICE_DOMAIN_XML : DOMAIN_XML, f->name);
  f->domain = virDomainDefineXML (f->external, xml);
  if (f->domain == NULL)
    g_error ("Could not define %s: %s", f->name, virGetLastErrorMessage ());
  g_assert_cmpint (virDomainCreate (f->domain), ==, 0);

  f->connection = hangar_connection_new ("qemu:///system");
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
  g_clear_pointer (&f->name, g_free);
}

/* Opens the console as `hangar --show-console NAME` does. */
static void
open_console (Fixture  *f,
              gboolean  use_graphics_fd)
{
  HangarMachinePage *machine_page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (f->window));
  GtkWidget *page = hangar_ui_test_find_descendant (GTK_WIDGET (machine_page), HANGAR_TYPE_CONSOLE_PAGE);

  g_assert_nonnull (page);
  g_object_set (page, "use-graphics-fd", use_graphics_fd, NULL);
  hangar_window_show_console (f->window, f->name);
  WAIT_UNTIL (hangar_connection_lookup_machine_by_name (f->connection, f->name) != NULL);
  f->machine = hangar_connection_lookup_machine_by_name (f->connection, f->name);

  g_assert_true (hangar_machine_page_get_machine (machine_page) == f->machine);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (hangar_machine_page_get_view_stack (machine_page)),
                   ==, "console");
  f->page = HANGAR_CONSOLE_PAGE (hangar_ui_test_find_descendant (GTK_WIDGET (machine_page),
                                                                  HANGAR_TYPE_CONSOLE_PAGE));
  g_assert_nonnull (f->page);
  g_assert_true (hangar_console_page_get_machine (f->page) == f->machine);
}

static void
test_console (Fixture       *f,
              gconstpointer  data)
{
  HangarMachinePage *machine_page;
  AdwViewStack *view_stack;
  HangarConsoleSession *session;
  GtkWidget *start;
  gint64 begin;

  if (f->external == NULL)
    {
      g_test_skip ("qemu:///system cannot be opened");
      return;
    }

  open_console (f, TRUE);
  machine_page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (f->window));
  view_stack = hangar_machine_page_get_view_stack (machine_page);

  /* The BIOS screen over OpenGraphicsFD. */
  begin = g_get_monotonic_time ();
  WAIT_UNTIL (showing_screen (f));
  g_test_message ("BIOS screen after %.0f ms", (g_get_monotonic_time () - begin) / 1000.0);
  WAIT_UNTIL (hangar_display_get_n_frames (hangar_console_page_get_display (f->page)) > 0);
  hangar_ui_test_save_screenshot (GTK_WIDGET (f->window), "console-bios.png");

  /* Hidden: no connection (no decoding in the background). Shown again: back by itself. */
  adw_view_stack_set_visible_child_name (view_stack, "overview");
  WAIT_UNTIL (hangar_display_get_session (hangar_console_page_get_display (f->page)) == NULL);
  adw_view_stack_set_visible_child_name (view_stack, "console");
  WAIT_UNTIL (showing_screen (f));

  /* Detached into a window of its own: same connection, the tab says where it went; closing
   * the window brings it back. */
  session = hangar_display_get_session (hangar_console_page_get_display (f->page));
  hangar_console_page_detach (f->page);
  g_assert_nonnull (hangar_console_page_get_detached_window (f->page));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (hangar_console_page_get_detached_window (f->page)));
  g_usleep (400 * 1000);
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (hangar_display_get_session (hangar_console_page_get_display (f->page)) == session);
  g_assert_true (showing_screen (f));
  g_assert_true (gtk_widget_is_sensitive (find_button (GTK_WIDGET (hangar_console_page_get_detached_window (f->page)),
                                                       "console.scale-to-fit")));
  hangar_ui_test_save_screenshot (GTK_WIDGET (hangar_console_page_get_detached_window (f->page)),
                                  "console-detached.png");
  gtk_window_close (hangar_console_page_get_detached_window (f->page));
  g_assert_null (hangar_console_page_get_detached_window (f->page));
  WAIT_UNTIL (showing_screen (f));

  /* Destroyed (or its QEMU killed) and started again, N_CYCLES times: every other time before
   * the console even connected. Each time "not running" with Start, then the screen by itself. */
  for (guint i = 0; i < N_CYCLES; i++)
    {
      gint64 t0 = g_get_monotonic_time (), t1;

      gint64 td;

      /* Every third time the QEMU process is killed instead. */
      if (i % 3 == 2)
        kill_qemu (f, i);
      else
        run (f, FALSE, i);
      td = g_get_monotonic_time ();
      WAIT_UNTIL (showing_not_running (f));
      t1 = g_get_monotonic_time ();
      if (i == 0)
        hangar_ui_test_save_screenshot (GTK_WIDGET (f->window), "console-not-running.png");

      run (f, TRUE, i);
      if (i % 2 == 1)
        {
          /* Destroy it again while the console is still connecting. */
          WAIT_UNTIL ((check_view (f), hangar_machine_get_state (f->machine) == HANGAR_MACHINE_STATE_RUNNING));
          g_test_message ("cycle %u: %s took %.0f ms, then not running after %.0f ms; running after %.0f ms", i,
                          i % 3 == 2 ? "kill" : "destroy",
                          (td - t0) / 1000.0, (t1 - td) / 1000.0, (g_get_monotonic_time () - t1) / 1000.0);
          continue;
        }
      WAIT_UNTIL (showing_screen (f));
      g_test_message ("cycle %u: %s took %.0f ms, then not running after %.0f ms; BIOS screen after %.0f ms", i,
                      i % 3 == 2 ? "kill" : "destroy",
                      (td - t0) / 1000.0, (t1 - td) / 1000.0, (g_get_monotonic_time () - t1) / 1000.0);
    }

  /* The Start button starts it, and the screen comes back. */
  run (f, FALSE, N_CYCLES);
  WAIT_UNTIL (showing_not_running (f));
  start = find_button (GTK_WIDGET (f->page), "console.start");
  gtk_widget_activate (start);
  WAIT_UNTIL (showing_screen (f));
}

/* Whether this process has an established TCP connection to 127.0.0.1:@port. */
static gboolean
has_tcp_connection_to (guint port)
{
  g_autofree char *contents = NULL;
  g_autofree char *remote = g_strdup_printf ("0100007F:%04X 01 ", port);

  g_assert_true (g_file_get_contents ("/proc/self/net/tcp", &contents, NULL, NULL));
  return strstr (contents, remote) != NULL;
}

static guint
graphics_port (Fixture *f)
{
  g_autofree char *xml = virDomainGetXMLDesc (f->domain, 0);
  const char *port = xml != NULL ? strstr (xml, "<graphics type='vnc' port='") : NULL;

  g_assert_nonnull (port);
  return (guint) g_ascii_strtoull (port + strlen ("<graphics type='vnc' port='"), NULL, 10);
}

static void
answer_password (Fixture    *f,
                 const char *password)
{
  const char *response = password != NULL ? "connect" : "cancel";
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  WAIT_UNTIL (hangar_console_page_get_password_dialog (f->page) != NULL &&
              gtk_widget_get_mapped (GTK_WIDGET (hangar_console_page_get_password_dialog (f->page))));
  dialog = hangar_console_page_get_password_dialog (f->page);
  entry = hangar_ui_test_find_descendant (adw_message_dialog_get_extra_child (dialog), GTK_TYPE_ENTRY);
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), password != NULL ? password : "");
  adw_message_dialog_response (dialog, response);
  g_assert_null (hangar_console_page_get_password_dialog (f->page));
}

/* The path a remote connection takes: the <graphics> address and port from the live XML, and
 * the password asked in a dialog. A wrong one says so and offers Reconnect. */
static void
test_address (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *reconnect;

  if (f->external == NULL)
    {
      g_test_skip ("qemu:///system cannot be opened");
      return;
    }

  open_console (f, FALSE);

  /* Cancelled: the page says a password is needed, and offers Reconnect. */
  answer_password (f, NULL);
  WAIT_UNTIL (g_strcmp0 (hangar_console_page_get_view (f->page), "message") == 0);
  reconnect = find_button (GTK_WIDGET (f->page), "console.reconnect");
  g_assert_true (gtk_widget_get_mapped (reconnect));
  g_assert_null (hangar_display_get_session (hangar_console_page_get_display (f->page)));

  gtk_widget_activate (reconnect);
  answer_password (f, "wrong");
  WAIT_UNTIL (g_strcmp0 (hangar_console_page_get_view (f->page), "message") == 0);
  g_assert_true (gtk_widget_get_mapped (reconnect));
  hangar_ui_test_save_screenshot (GTK_WIDGET (f->window), "console-wrong-password.png");

  gtk_widget_activate (reconnect);
  WAIT_UNTIL (hangar_console_page_get_password_dialog (f->page) != NULL);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (hangar_console_page_get_password_dialog (f->page)));
  hangar_ui_test_save_screenshot (GTK_WIDGET (hangar_console_page_get_password_dialog (f->page)),
                                  "console-password.png");
  answer_password (f, PASSWORD);
  WAIT_UNTIL (showing_screen (f));
  g_assert_true (has_tcp_connection_to (graphics_port (f)));
  g_assert_null (hangar_console_page_get_password_dialog (f->page));
}

/* Sockets this process holds (/proc/self/fd entries that are sockets). */
static guint
count_sockets (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *entry;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", entry, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (target != NULL && g_str_has_prefix (target, "socket:"))
        {
          n++;
          if (g_getenv ("DEBUG_SOCKETS"))
            g_test_message ("fd %s → %s", entry, target);
        }
    }

  return n;
}

static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_wakeup (NULL);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
}

/* A local SPICE guest without any TCP port: the session opens on one fd and gets one more
 * per channel from the page (virDomainOpenGraphicsFD each); its state only becomes CONNECTED
 * once the display and inputs channels run on theirs. Destroyed and started a few times. */
static void
test_spice (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *xml = NULL;
  HangarConsoleSession *session;
  guint n_sockets;
  gint64 begin;

  if (f->external == NULL)
    {
      g_test_skip ("qemu:///system cannot be opened");
      return;
    }

  /* The live XML: SPICE, and no port for anyone to connect to. */
  xml = virDomainGetXMLDesc (f->domain, 0);
  g_assert_nonnull (strstr (xml, "<graphics type='spice'>"));
  g_assert_nonnull (strstr (xml, "<listen type='none'/>"));
  g_assert_null (strstr (xml, "port='"));

  /* Listed first, so hangar_window_show_console () shows it at once. (Its "pending" path,
   * which the /local case takes, disconnects the window's signal-group handlers by data in
   * clear_pending_console () and makes the window's dispose warn — UI's hangar-window.c.) */
  WAIT_UNTIL (hangar_connection_lookup_machine_by_name (f->connection, f->name) != NULL);
  open_console (f, TRUE);
  begin = g_get_monotonic_time ();
  WAIT_UNTIL (showing_screen (f));
  g_test_message ("SPICE BIOS screen after %.0f ms", (g_get_monotonic_time () - begin) / 1000.0);
  session = hangar_display_get_session (hangar_console_page_get_display (f->page));
  g_assert_true (HANGAR_IS_SPICE_SESSION (session));
  WAIT_UNTIL (hangar_display_get_n_frames (hangar_console_page_get_display (f->page)) > 0);
  hangar_ui_test_save_screenshot (GTK_WIDGET (f->window), "console-spice-bios.png");
  settle (500);
  n_sockets = count_sockets ();

  /* As in the VNC case: destroy (cycle 2: QEMU killed), "not running", start, screen again;
   * cycle 1 is destroyed again as soon as it runs, while the channels may still wait for
   * their fds. */
  for (guint i = 0; i < N_SPICE_CYCLES; i++)
    {
      gint64 t0 = g_get_monotonic_time (), td, t1;

      if (i == 2)
        kill_qemu (f, i);
      else
        run (f, FALSE, i);
      td = g_get_monotonic_time ();
      WAIT_UNTIL (showing_not_running (f));
      t1 = g_get_monotonic_time ();

      run (f, TRUE, i);
      if (i == 1)
        {
          WAIT_UNTIL ((check_view (f), hangar_machine_get_state (f->machine) == HANGAR_MACHINE_STATE_RUNNING));
          g_test_message ("spice cycle %u: destroy took %.0f ms, not running after %.0f ms; running after %.0f ms",
                          i, (td - t0) / 1000.0, (t1 - td) / 1000.0, (g_get_monotonic_time () - t1) / 1000.0);
          continue;
        }
      WAIT_UNTIL (showing_screen (f));
      g_assert_true (HANGAR_IS_SPICE_SESSION (hangar_display_get_session (hangar_console_page_get_display (f->page))));
      g_test_message ("spice cycle %u: %s took %.0f ms, not running after %.0f ms; BIOS screen after %.0f ms", i,
                      i == 2 ? "kill" : "destroy",
                      (td - t0) / 1000.0, (t1 - td) / 1000.0, (g_get_monotonic_time () - t1) / 1000.0);
    }

  /* No socket left behind by the sessions that went away (nor by fds that came too late). */
  settle (500);
  g_assert_cmpuint (count_sockets (), ==, n_sockets);
}

int
main (int   argc,
      char *argv[])
{
  if (!hangar_ui_test_init (&argc, &argv))
    return 0;

  g_test_add ("/hangar/ui/console-page/local", Fixture, NULL, fixture_setup, test_console,
              fixture_teardown);

  g_test_add ("/hangar/ui/console-page/address", Fixture, NULL, fixture_setup, test_address,
              fixture_teardown);

  g_test_add ("/hangar/ui/console-page/spice", Fixture, "spice", fixture_setup, test_spice,
              fixture_teardown);

  return g_test_run ();
}
