/* test-model.c: model units without a daemon
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "hangar-connection-private.h"
#include "hangar-error.h"
#include "hangar-machine-private.h"
#include "hangar-model-enums.h"
#include "hangar-os-db.h"

#define S(x) HANGAR_MACHINE_STATE_##x
#define A(x) HANGAR_MACHINE_ACTION_##x

static void
test_state_table (void)
{
  /* Rows: states; columns: start, shutdown, reboot, force off, pause, resume, delete. */
  static const struct { HangarMachineState state; gboolean allows[7]; } table[] = {
    { S (NOSTATE),     { 0, 0, 0, 0, 0, 0, 1 } },
    { S (RUNNING),     { 0, 1, 1, 1, 1, 0, 1 } },
    { S (BLOCKED),     { 0, 1, 1, 1, 1, 0, 1 } },
    { S (PAUSED),      { 0, 0, 0, 1, 0, 1, 1 } },
    { S (SHUTDOWN),    { 0, 0, 0, 1, 0, 0, 1 } },
    { S (SHUTOFF),     { 1, 0, 0, 0, 0, 0, 1 } },
    { S (CRASHED),     { 0, 0, 0, 1, 0, 0, 1 } },
    { S (PMSUSPENDED), { 0, 0, 0, 1, 0, 1, 1 } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    for (guint a = A (START); a <= A (DELETE); a++)
      {
        g_test_message ("state %d action %u", table[i].state, a);
        g_assert_cmpint (hangar_machine_state_allows (table[i].state, a), ==, table[i].allows[a]);
      }
}

static void
test_state_labels (void)
{
  GEnumClass *klass = g_type_class_ref (HANGAR_TYPE_MACHINE_STATE);

  for (guint i = 0; i < klass->n_values; i++)
    {
      HangarMachineState state = klass->values[i].value;

      g_assert_nonnull (hangar_machine_state_to_label (state));
      g_assert_cmpstr (hangar_machine_state_to_label (state), !=, "");
      g_assert_true (g_str_has_suffix (hangar_machine_state_to_icon (state), "-symbolic"));
    }
  g_type_class_unref (klass);

  g_assert_cmpstr (hangar_machine_state_to_label (S (RUNNING)), ==, "Running");
  g_assert_cmpstr (hangar_machine_state_to_label (S (SHUTOFF)), ==, "Shut off");
  g_assert_cmpstr (hangar_machine_state_to_icon (S (RUNNING)), ==, "media-playback-start-symbolic");
  g_assert_cmpstr (hangar_machine_state_to_icon (S (PAUSED)), ==, "media-playback-pause-symbolic");
  g_assert_cmpstr (hangar_machine_state_to_icon (S (SHUTOFF)), ==, "system-shutdown-symbolic");
  g_assert_cmpstr (hangar_machine_state_to_icon (S (CRASHED)), ==, "dialog-warning-symbolic");
}

static void
test_uri_valid (void)
{
  static const struct { const char *uri; const char *title; gboolean local; } good[] = {
    { "qemu:///system", "QEMU/KVM (system)", TRUE },
    { "qemu:///session", "QEMU (session)", TRUE },
    { "test:///tmp/dir/world.xml", "Test: world.xml", TRUE },
    { "test:///default", "Test: default", TRUE },
    { "qemu+ssh://host/system", "host (QEMU/KVM via SSH)", FALSE },
    { "qemu+ssh://user@host.example.org:2222/system", "host.example.org (QEMU/KVM via SSH)", FALSE },
    { "qemu+ssh://user@host/session", "host (QEMU session via SSH)", FALSE },
    { "qemu+tls://10.0.0.1/system", "10.0.0.1 (QEMU/KVM via TLS)", FALSE },
    { "qemu+unix:///session?socket=/run/user/1000/libvirt/libvirt-sock", "QEMU (session)", TRUE },
    { "test+unix:///default?socket=/tmp/x/libvirt-sock", "Test: default", TRUE },
    { "lxc:///system", "LXC (system)", TRUE },
    { "test:///tmp/d%C3%BCr/world%20one.xml", NULL, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(HangarConnection) conn = hangar_connection_new (good[i].uri);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", good[i].uri);
      g_assert_true (hangar_validate_uri (good[i].uri, &error));
      g_assert_no_error (error);
      if (good[i].title != NULL)
        g_assert_cmpstr (hangar_connection_get_title (conn), ==, good[i].title);
      g_assert_cmpint (hangar_connection_get_is_local (conn), ==, good[i].local);
      g_assert_cmpint (hangar_connection_get_state (conn), ==, HANGAR_CONNECTION_STATE_DISCONNECTED);
    }
}

static void
test_uri_invalid (void)
{
  static const char * const bad[] = {
    "", "   ", "system", "qemu", "qemu:/system", "qemu://", "qemu:///", "qemu:///systemd",
    "qemu:///sys tem", "kvm:///system", "qemu+smoke://host/system", "qemu+ssh:///system",
    "qemu+tls:///system", "test://", "test:///", "http://example.org/", "qemu+ssh://[::1/system",
    "qemu:///system\n",
  };

  g_assert_false (hangar_validate_uri (NULL, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("“%s”", bad[i]);
      g_assert_false (hangar_validate_uri (bad[i], &error));
      g_assert_error (error, HANGAR_ERROR, HANGAR_ERROR_INVALID_URI);
      g_assert_cmpuint (strlen (error->message), >, 20);
    }
}

static void
test_uri_invalid_open (void)
{
  g_autoptr(HangarConnection) conn = hangar_connection_new ("kvm:///system");
  const GError *error;

  hangar_connection_open (conn);
  g_assert_cmpint (hangar_connection_get_state (conn), ==, HANGAR_CONNECTION_STATE_DISCONNECTED);
  error = hangar_connection_get_error (conn);
  g_assert_error ((GError *) error, HANGAR_ERROR, HANGAR_ERROR_INVALID_URI);
  g_assert_cmpstr (hangar_connection_get_status (conn), ==, error->message);
}

static virError
fake_error (int         code,
            int         domain,
            int         sys_errno,
            const char *message)
{
  virError err = { 0 };

  err.code = code;
  err.domain = domain;
  err.int1 = sys_errno;
  err.message = (char *) message;

  return err;
}

static void
test_error_open (void)
{
  virError denied = fake_error (VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC, EACCES,
                                "Failed to connect socket to '/var/run/libvirt/libvirt-sock': "
                                "Permission denied");
  virError polkit = fake_error (VIR_ERR_AUTH_UNAVAILABLE, VIR_FROM_POLKIT, -1,
                                "authentication unavailable: no polkit agent available");
  virError absent = fake_error (VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC, ENOENT,
                                "Failed to connect socket to '/var/run/libvirt/libvirt-sock': "
                                "No such file or directory");
  virError ssh = fake_error (VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC, ECONNRESET,
                             "Cannot recv data: ssh: Could not resolve hostname nowhere");
  GError *error;

  error = _hangar_connection_describe_open_error ("qemu:///system", &denied);
  g_assert_error (error, HANGAR_ERROR, HANGAR_ERROR_PERMISSION_DENIED);
  g_assert_true (g_str_has_prefix (error->message, "You are not allowed to manage system machines. "
                                   "Add your user to the “libvirt” group (sudo usermod -aG libvirt "
                                   "$USER, then log in again) or ask your administrator for a "
                                   "polkit rule."));
  g_clear_error (&error);

  error = _hangar_connection_describe_open_error ("qemu:///system", &polkit);
  g_assert_error (error, HANGAR_ERROR, HANGAR_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "“libvirt” group"));
  g_clear_error (&error);

  error = _hangar_connection_describe_open_error ("qemu:///system", &absent);
  g_assert_error (error, HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED);
  g_assert_true (g_str_has_prefix (error->message, "No libvirt daemon answers at qemu:///system. Start it with"));
  g_clear_error (&error);

  error = _hangar_connection_describe_open_error ("qemu:///session", &absent);
  g_assert_true (g_str_has_prefix (error->message, "No libvirt daemon answers at qemu:///session."));
  g_clear_error (&error);

  error = _hangar_connection_describe_open_error ("qemu+ssh://nowhere/system", &ssh);
  g_assert_error (error, HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED);
  g_assert_true (g_str_has_prefix (error->message, "Could not reach qemu+ssh://nowhere/system: "));
  g_clear_error (&error);

  error = _hangar_connection_describe_open_error ("qemu:///system", NULL);
  g_assert_error (error, HANGAR_ERROR, HANGAR_ERROR_LIBVIRT);
  g_clear_error (&error);
}

/* Real libvirt errors from the in-process test driver (no daemon involved). */
static void
test_error_libvirt (void)
{
  g_autofree char *missing = g_build_filename (g_get_tmp_dir (), "hangar-no-such-world.xml", NULL);
  g_autofree char *uri = g_strconcat ("test://", missing, NULL);
  g_autofree char *world = g_test_build_filename (G_TEST_DIST, "fixtures", "world-small.xml", NULL);
  g_autofree char *world_uri = g_strconcat ("test://", world, NULL);
  virConnectPtr conn;
  GError *error;

  hangar_event_loop_init ();

  g_assert_null (virConnectOpen (uri));
  error = _hangar_connection_open_error (uri);
  g_assert_error (error, HANGAR_ERROR, HANGAR_ERROR_LIBVIRT);
  g_assert_true (g_str_has_prefix (error->message, "Could not connect to test:///"));
  g_clear_error (&error);

  conn = virConnectOpen (world_uri);
  g_assert_nonnull (conn);
  g_assert_null (virDomainLookupByName (conn, "no such machine"));
  error = hangar_error_from_libvirt ("Could not find it");
  g_assert_error (error, HANGAR_ERROR, HANGAR_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, "Could not find it: "));
  g_clear_error (&error);
  virConnectClose (conn);
}

static char *
read_fixture (const char *name)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (g_test_get_filename (G_TEST_DIST, "fixtures", name, NULL), &contents, NULL, &error);
  g_assert_no_error (error);

  return contents;
}

