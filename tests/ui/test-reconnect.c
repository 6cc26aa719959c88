/* test-reconnect.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window while its daemon goes away and comes back. The daemon is a private libvirtd run
 * as "nobody" in a temporary directory (as tests/libvirt/test-reconnect.c does), so killing it
 * disturbs nothing else; root reaches it with test+unix:///WORLD?socket=PATH.
 */

#include "config.h"

#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hangar-connection.h"
#include "hangar-machine.h"
#include "hangar-machine-list.h"
#include "hangar-machine-page.h"
#include "hangar-ui-test-utils.h"
#include "hangar-window.h"

typedef struct
{
  char             *dir;
  char             *socket;
  GPid              pid;
} Daemon;

static gboolean
socket_answers (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gboolean ok;

  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  ok = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
  close (fd);

  return ok;
}

static void
daemon_start (Daemon *daemon)
{
  g_autofree char *home = g_strdup_printf ("HOME=%s", daemon->dir);
  g_autofree char *run = g_strdup_printf ("XDG_RUNTIME_DIR=%s/run", daemon->dir);
  g_autofree char *config = g_strdup_printf ("XDG_CONFIG_HOME=%s/config", daemon->dir);
  g_autofree char *cache = g_strdup_printf ("XDG_CACHE_HOME=%s/cache", daemon->dir);
  /* --pdeathsig: the daemon dies with this test even when an assertion aborts it. */
  const char *argv[] = { "/usr/bin/setpriv", "--pdeathsig", "SIGKILL", "--reuid=nobody",
                         "--regid=nogroup", "--clear-groups", "/usr/sbin/libvirtd", NULL };
  const char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", home, run, config, cache, NULL };
  g_autoptr(GError) error = NULL;

  g_spawn_async (daemon->dir, (char **) argv, (char **) envp,
                 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                 G_SPAWN_STDERR_TO_DEV_NULL,
                 NULL, NULL, &daemon->pid, &error);
  g_assert_no_error (error);
  WAIT_UNTIL (socket_answers (daemon->socket));
}

static void
daemon_kill (Daemon *daemon)
{
  if (daemon->pid <= 0)
    return;

  kill (daemon->pid, SIGKILL);
  waitpid (daemon->pid, NULL, 0);
  g_spawn_close_pid (daemon->pid);
  daemon->pid = 0;
}

static void
rm_rf (const char *path)
{
  const char *argv[] = { "rm", "-rf", path, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
}

static void
test_daemon_lost (void)
{
  struct passwd *nobody = getpwnam ("nobody");
  Daemon daemon = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *world = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(HangarConnection) connection = NULL;
  g_autoptr(GListStore) store = NULL;
  HangarMachineList *list;
  HangarMachinePage *page;
  HangarWindow *window;
  GListModel *model;
  GtkWidget *list_view;

  if (geteuid () != 0 || nobody == NULL ||
      !g_file_test ("/usr/sbin/libvirtd", G_FILE_TEST_IS_EXECUTABLE) ||
      !g_file_test ("/usr/bin/setpriv", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("needs root (to run a private libvirtd as nobody), libvirtd and setpriv");
      return;
    }

  daemon.dir = g_dir_make_tmp ("hangar-test-ui-daemon-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (chown (daemon.dir, nobody->pw_uid, nobody->pw_gid), ==, 0);
  g_file_get_contents (g_test_get_filename (G_TEST_DIST, "world.xml", NULL), &contents, NULL,
                       &error);
  g_assert_no_error (error);
  world = g_build_filename (daemon.dir, "world.xml", NULL);
  g_file_set_contents (world, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chown (world, nobody->pw_uid, nobody->pw_gid), ==, 0);
  daemon.socket = g_build_filename (daemon.dir, "run", "libvirt", "libvirt-sock", NULL);
  uri = g_strdup_printf ("test+unix://%s?socket=%s", world, daemon.socket);
  daemon_start (&daemon);

  connection = hangar_connection_new (uri);
  hangar_connection_set_keepalive (connection, 1, 2);
  store = g_list_store_new (HANGAR_TYPE_CONNECTION);
  g_list_store_append (store, connection);
  hangar_connection_open (connection);

  window = g_object_new (HANGAR_TYPE_WINDOW, "connections", store,
                         "default-width", 1000, "default-height", 640, NULL);
  gtk_window_present (GTK_WINDOW (window));
  list = HANGAR_MACHINE_LIST (hangar_window_get_machine_list (window));
  page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (window));
  model = hangar_machine_list_get_model (list);
  WAIT_UNTIL (g_list_model_get_n_items (model) == 5);
  g_assert_cmpstr (hangar_machine_list_get_view_name (list), ==, "machines");

  /* Kill the daemon: the list says the connection is lost and why, and offers to reconnect. */
  daemon_kill (&daemon);
  WAIT_UNTIL (hangar_connection_get_state (connection) == HANGAR_CONNECTION_STATE_RECONNECTING);
  g_assert_cmpstr (hangar_machine_list_get_view_name (list), ==, "reconnecting");
  g_assert_nonnull (hangar_connection_get_status (connection));
  hangar_ui_test_save_screenshot (GTK_WIDGET (window), "ui-connection-lost.png");

  /* While it is gone a machine page offers no lifecycle action. */
  list_view = hangar_ui_test_find_descendant (GTK_WIDGET (list), GTK_TYPE_LIST_VIEW);
  gtk_stack_set_visible_child_name (GTK_STACK (gtk_widget_get_ancestor (GTK_WIDGET (list),
                                                                        GTK_TYPE_STACK)), "list");
  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", 0));
  g_assert_nonnull (hangar_machine_page_get_machine (page));
  g_assert_false (hangar_machine_can (hangar_machine_page_get_machine (page),
                                      HANGAR_MACHINE_ACTION_START));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.back", NULL));

  /* Bring it back: Hangar reconnects by itself and the list returns. */
  daemon_start (&daemon);
  WAIT_UNTIL (hangar_connection_get_state (connection) == HANGAR_CONNECTION_STATE_CONNECTED);
  WAIT_UNTIL (g_strcmp0 (hangar_machine_list_get_view_name (list), "machines") == 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5);

  gtk_window_destroy (GTK_WINDOW (window));
  hangar_connection_close (connection);
  daemon_kill (&daemon);
  rm_rf (daemon.dir);
  g_free (daemon.dir);
  g_free (daemon.socket);
}

int
main (int   argc,
      char *argv[])
{
  if (!hangar_ui_test_init (&argc, &argv))
    return 0;

  g_test_add_func ("/hangar/ui/reconnect/daemon-lost", test_daemon_lost);

  return g_test_run ();
}
