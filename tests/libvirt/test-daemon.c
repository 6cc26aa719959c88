/* test-daemon.c: the model on the real system libvirtd (qemu:///system) with TCG guests
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <unistd.h>

#include "hangar-error.h"
#include "hangar-test-utils.h"

/* Everything this test makes starts with this, so teardown (and a later run) can find it. */
#define PREFIX "hangar-test-model-"
#define POOL   PREFIX "pool"

typedef struct
{
  HangarConnection *conn;
  virConnectPtr     external;  /* a second client, as virsh would be */
  char             *tmpdir;
  char             *name;
} Fixture;

static char *
domain_xml (const char *name,
            const char *disk)
{
  g_autofree char *escaped = g_markup_escape_text (name, -1);
  g_autofree char *disk_xml = NULL;

  if (disk != NULL)
    {
      g_autofree char *path = g_markup_escape_text (disk, -1);

      disk_xml = g_strdup_printf ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                                  "<source file='%s'/><target dev='vda' bus='virtio'/></disk>", path);
    }

  /* No OS, no network, 64 MiB, TCG: the firmware runs and finds nothing to boot. */
  return g_strdup_printf ("<domain type='qemu'><name>%s</name>"
                          "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                          "<os><type arch='x86_64'>hvm</type></os>"
                          "<on_poweroff>destroy</on_poweroff>"
                          "<devices>%s<graphics type='vnc' port='-1'/></devices></domain>",
                          escaped, disk_xml ? disk_xml : "");
}

/* Removes every domain and the pool a test (this one or an earlier, crashed one) made. */
static void
cleanup_external (virConnectPtr conn)
{
  virDomainPtr *doms = NULL;
  virStoragePoolPtr pool;
  int n = virConnectListAllDomains (conn, &doms, 0);

  for (int i = 0; i < n; i++)
    {
      if (g_str_has_prefix (virDomainGetName (doms[i]), PREFIX))
        {
          if (virDomainIsActive (doms[i]) == 1)
            virDomainDestroy (doms[i]);
          if (virDomainIsPersistent (doms[i]) == 1 &&
              virDomainUndefineFlags (doms[i], VIR_DOMAIN_UNDEFINE_NVRAM |
                                      VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) < 0)
            virDomainUndefine (doms[i]);
        }
      virDomainFree (doms[i]);
    }
  g_free (doms);

  pool = virStoragePoolLookupByName (conn, POOL);
  if (pool != NULL)
    {
      if (virStoragePoolIsActive (pool) == 1)
        virStoragePoolDestroy (pool);
      if (virStoragePoolIsPersistent (pool) == 1)
        virStoragePoolUndefine (pool);
      virStoragePoolFree (pool);
    }
  virResetLastError ();
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->external = virConnectOpen ("qemu:///system");
  g_assert_nonnull (f->external);
  cleanup_external (f->external);
  f->name = g_strdup_printf (PREFIX "%d-%s <&> ünï", (int) getpid (), (const char *) data);

  f->conn = hangar_connection_new ("qemu:///system");
  hangar_connection_open (f->conn);
  g_assert_true (hangar_test_wait_state (f->conn, HANGAR_CONNECTION_STATE_CONNECTED, 20000));
  g_assert_cmpstr (hangar_connection_get_title (f->conn), ==, "QEMU/KVM (system)");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  hangar_connection_close (f->conn);
  hangar_test_finalize_object (g_steal_pointer (&f->conn));
  cleanup_external (f->external);
  virConnectClose (f->external);
  hangar_test_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->name);
}

typedef struct
{
  Fixture            *f;
  gboolean            present;
  HangarMachineState  state;
} Expect;

static gboolean
expectation_met (gpointer data)
{
  Expect *e = data;
  HangarMachine *m = hangar_connection_lookup_machine_by_name (e->f->conn, e->f->name);

  if (!e->present)
    return m == NULL;

  return m != NULL && hangar_machine_get_state (m) == e->state && !hangar_machine_get_busy (m);
}

/* Through events alone (the model never polls): without the event the state would never change.
 * The latency is printed, not asserted: speed belongs in benchmarks, and a loaded CI machine
 * must not fail a correct model (it is a few milliseconds when the machine is quiet). */
static void
expect_by_event (Fixture            *f,
                  gboolean            present,
                  HangarMachineState  state,
                  const char         *what)
{
  Expect e = { f, present, state };
  gint64 start = g_get_monotonic_time ();

  g_assert_true (hangar_test_wait_for (expectation_met, &e, 10000));
  g_test_message ("%s seen after %.0f ms", what, (g_get_monotonic_time () - start) / 1000.0);
}