static void
test_details_parse (void)
{
  g_autofree char *xml = read_fixture ("domain-details.xml");
  g_autoptr(HangarMachineDetails) details = NULL;
  g_autoptr(HangarMachineDetails) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *os_id = NULL;
  const char * const disks[] = {
    "vda: /var/lib/libvirt/images/db <&> ünï.qcow2",
    "vdb: /dev/vg0/db-data",
    "vdc: default/scratch.qcow2",
    "vdd: /srv/shared.img",
    "sda: /isos/fedora.iso (cdrom)",
    "sdb: empty",
    NULL,
  };
  const char * const paths[] = {
    "/var/lib/libvirt/images/db <&> ünï.qcow2",
    "/dev/vg0/db-data",
    NULL,
  };
  const char * const networks[] = {
    "network default (virtio, 52:54:00:12:34:56)",
    "bridge br0",
    NULL,
  };

  details = _hangar_machine_details_parse (xml, &error);
  g_assert_no_error (error);
  g_assert_nonnull (details);
  g_assert_true (g_strv_equal ((const char * const *) details->disks, disks));
  g_assert_true (g_strv_equal ((const char * const *) details->disk_paths, paths));
  g_assert_true (g_strv_equal ((const char * const *) details->networks, networks));
  g_assert_cmpstr (details->graphics, ==, "VNC, SPICE");
  g_assert_cmpstr (details->graphics_type, ==, "vnc");
  g_assert_null (details->graphics_listen);
  g_assert_cmpint (details->graphics_port, ==, -1);
  g_assert_cmpstr (details->os_id, ==, "http://fedoraproject.org/fedora/38");
  g_assert_cmpstr (details->arch, ==, "x86_64");
  g_assert_cmpstr (details->emulator_type, ==, "kvm");
  g_assert_true (details->has_nvram);
  g_assert_cmpuint (details->n_snapshots, ==, 0);

  copy = hangar_machine_details_copy (details);
  g_assert_true (g_strv_equal ((const char * const *) copy->disks, disks));
  g_assert_cmpstr (copy->graphics, ==, details->graphics);
  g_assert_cmpstr (copy->graphics_type, ==, "vnc");
  g_assert_cmpint (copy->graphics_port, ==, -1);
  g_assert_true (copy->has_nvram);

  g_assert_true (_hangar_domain_xml_peek (xml, &title, &os_id));
  g_assert_cmpstr (title, ==, "Données & “quotes”");
  g_assert_cmpstr (os_id, ==, "http://fedoraproject.org/fedora/38");
}

