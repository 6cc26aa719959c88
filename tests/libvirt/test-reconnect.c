/* test-reconnect.c: losing the daemon (SIGKILL, SIGSTOP) and getting it back
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hangar-error.h"
#include "hangar-test-utils.h"

/* A private libvirtd, run unprivileged as "nobody" with its own runtime dir, so killing it
 * disturbs nobody else. Root reaches its socket with test+unix:///WORLD?socket=PATH. */
typedef struct
{
  char             *dir;
  char             *world;
  char             *socket;
  char             *uri;
  GPid              pid;
  HangarConnection *conn;
  GArray           *states;  /* HangarConnectionState, every change */
} Fixture;

static gboolean
socket_answers (gpointer data)
{
  Fixture *f = data;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gboolean ok;

  g_strlcpy (addr.sun_path, f->socket, sizeof addr.sun_path);
  ok = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
  close (fd);

  return ok;
}

static void
daemon_start (Fixture *f)
{
  g_autofree char *home = g_strdup_printf ("HOME=%s", f->dir);
  g_autofree char *run = g_strdup_printf ("XDG_RUNTIME_DIR=%s/run", f->dir);
  g_autofree char *config = g_strdup_printf ("XDG_CONFIG_HOME=%s/config", f->dir);
  g_autofree char *cache = g_strdup_printf ("XDG_CACHE_HOME=%s/cache", f->dir);
  const char *argv[] = { "/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                         "/usr/sbin/libvirtd", NULL };
  const char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", home, run, config, cache, NULL };
  g_autoptr(GError) error = NULL;

  g_spawn_async (f->dir, (char **) argv, (char **) envp,
                 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                 NULL, NULL, &f->pid, &error);
  g_assert_no_error (error);
  g_assert_true (hangar_test_wait_for (socket_answers, f, 20000));
}

static void
daemon_kill (Fixture *f)
{
  if (f->pid <= 0)
    return;

  kill (f->pid, SIGKILL);
  kill (f->pid, SIGCONT);
  waitpid (f->pid, NULL, 0);
  g_spawn_close_pid (f->pid);
  f->pid = 0;
}

static void
state_changed_cb (HangarConnection *conn,
                  GParamSpec       *pspec,
                  Fixture          *f)
{
  HangarConnectionState state = hangar_connection_get_state (conn);

  g_array_append_val (f->states, state);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  struct passwd *nobody = getpwnam ("nobody");
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_assert_nonnull (nobody);
  f->dir = g_dir_make_tmp ("hangar-test-model-daemon-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (chown (f->dir, nobody->pw_uid, nobody->pw_gid), ==, 0);

  g_file_get_contents (g_test_get_filename (G_TEST_DIST, "fixtures", "world-small.xml", NULL),
                       &contents, NULL, &error);
  g_assert_no_error (error);
  f->world = g_build_filename (f->dir, "world.xml", NULL);
  g_file_set_contents (f->world, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chown (f->world, nobody->pw_uid, nobody->pw_gid), ==, 0);

  f->socket = g_build_filename (f->dir, "run", "libvirt", "libvirt-sock", NULL);
  f->uri = g_strdup_printf ("test+unix://%s?socket=%s", f->world, f->socket);
  f->states = g_array_new (FALSE, FALSE, sizeof (HangarConnectionState));
  daemon_start (f);

  f->conn = hangar_connection_new (f->uri);
  /* The hang test keeps Hangar's default keepalive, the one users get; the others need none. */
  hangar_connection_open (f->conn);
  g_assert_true (hangar_test_wait_state (f->conn, HANGAR_CONNECTION_STATE_CONNECTED, 20000));
  g_assert_false (hangar_connection_get_is_local (f->conn) == FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (hangar_connection_get_machines (f->conn)), ==, 4);
  g_signal_connect (f->conn, "notify::state", G_CALLBACK (state_changed_cb), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (f->conn, f);
      hangar_connection_close (f->conn);
    }
  /* Before the finalize wait: a worker stuck on a stopped daemon lets go once it is dead. */
  daemon_kill (f);
  if (f->conn != NULL)
    hangar_test_finalize_object (g_steal_pointer (&f->conn));
  hangar_test_rm_rf (f->dir);
  g_clear_pointer (&f->states, g_array_unref);
  g_free (f->dir);
  g_free (f->world);
  g_free (f->socket);
  g_free (f->uri);
}

typedef struct
{
  GAsyncResult *result;
  guint         calls;
} ActionWait;

static void
action_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ActionWait *w = user_data;

  w->calls++;
  g_set_object (&w->result, result);
}

static gboolean
action_done (gpointer data)
{
  return ((ActionWait *) data)->result != NULL;
}

static gboolean
not_connected (gpointer data)
{
  return hangar_connection_get_state (data) != HANGAR_CONNECTION_STATE_CONNECTED;
}

static void
assert_action_lost (HangarMachine *m,
                    ActionWait    *w,
                    const char    *verb)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = g_strdup_printf ("Could not %s “%s”: the connection to test+unix://",
                                             verb, hangar_machine_get_name (m));

  g_assert_true (hangar_test_wait_for (action_done, w, 10000));
  g_assert_false (hangar_machine_run_finish (m, w->result, &error));
  g_assert_error (error, HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED);
  g_test_message ("action error: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_true (g_str_has_suffix (error->message, "Hangar reconnects by itself; try again once it is back."));
  g_assert_false (hangar_machine_get_busy (m));
}

static void
assert_restored (Fixture       *f,
                 HangarMachine *kept)
{
  g_assert_true (hangar_test_wait_state (f->conn, HANGAR_CONNECTION_STATE_CONNECTED, 20000));
  g_assert_null (hangar_connection_get_error (f->conn));
  g_assert_cmpuint (g_list_model_get_n_items (hangar_connection_get_machines (f->conn)), ==, 4);
  /* The same objects come back, bound to the new connection, matching the daemon's world. */
  g_assert_true (hangar_connection_lookup_machine_by_name (f->conn, hangar_machine_get_name (kept)) == kept);
  g_assert_true (hangar_machine_get_available (kept));
  g_assert_cmpint (hangar_machine_get_state (hangar_connection_lookup_machine_by_name (f->conn, "bravo")),
                   ==, HANGAR_MACHINE_STATE_SHUTOFF);
  g_assert_cmpint (hangar_machine_get_state (hangar_connection_lookup_machine_by_name (f->conn, "alpha")),
                   ==, HANGAR_MACHINE_STATE_RUNNING);
}

/* How many clients the private daemon has: after a reconnect, only the new connection may be
 * left (the old one closed, its callbacks gone with it, nothing registered twice). */
static int
daemon_client_count (Fixture *f)
{
  g_autofree char *home = g_strdup_printf ("HOME=%s", f->dir);
  g_autofree char *run = g_strdup_printf ("XDG_RUNTIME_DIR=%s/run", f->dir);
  const char *argv[] = { "/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                         "/usr/bin/virt-admin", "-c", "libvirtd:///session", "srv-clients-list",
                         "libvirtd", NULL };
  const char *envp[] = { "PATH=/usr/bin:/bin", home, run, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  int status, n = 0;

  /* Out of process (libvirt-admin.so and libvirt.so register the same GTypes, so they cannot
   * share one), and as the daemon's user (its admin socket admits no one else). Each client is
   * a line whose first field is its numeric id. */
  g_spawn_sync (NULL, (char **) argv, (char **) envp, G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      if (g_ascii_isdigit (lines[i][0]))
        n++;
    }

  return n;
}

static gboolean
one_client (gpointer data)
{
  return daemon_client_count (data) == 1;
}

static void
test_kill (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(HangarMachine) bravo = g_object_ref (hangar_connection_lookup_machine_by_name (f->conn, "bravo"));
  ActionWait w = { NULL, 0 };
  const GError *error;

  /* Stopped first, so that the start is surely in flight when the daemon dies. */
  g_assert_cmpint (kill (f->pid, SIGSTOP), ==, 0);
  hangar_machine_run_async (bravo, HANGAR_MACHINE_ACTION_START, NULL, action_cb, &w);
  hangar_test_iterate_for (200);
  g_assert_cmpuint (w.calls, ==, 0);
  daemon_kill (f);

  assert_action_lost (bravo, &w, "start");
  g_assert_true (hangar_test_wait_state (f->conn, HANGAR_CONNECTION_STATE_RECONNECTING, 5000));
  error = hangar_connection_get_error (f->conn);
  g_assert_error ((GError *) error, HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED);
  g_test_message ("connection error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "Lost the connection to test+unix://"));
  g_assert_nonnull (hangar_connection_get_status (f->conn));
  g_assert_false (hangar_machine_get_available (bravo));
  g_assert_false (hangar_machine_can (bravo, HANGAR_MACHINE_ACTION_START));
  /* Machines stay listed (greyed out by the UI) while it reconnects. */
  g_assert_cmpuint (g_list_model_get_n_items (hangar_connection_get_machines (f->conn)), ==, 4);

  /* A few failed attempts against the dead socket, then the daemon is back. */
  hangar_test_iterate_for (1500);
  g_assert_cmpint (hangar_connection_get_state (f->conn), ==, HANGAR_CONNECTION_STATE_RECONNECTING);
  g_assert_nonnull (strstr (hangar_connection_get_status (f->conn), "Trying again"));
  daemon_start (f);
  assert_restored (f, bravo);
  g_assert_cmpint (daemon_client_count (f), ==, 1);

  g_assert_cmpuint (w.calls, ==, 1);
  g_assert_cmpuint (f->states->len, ==, 2);
  g_assert_cmpint (g_array_index (f->states, HangarConnectionState, 0), ==, HANGAR_CONNECTION_STATE_RECONNECTING);
  g_assert_cmpint (g_array_index (f->states, HangarConnectionState, 1), ==, HANGAR_CONNECTION_STATE_CONNECTED);

  /* And it works: one action, one state change, no duplicate event handling. */
  {
    g_autoptr(GError) run_error = NULL;
    ActionWait w2 = { NULL, 0 };

    hangar_machine_run_async (bravo, HANGAR_MACHINE_ACTION_START, NULL, action_cb, &w2);
    g_assert_true (hangar_test_wait_for (action_done, &w2, 10000));
    g_assert_true (hangar_machine_run_finish (bravo, w2.result, &run_error));
    g_assert_no_error (run_error);
    g_clear_object (&w2.result);
  }
  g_clear_object (&w.result);
}

static void
test_hang (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(HangarMachine) alpha = g_object_ref (hangar_connection_lookup_machine_by_name (f->conn, "alpha"));
  HangarGapProbe *probe = hangar_gap_probe_start ();
  ActionWait w = { NULL, 0 };
  gint64 start, gap;

  g_assert_cmpint (kill (f->pid, SIGSTOP), ==, 0);
  start = g_get_monotonic_time ();
  hangar_machine_run_async (alpha, HANGAR_MACHINE_ACTION_PAUSE, NULL, action_cb, &w);

  /* Keepalive (the default 5 s × 2) gives up on the silent daemon 10–15 s after its last packet;
   * nothing waits on the main thread meanwhile. */
  g_assert_true (hangar_test_wait_for (not_connected, f->conn, 25000));
  g_test_message ("hung daemon noticed after %.1f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (hangar_connection_get_state (f->conn), ==, HANGAR_CONNECTION_STATE_RECONNECTING);
  g_assert_nonnull (strstr (hangar_connection_get_error (f->conn)->message, "the daemon stopped answering"));
  assert_action_lost (alpha, &w, "pause");

  /* The reconnect attempt hangs in its worker on the stopped daemon; the UI stays live. */
  hangar_test_iterate_for (1500);
  g_assert_cmpint (hangar_connection_get_state (f->conn), ==, HANGAR_CONNECTION_STATE_RECONNECTING);

  g_assert_cmpint (kill (f->pid, SIGCONT), ==, 0);
  assert_restored (f, alpha);

  gap = hangar_gap_probe_stop (probe);
  g_test_message ("longest main loop gap: %.1f ms", gap / 1000.0);
  g_assert_true (hangar_test_wait_for (one_client, f, 5000));
  /* The loop ran while the daemon hung: the state was read between iterations above. The gap is a
   * figure for tests/bench/startup-bench.py, not a bound a paused CI machine could break. */
  g_assert_cmpuint (w.calls, ==, 1);
  g_clear_object (&w.result);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  hangar_event_loop_init ();

  if (geteuid () != 0 || !g_file_test ("/usr/sbin/libvirtd", G_FILE_TEST_IS_EXECUTABLE) ||
      getpwnam ("nobody") == NULL)
    {
      g_test_skip ("needs root (to run a private libvirtd as nobody) and libvirtd");
      return g_test_run ();
    }

  g_test_add ("/hangar/reconnect/kill", Fixture, NULL, fixture_setup, test_kill, fixture_teardown);
  g_test_add ("/hangar/reconnect/hang", Fixture, NULL, fixture_setup, test_hang, fixture_teardown);

  return g_test_run ();
}
