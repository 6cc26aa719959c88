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
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "hangar-console-test-utils.h"
#include "hangar-spice-session.h"
#include "hangar-machine.h"
#include "hangar-machine-page.h"
#include "hangar-ui-test-utils.h"

#define N_CYCLES 20
#define N_SPICE_CYCLES 4

typedef struct
{
  HangarConsoleTestGuest  guest;
  HangarConsoleTestApp    app;
  HangarMachine          *machine;
  HangarConsolePage      *page;
} Fixture;

#define PASSWORD "h4ngar!"

#define VNC_GRAPHICS \
  "<graphics type='vnc' autoport='yes' listen='127.0.0.1' passwd='" PASSWORD "'/>"
/* SPICE with no TCP port at all (QEMU gets -spice port=0): only per-channel fds from
 * virDomainOpenGraphicsFD can reach it. */
#define SPICE_GRAPHICS "<graphics type='spice' autoport='no'><listen type='none'/></graphics>"

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
      g_autofree char *message = NULL;

      if (hangar_console_test_guest_run (&f->guest, start, &message) == 0)
        return;
      if (attempt + 1 < (start ? 2u : 1u))
        g_test_message ("Cycle %u: start failed (%s); trying once more", cycle, message);
      else
        g_error ("Cycle %u: could not %s the guest: %s", cycle, start ? "start" : "destroy",
                 message);
    }
}

/* The guest vanishes under libvirt's feet: its QEMU is killed (libvirt says "shut off
 * (crashed)"). Returns once libvirt no longer reports it active. */
static void
kill_qemu (Fixture *f,
           guint    cycle)
{
  g_autofree char *pid_file = g_strdup_printf ("/run/libvirt/qemu/%s.pid", f->guest.name);
  g_autofree char *contents = NULL;
  gint64 pid;

  if (!g_file_get_contents (pid_file, &contents, NULL, NULL) ||
      !g_ascii_string_to_signed (g_strstrip (contents), 10, 2, G_MAXINT, &pid, NULL))
    g_error ("Cycle %u: no QEMU pid in %s", cycle, pid_file);
  g_assert_cmpint (kill ((pid_t) pid, SIGKILL), ==, 0);
  WAIT_UNTIL (virDomainIsActive (f->guest.domain) == 0);
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
  check_view (f);
  return hangar_console_test_showing_screen (f->page);
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
  gboolean spice = g_strcmp0 (data, "spice") == 0;
  g_autofree char *name = NULL;
  g_autofree char *xml = NULL;

  if (!hangar_console_test_guest_open (&f->guest))
    return;

  name = g_strdup_printf (spice ? "hangar-test-console-spice-%d" : "hangar-test-console-%d",
                          (int) getpid ());
  xml = hangar_console_test_domain_xml (name, spice ? SPICE_GRAPHICS : VNC_GRAPHICS,
                                        spice ? "qxl" : "vga");
  hangar_console_test_guest_start (&f->guest, name, xml, NULL);
  hangar_console_test_app_open (&f->app, "qemu:///system");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  hangar_console_test_app_close (&f->app);
  hangar_console_test_guest_clear (&f->guest);
}

/* One round of the guest going away under the open console and coming back: destroyed (with
 * @kill, its QEMU killed instead), "not running" with Start (saved as @shot if not NULL), started
 * again. With @stop_again it returns as soon as the guest runs, so that the next round destroys it
 * before the console connected; otherwise once the screen is back by itself. */
static void
stop_and_start (Fixture    *f,
                const char *label,
                guint       cycle,
                gboolean    kill,
                gboolean    stop_again,
                const char *shot)
{
  gint64 t0 = g_get_monotonic_time ();
  gint64 td, t1;

  if (kill)
    kill_qemu (f, cycle);
  else
    run (f, FALSE, cycle);
  td = g_get_monotonic_time ();
  WAIT_UNTIL (showing_not_running (f));
  t1 = g_get_monotonic_time ();
  if (shot != NULL)
    hangar_ui_test_save_screenshot (GTK_WIDGET (f->app.window), shot);

  run (f, TRUE, cycle);
  if (stop_again)
    WAIT_UNTIL ((check_view (f), hangar_machine_get_state (f->machine) == HANGAR_MACHINE_STATE_RUNNING));
  else
    WAIT_UNTIL (showing_screen (f));
  g_test_message ("%s %u: %s took %.0f ms, then not running after %.0f ms; %s after %.0f ms",
                  label, cycle, kill ? "kill" : "destroy", (td - t0) / 1000.0, (t1 - td) / 1000.0,
                  stop_again ? "running" : "BIOS screen", (g_get_monotonic_time () - t1) / 1000.0);
}