/* A running domain's live XML: the daemon filled in the port and the listen address. */
static void
test_details_graphics_address (void)
{
  const struct {
    const char *xml;
    const char *type;
    const char *listen;
    int         port;
  } cases[] = {
    { "<domain><devices><graphics type='vnc' port='5901' autoport='yes' listen='0.0.0.0'>"
      "<listen type='address' address='0.0.0.0'/></graphics></devices></domain>", "vnc", "0.0.0.0", 5901 },
    { "<domain><devices><graphics type='spice' port='5930' tlsPort='-1'>"
      "<listen type='address' address='192.168.1.5'/></graphics>"
      "<graphics type='vnc' port='5999' listen='10.0.0.1'/></devices></domain>", "spice", "192.168.1.5", 5930 },
    { "<domain><devices><graphics type='vnc' port='5902' listen='127.0.0.1'/></devices></domain>",
      "vnc", "127.0.0.1", 5902 },
    { "<domain><devices><graphics type='vnc' port='-1' autoport='yes'/></devices></domain>", "vnc", NULL, -1 },
    { "<domain><devices><graphics type='vnc' socket='/run/x.sock'><listen type='socket' socket='/run/x.sock'/>"
      "</graphics></devices></domain>", "vnc", NULL, -1 },
    { "<domain><devices><graphics type='spice'><listen type='none'/></graphics></devices></domain>",
      "spice", NULL, -1 },
    { "<domain><devices><graphics type='vnc' port='99999' listen='::1'/></devices></domain>", "vnc", "::1", -1 },
    { "<domain><devices/></domain>", NULL, NULL, -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HangarMachineDetails) details = NULL;
      g_autoptr(GError) error = NULL;

      details = _hangar_machine_details_parse (cases[i].xml, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (details->graphics_type, ==, cases[i].type);
      g_assert_cmpstr (details->graphics_listen, ==, cases[i].listen);
      g_assert_cmpint (details->graphics_port, ==, cases[i].port);
    }
}

static void
test_details_minimal (void)
{
  g_autoptr(HangarMachineDetails) details = NULL;
  g_autoptr(GError) error = NULL;

  details = _hangar_machine_details_parse ("<domain type='qemu'><name>x</name>"
                                           "<os><type>hvm</type></os></domain>", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (details->disks), ==, 0);
  g_assert_cmpuint (g_strv_length (details->disk_paths), ==, 0);
  g_assert_cmpuint (g_strv_length (details->networks), ==, 0);
  g_assert_null (details->graphics);
  g_assert_null (details->os_id);
  g_assert_null (details->arch);
  g_assert_cmpstr (details->emulator_type, ==, "qemu");
  g_assert_false (details->has_nvram);
}

static void
test_details_bad (void)
{
  static const char * const bad[] = { "", "<domain", "<network/>", "not xml at all <&>" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (_hangar_machine_details_parse (bad[i], &error));
      g_assert_error (error, HANGAR_ERROR, HANGAR_ERROR_FAILED);
    }
}

static void
test_os_db (void)
{
  g_autofree char *name = NULL;

  if (!g_file_test ("/usr/share/osinfo/os", G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("osinfo-db is not installed");
      return;
    }

  name = hangar_os_db_dup_name ("http://debian.org/debian/11");
  g_assert_cmpstr (name, ==, "Debian 11");
  g_assert_null (hangar_os_db_dup_name ("http://example.org/no-such-os/1"));
  g_assert_null (hangar_os_db_dup_name (NULL));
}

static HangarMachineInfo *
make_info (const char *name)
{
  HangarMachineInfo *info = g_new0 (HangarMachineInfo, 1);

  info->uuid = g_strdup ("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  info->name = g_strdup (name);
  info->state = S (SHUTOFF);
  info->memory = 65536;
  info->vcpus = 1;
  info->persistent = TRUE;

  return info;
}

static void
test_machine_new_destroy (void)
{
  g_autoptr(HangarMachineInfo) info = make_info ("web <&> \"ünï\"");
  HangarMachine *machine = _hangar_machine_new (NULL, info);
  HangarConnection *conn = hangar_connection_new ("test:///tmp/world.xml");

  g_assert_cmpstr (hangar_machine_get_name (machine), ==, "web <&> \"ünï\"");
  g_assert_cmpstr (hangar_machine_get_uuid (machine), ==, info->uuid);
  g_assert_cmpint (hangar_machine_get_state (machine), ==, S (SHUTOFF));
  g_assert_cmpuint (hangar_machine_get_memory (machine), ==, 65536);
  g_assert_false (hangar_machine_get_busy (machine));
  g_assert_false (hangar_machine_get_available (machine));
  /* Not bound to a domain: nothing can run, whatever the state allows. */
  g_assert_false (hangar_machine_can (machine, A (START)));

  g_assert_finalize_object (machine);
  g_assert_finalize_object (conn);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 GHashTable *counts)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (n + 1));
}

static guint
count_of (GHashTable *counts,
          const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

static void
test_machine_notify (void)
{
  g_autoptr(HangarMachineInfo) info = make_info ("alpha");
  g_autoptr(HangarMachine) machine = _hangar_machine_new (NULL, info);
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);

  g_signal_connect (machine, "notify", G_CALLBACK (count_notify_cb), counts);

  /* The same values again: no notification at all. */
  _hangar_machine_update (machine, info);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 0);

  info->state = S (RUNNING);
  _hangar_machine_update (machine, info);
  g_assert_cmpuint (count_of (counts, "state"), ==, 1);
  g_assert_cmpuint (count_of (counts, "state-label"), ==, 1);
  g_assert_cmpuint (count_of (counts, "state-icon"), ==, 1);
  g_assert_cmpuint (count_of (counts, "memory"), ==, 0);

  /* Running → blocked: same label and icon, so only :state changes. */
  info->state = S (BLOCKED);
  _hangar_machine_update (machine, info);
  g_assert_cmpuint (count_of (counts, "state"), ==, 2);
  g_assert_cmpuint (count_of (counts, "state-label"), ==, 1);
  g_assert_cmpuint (count_of (counts, "state-icon"), ==, 1);

  info->memory = 131072;
  info->vcpus = 4;
  info->persistent = FALSE;
  g_free (info->name);
  info->name = g_strdup ("alpha renamed «»");
  _hangar_machine_update (machine, info);
  _hangar_machine_update (machine, info);
  g_assert_cmpuint (count_of (counts, "memory"), ==, 1);
  g_assert_cmpuint (count_of (counts, "vcpus"), ==, 1);
  g_assert_cmpuint (count_of (counts, "persistent"), ==, 1);
  g_assert_cmpuint (count_of (counts, "name"), ==, 1);
  g_assert_cmpuint (hangar_machine_get_vcpus (machine), ==, 4);

  /* Title and OS only count when the info carries the XML. */
  info->title = g_strdup ("A title");
  _hangar_machine_update (machine, info);
  g_assert_cmpuint (count_of (counts, "title"), ==, 0);
  info->has_xml = TRUE;
  info->os_name = g_strdup ("Debian 11");
  _hangar_machine_update (machine, info);
  _hangar_machine_update (machine, info);
  g_assert_cmpuint (count_of (counts, "title"), ==, 1);
  g_assert_cmpuint (count_of (counts, "os-name"), ==, 1);
  g_assert_cmpstr (hangar_machine_get_title (machine), ==, "A title");
  g_assert_cmpstr (hangar_machine_get_os_name (machine), ==, "Debian 11");

  g_assert_cmpuint (count_of (counts, "busy"), ==, 0);
  g_assert_cmpuint (count_of (counts, "available"), ==, 0);
  g_assert_cmpuint (count_of (counts, "uuid"), ==, 0);
}

