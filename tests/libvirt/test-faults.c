/* test-faults.c: libvirt calls that fail or hang, injected by tests/shim/hangar-fault-shim.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * meson runs this with LD_PRELOAD set to the shim; each case sets HANGAR_FAULTS while no
 * worker runs.
 */

#include "config.h"

#include "hangar-error.h"
#include "hangar-test-utils.h"

typedef struct
{
  char             *tmpdir;
  char             *uri;
  HangarConnection *conn;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *world = hangar_test_copy_fixture ("world-small.xml", &f->tmpdir);

  g_unsetenv ("HANGAR_FAULTS");
  f->uri = g_strconcat ("test://", world, NULL);
  f->conn = hangar_connection_new (f->uri);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  hangar_connection_close (f->conn);
  hangar_test_finalize_object (g_steal_pointer (&f->conn));
  g_unsetenv ("HANGAR_FAULTS");
  hangar_test_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->uri);
}

static void
open_and_wait (Fixture *f)
{
  hangar_connection_open (f->conn);
  g_assert_true (hangar_test_wait_state (f->conn, HANGAR_CONNECTION_STATE_CONNECTED, 20000));
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

static void
test_start_fails (Fixture       *f,
                  gconstpointer  data)
{
  HangarMachine *bravo;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  guint state_notifies = 0;

  open_and_wait (f);
  bravo = hangar_connection_lookup_machine_by_name (f->conn, "bravo");
  g_signal_connect (bravo, "notify::state", G_CALLBACK (count_cb), &state_notifies);

  g_setenv ("HANGAR_FAULTS", "virDomainCreate:fail", TRUE);
  hangar_machine_run_async (bravo, HANGAR_MACHINE_ACTION_START, NULL, hangar_test_async_cb, &result);
  hangar_test_wait_async (&result, 10000);
  g_assert_false (hangar_machine_run_finish (bravo, result, &error));
  g_assert_error (error, HANGAR_ERROR, HANGAR_ERROR_LIBVIRT);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Could not start “bravo”: "));
  g_assert_nonnull (strstr (error->message, "hangar-injected-fault/virDomainCreate"));

  /* Nothing changed: the refresh after the failed action finds it still shut off. */
  hangar_test_iterate_for (300);
  g_assert_cmpint (hangar_machine_get_state (bravo), ==, HANGAR_MACHINE_STATE_SHUTOFF);
  g_assert_cmpuint (state_notifies, ==, 0);
  g_assert_false (hangar_machine_get_busy (bravo));
  g_assert_cmpint (hangar_connection_get_state (f->conn), ==, HANGAR_CONNECTION_STATE_CONNECTED);

  /* Without the fault it starts. */
  g_unsetenv ("HANGAR_FAULTS");
  g_clear_error (&error);
  hangar_machine_run_async (bravo, HANGAR_MACHINE_ACTION_START, NULL, hangar_test_async_cb, &result2);
  hangar_test_wait_async (&result2, 10000);
  g_assert_true (hangar_machine_run_finish (bravo, result2, &error));
  g_assert_no_error (error);
  g_signal_handlers_disconnect_by_data (bravo, &state_notifies);
}

static void
test_list_hangs (Fixture       *f,
                 gconstpointer  data)
{
  HangarGapProbe *probe;
  gint64 start, gap, elapsed;

  g_setenv ("HANGAR_FAULTS", "virConnectListAllDomains:hang=2", TRUE);
  probe = hangar_gap_probe_start ();
  start = g_get_monotonic_time ();
  hangar_connection_open (f->conn);

  /* Still connecting after a second: the hang is real, and the loop keeps running. */
  hangar_test_iterate_for (1000);
  g_assert_cmpint (hangar_connection_get_state (f->conn), ==, HANGAR_CONNECTION_STATE_CONNECTING);
  g_assert_true (hangar_test_wait_state (f->conn, HANGAR_CONNECTION_STATE_CONNECTED, 10000));
  elapsed = g_get_monotonic_time () - start;
  gap = hangar_gap_probe_stop (probe);
  g_unsetenv ("HANGAR_FAULTS");

  g_test_message ("connected after %.1f s, longest main loop gap %.1f ms", elapsed / 1e6, gap / 1000.0);
  g_assert_cmpint (elapsed, >=, 2 * G_USEC_PER_SEC);
  /* The loop ran while the list call hung: the state check above saw CONNECTING after a second of
   * iterations. The gap is a figure for tests/bench/startup-bench.py, not a bound a paused CI
   * machine could break. */
  g_assert_cmpuint (g_list_model_get_n_items (hangar_connection_get_machines (f->conn)), ==, 4);
}

static void
test_list_fails (Fixture       *f,
                 gconstpointer  data)
{
  const GError *error;

  g_setenv ("HANGAR_FAULTS", "virConnectGetAllDomainStats:fail", TRUE);
  hangar_connection_open (f->conn);
  g_assert_true (hangar_test_wait_state (f->conn, HANGAR_CONNECTION_STATE_DISCONNECTED, 10000));
  g_unsetenv ("HANGAR_FAULTS");

  error = hangar_connection_get_error (f->conn);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Connected to test:///"));
  g_assert_nonnull (strstr (error->message, "but: Could not list the machines: "));
  g_assert_cmpuint (g_list_model_get_n_items (hangar_connection_get_machines (f->conn)), ==, 0);

  /* Retrying works once the fault is gone. */
  hangar_connection_reconnect_now (f->conn);
  g_assert_true (hangar_test_wait_state (f->conn, HANGAR_CONNECTION_STATE_CONNECTED, 10000));
  g_assert_cmpuint (g_list_model_get_n_items (hangar_connection_get_machines (f->conn)), ==, 4);
}

static void
test_delete_volume_fails (Fixture       *f,
                          gconstpointer  data)
{
  const char * const volumes[] = { "/hangar-test-pool/alpha.qcow2", NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HangarMachine *alpha;

  open_and_wait (f);
  alpha = hangar_connection_lookup_machine_by_name (f->conn, "alpha");
  g_setenv ("HANGAR_FAULTS", "virStorageVolDelete:fail", TRUE);
  hangar_machine_delete_async (alpha, volumes, NULL, hangar_test_async_cb, &result);
  hangar_test_wait_async (&result, 10000);
  g_unsetenv ("HANGAR_FAULTS");

  g_assert_false (hangar_machine_delete_finish (alpha, result, &error));
  g_assert_error (error, HANGAR_ERROR, HANGAR_ERROR_LIBVIRT);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "“alpha” was deleted, but some of its disks were not: "
                                   "/hangar-test-pool/alpha.qcow2: "));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  hangar_event_loop_init ();

  if (g_getenv ("LD_PRELOAD") == NULL || strstr (g_getenv ("LD_PRELOAD"), "hangar-fault-shim") == NULL)
    {
      g_test_skip ("run me with LD_PRELOAD=…/hangar-fault-shim.so (meson test does)");
      return g_test_run ();
    }

  g_test_add ("/hangar/faults/start-fails", Fixture, NULL, fixture_setup, test_start_fails, fixture_teardown);
  g_test_add ("/hangar/faults/list-hangs", Fixture, NULL, fixture_setup, test_list_hangs, fixture_teardown);
  g_test_add ("/hangar/faults/list-fails", Fixture, NULL, fixture_setup, test_list_fails, fixture_teardown);
  g_test_add ("/hangar/faults/delete-volume-fails", Fixture, NULL, fixture_setup,
              test_delete_volume_fails, fixture_teardown);

  return g_test_run ();
}