/* Opens the console as `hangar --show-console NAME` does. */
static void
open_console (Fixture  *f,
              gboolean  use_graphics_fd)
{
  HangarMachinePage *machine_page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (f->app.window));
  GtkWidget *page = hangar_ui_test_find_descendant (GTK_WIDGET (machine_page), HANGAR_TYPE_CONSOLE_PAGE);

  g_assert_nonnull (page);
  g_object_set (page, "use-graphics-fd", use_graphics_fd, NULL);
  hangar_window_show_console (f->app.window, f->guest.name);
  WAIT_UNTIL (hangar_connection_lookup_machine_by_name (f->app.connection, f->guest.name) != NULL);
  f->machine = hangar_connection_lookup_machine_by_name (f->app.connection, f->guest.name);

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

  if (f->guest.external == NULL)
    {
      g_test_skip ("qemu:///system cannot be opened");
      return;
    }

  open_console (f, TRUE);
  machine_page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (f->app.window));
  view_stack = hangar_machine_page_get_view_stack (machine_page);

  /* The BIOS screen over OpenGraphicsFD. */
  begin = g_get_monotonic_time ();
  WAIT_UNTIL (showing_screen (f));
  g_test_message ("BIOS screen after %.0f ms", (g_get_monotonic_time () - begin) / 1000.0);
  WAIT_UNTIL (hangar_display_get_n_frames (hangar_console_page_get_display (f->page)) > 0);
  hangar_ui_test_save_screenshot (GTK_WIDGET (f->app.window), "console-bios.png");

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
      /* Every third time the QEMU process is killed instead; every other time it is destroyed
       * again while the console is still connecting. */
      stop_and_start (f, "cycle", i, i % 3 == 2, i % 2 == 1,
                      i == 0 ? "console-not-running.png" : NULL);
    }

  /* The Start button starts it, and the screen comes back. */
  run (f, FALSE, N_CYCLES);
  WAIT_UNTIL (showing_not_running (f));
  start = find_button (GTK_WIDGET (f->page), "console.start");
  gtk_widget_activate (start);
  WAIT_UNTIL (showing_screen (f));
}

static guint
graphics_port (Fixture *f)
{
  g_autofree char *xml = virDomainGetXMLDesc (f->guest.domain, 0);
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

  if (f->guest.external == NULL)
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
  hangar_ui_test_save_screenshot (GTK_WIDGET (f->app.window), "console-wrong-password.png");

  gtk_widget_activate (reconnect);
  WAIT_UNTIL (hangar_console_page_get_password_dialog (f->page) != NULL);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (hangar_console_page_get_password_dialog (f->page)));
  hangar_ui_test_save_screenshot (GTK_WIDGET (hangar_console_page_get_password_dialog (f->page)),
                                  "console-password.png");
  answer_password (f, PASSWORD);
  WAIT_UNTIL (showing_screen (f));
  g_assert_true (hangar_console_test_has_tcp_connection_to (graphics_port (f)));
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

  if (f->guest.external == NULL)
    {
      g_test_skip ("qemu:///system cannot be opened");
      return;
    }

  /* The live XML: SPICE, and no port for anyone to connect to. */
  xml = virDomainGetXMLDesc (f->guest.domain, 0);
  g_assert_nonnull (strstr (xml, "<graphics type='spice'>"));
  g_assert_nonnull (strstr (xml, "<listen type='none'/>"));
  g_assert_null (strstr (xml, "port='"));

  /* Listed first, so hangar_window_show_console () shows it at once. (Its "pending" path,
   * which the /local case takes, disconnects the window's signal-group handlers by data in
   * clear_pending_console () and makes the window's dispose warn — UI's hangar-window.c.) */
  WAIT_UNTIL (hangar_connection_lookup_machine_by_name (f->app.connection, f->guest.name) != NULL);
  open_console (f, TRUE);
  begin = g_get_monotonic_time ();
  WAIT_UNTIL (showing_screen (f));
  g_test_message ("SPICE BIOS screen after %.0f ms", (g_get_monotonic_time () - begin) / 1000.0);
  session = hangar_display_get_session (hangar_console_page_get_display (f->page));
  g_assert_true (HANGAR_IS_SPICE_SESSION (session));
  WAIT_UNTIL (hangar_display_get_n_frames (hangar_console_page_get_display (f->page)) > 0);
  hangar_ui_test_save_screenshot (GTK_WIDGET (f->app.window), "console-spice-bios.png");
  hangar_console_test_settle (500);
  n_sockets = count_sockets ();

  /* As in the VNC case: destroy (cycle 2: QEMU killed), "not running", start, screen again;
   * cycle 1 is destroyed again as soon as it runs, while the channels may still wait for
   * their fds. */
  for (guint i = 0; i < N_SPICE_CYCLES; i++)
    {
      stop_and_start (f, "spice cycle", i, i == 2, i == 1, NULL);
      session = hangar_display_get_session (hangar_console_page_get_display (f->page));
      if (i != 1)
        g_assert_true (HANGAR_IS_SPICE_SESSION (session));
    }

  /* No socket left behind by the sessions that went away (nor by fds that came too late). */
  hangar_console_test_settle (500);
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