static gboolean
title_set (gpointer data)
{
  Fixture *f = data;
  HangarMachine *m = hangar_connection_lookup_machine_by_name (f->conn, f->name);

  return m != NULL && g_strcmp0 (hangar_machine_get_title (m), "Title <&> “ünï”") == 0;
}

static void
test_outside_changes (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *xml = domain_xml (f->name, NULL);
  virDomainPtr dom;

  dom = virDomainDefineXML (f->external, xml);
  g_assert_nonnull (dom);
  expect_by_event (f, TRUE, HANGAR_MACHINE_STATE_SHUTOFF, "define");
  g_assert_cmpuint (hangar_machine_get_memory (hangar_connection_lookup_machine_by_name (f->conn, f->name)),
                    ==, 65536);

  /* A metadata event carries the new title (and the refresh it causes reads the XML). */
  g_assert_cmpint (virDomainSetMetadata (dom, VIR_DOMAIN_METADATA_TITLE, "Title <&> “ünï”", NULL, NULL,
                                         VIR_DOMAIN_AFFECT_CONFIG), ==, 0);
  g_assert_true (hangar_test_wait_for (title_set, f, 10000));

  g_assert_cmpint (virDomainCreate (dom), ==, 0);
  expect_by_event (f, TRUE, HANGAR_MACHINE_STATE_RUNNING, "start");

  g_assert_cmpint (virDomainSuspend (dom), ==, 0);
  expect_by_event (f, TRUE, HANGAR_MACHINE_STATE_PAUSED, "suspend");

  g_assert_cmpint (virDomainDestroy (dom), ==, 0);
  expect_by_event (f, TRUE, HANGAR_MACHINE_STATE_SHUTOFF, "destroy");

  g_assert_cmpint (virDomainUndefine (dom), ==, 0);
  expect_by_event (f, FALSE, 0, "undefine");
  virDomainFree (dom);
}

static void
run_action (HangarMachine       *m,
            HangarMachineAction  action)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  hangar_machine_run_async (m, action, NULL, hangar_test_async_cb, &result);
  hangar_test_wait_async (&result, 30000);
  ok = hangar_machine_run_finish (m, result, &error);
  /* The error first: its message says what libvirt refused. */
  g_assert_no_error (error);
  g_assert_true (ok);
}

static guint
count_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static gboolean
fds_back_to (gpointer data)
{
  return count_open_fds () == GPOINTER_TO_UINT (data);
}