static void
test_connection_notify (void)
{
  g_autoptr(HangarConnection) conn = hangar_connection_new ("no-such-driver:///x");
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);

  g_signal_connect (conn, "notify", G_CALLBACK (count_notify_cb), counts);

  /* An invalid URI fails at once, without a worker. */
  hangar_connection_open (conn);
  g_assert_cmpuint (count_of (counts, "error"), ==, 1);
  g_assert_cmpuint (count_of (counts, "status"), ==, 1);
  g_assert_cmpuint (count_of (counts, "state"), ==, 0);

  hangar_connection_open (conn);
  g_assert_cmpuint (count_of (counts, "error"), ==, 1);
  g_assert_cmpuint (count_of (counts, "status"), ==, 1);

  hangar_connection_close (conn);
  g_assert_cmpuint (count_of (counts, "error"), ==, 2);
  g_assert_null (hangar_connection_get_error (conn));
  g_assert_cmpuint (count_of (counts, "state"), ==, 0);
  g_assert_cmpuint (count_of (counts, "machines"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hangar/model/state/table", test_state_table);
  g_test_add_func ("/hangar/model/state/labels", test_state_labels);
  g_test_add_func ("/hangar/model/uri/valid", test_uri_valid);
  g_test_add_func ("/hangar/model/uri/invalid", test_uri_invalid);
  g_test_add_func ("/hangar/model/uri/invalid-open", test_uri_invalid_open);
  g_test_add_func ("/hangar/model/error/open", test_error_open);
  g_test_add_func ("/hangar/model/error/libvirt", test_error_libvirt);
  g_test_add_func ("/hangar/model/details/parse", test_details_parse);
  g_test_add_func ("/hangar/model/details/graphics-address", test_details_graphics_address);
  g_test_add_func ("/hangar/model/details/minimal", test_details_minimal);
  g_test_add_func ("/hangar/model/details/bad", test_details_bad);
  g_test_add_func ("/hangar/model/os-db", test_os_db);
  g_test_add_func ("/hangar/model/machine/new-destroy", test_machine_new_destroy);
  g_test_add_func ("/hangar/model/machine/notify", test_machine_notify);
  g_test_add_func ("/hangar/model/connection/notify", test_connection_notify);

  return g_test_run ();
}