static void
test_lifecycle (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *xml = domain_xml (f->name, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HangarMachineSample sample = { 0 };
  HangarMachine *m;
  virDomainPtr dom;

  dom = virDomainDefineXML (f->external, xml);
  g_assert_nonnull (dom);
  virDomainFree (dom);
  expect_by_event (f, TRUE, HANGAR_MACHINE_STATE_SHUTOFF, "define");
  m = hangar_connection_lookup_machine_by_name (f->conn, f->name);

  run_action (m, HANGAR_MACHINE_ACTION_START);
  expect_by_event (f, TRUE, HANGAR_MACHINE_STATE_RUNNING, "start");
  g_assert_cmpuint (hangar_machine_get_vcpus (m), ==, 1);

  hangar_machine_sample_async (m, NULL, hangar_test_async_cb, &result);
  hangar_test_wait_async (&result, 10000);
  g_assert_true (hangar_machine_sample_finish (m, result, &sample, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sample.cpu_time_ns, >, 0);
  g_assert_cmpuint (sample.memory_total_kib, ==, 65536);
  g_assert_cmpuint (sample.vcpus, ==, 1);
  g_clear_object (&result);

  /* The console's way in: a socket to QEMU's VNC server, which greets with its RFB version. */
  {
    char banner[13] = { 0 };
    int fd;

    hangar_machine_open_graphics_fd_async (m, 0, NULL, hangar_test_async_cb, &result);
    hangar_test_wait_async (&result, 10000);
    fd = hangar_machine_open_graphics_fd_finish (m, result, &error);
    g_assert_no_error (error);
    g_assert_cmpint (fd, >=, 0);
    g_assert_cmpint (read (fd, banner, 12), ==, 12);
    g_assert_true (g_str_has_prefix (banner, "RFB 003."));
    close (fd);
    g_clear_object (&result);
  }

  /* A console that went away before its socket arrived: the socket is closed, not leaked. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    guint before = count_open_fds ();
    int fd;

    g_cancellable_cancel (cancellable);
    hangar_machine_open_graphics_fd_async (m, 0, cancellable, hangar_test_async_cb, &result);
    hangar_test_wait_async (&result, 10000);
    fd = hangar_machine_open_graphics_fd_finish (m, result, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpint (fd, ==, -1);
    g_clear_error (&error);
    g_clear_object (&result);
    /* The worker thread may hold the last reference of the task for a moment after the
     * callback ran, so the socket is closed there, shortly after: wait for it, and fail only
     * if it stays open. */
    if (!hangar_test_wait_for (fds_back_to, GUINT_TO_POINTER (before), 5000))
      g_assert_cmpuint (count_open_fds (), ==, before);
  }

  run_action (m, HANGAR_MACHINE_ACTION_PAUSE);
  expect_by_event (f, TRUE, HANGAR_MACHINE_STATE_PAUSED, "pause");
  run_action (m, HANGAR_MACHINE_ACTION_RESUME);
  expect_by_event (f, TRUE, HANGAR_MACHINE_STATE_RUNNING, "resume");
  run_action (m, HANGAR_MACHINE_ACTION_FORCE_OFF);
  expect_by_event (f, TRUE, HANGAR_MACHINE_STATE_SHUTOFF, "force off");
}

static void
test_delete_with_volume (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HangarMachineDetails) details = NULL;
  g_autofree char *pool_xml = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *vol_path = NULL;
  const char *vol_xml = "<volume><name>" PREFIX "disk.qcow2</name><capacity unit='MiB'>16</capacity>"
                        "<target><format type='qcow2'/></target></volume>";
  virStoragePoolPtr pool;
  virStorageVolPtr vol;
  virDomainPtr dom;
  HangarMachine *m;

  f->tmpdir = g_dir_make_tmp (PREFIX "pool-XXXXXX", &error);
  g_assert_no_error (error);
  pool_xml = g_strdup_printf ("<pool type='dir'><name>" POOL "</name><target><path>%s</path></target></pool>",
                              f->tmpdir);
  pool = virStoragePoolCreateXML (f->external, pool_xml, 0);
  g_assert_nonnull (pool);
  vol = virStorageVolCreateXML (pool, vol_xml, 0);
  g_assert_nonnull (vol);
  vol_path = virStorageVolGetPath (vol);
  virStorageVolFree (vol);
  g_assert_true (g_file_test (vol_path, G_FILE_TEST_EXISTS));

  xml = domain_xml (f->name, vol_path);
  dom = virDomainDefineXML (f->external, xml);
  g_assert_nonnull (dom);
  virDomainFree (dom);
  expect_by_event (f, TRUE, HANGAR_MACHINE_STATE_SHUTOFF, "define");
  m = hangar_connection_lookup_machine_by_name (f->conn, f->name);

  hangar_machine_load_details_async (m, NULL, hangar_test_async_cb, &result);
  hangar_test_wait_async (&result, 10000);
  details = hangar_machine_load_details_finish (m, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (details->disk_paths[0], ==, vol_path);
  g_assert_null (details->disk_paths[1]);
  g_assert_cmpstr (details->emulator_type, ==, "qemu");
  g_assert_cmpstr (details->graphics, ==, "VNC");
  g_clear_object (&result);

  hangar_machine_delete_async (m, (const char * const *) details->disk_paths, NULL,
                               hangar_test_async_cb, &result);
  hangar_test_wait_async (&result, 30000);
  g_assert_true (hangar_machine_delete_finish (m, result, &error));
  g_assert_no_error (error);
  expect_by_event (f, FALSE, 0, "delete");

  g_assert_false (g_file_test (vol_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (virStoragePoolRefresh (pool, 0), ==, 0);
  g_assert_null (virStorageVolLookupByPath (f->external, vol_path));
  virResetLastError ();
  g_assert_null (virDomainLookupByName (f->external, f->name));
  virResetLastError ();
  virStoragePoolFree (pool);
}

int
main (int   argc,
      char *argv[])
{
  virConnectPtr probe;

  g_test_init (&argc, &argv, NULL);
  hangar_event_loop_init ();

  /* Needs a system daemon that lets us in (root, or the libvirt group) and QEMU. */
  probe = virConnectOpen ("qemu:///system");
  if (probe == NULL || !g_file_test ("/usr/bin/qemu-system-x86_64", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("qemu:///system or qemu-system-x86_64 is not available");
      g_test_add_func ("/hangar/daemon/skipped", (GTestFunc) (void (*) (void)) g_test_incomplete);
      return g_test_run ();
    }
  virConnectClose (probe);

  g_test_add ("/hangar/daemon/outside-changes", Fixture, "outside", fixture_setup,
              test_outside_changes, fixture_teardown);
  g_test_add ("/hangar/daemon/lifecycle", Fixture, "lifecycle", fixture_setup,
              test_lifecycle, fixture_teardown);
  g_test_add ("/hangar/daemon/delete-with-volume", Fixture, "delete", fixture_setup,
              test_delete_with_volume, fixture_teardown);

  return g_test_run ();
}
