/* hangar-qemu-test-utils.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "hangar-qemu-test-utils.h"
#include "hangar-spice-session.h"
#include "hangar-test-server.h"

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Starts the private Xvfb and GTK on it. FALSE, with the whole test skipped in TAP, when
 * qemu-system-x86_64, @other_program (if not NULL) or Xvfb is missing. */
gboolean
hangar_qemu_test_init (int          *argc,
                       char       ***argv,
                       const char   *other_program)
{
  g_autofree char *qemu = g_find_program_in_path ("qemu-system-x86_64");
  g_autofree char *other = other_program != NULL ? g_find_program_in_path (other_program) : NULL;

  if (qemu == NULL || (other_program != NULL && other == NULL) || !hangar_test_start_xvfb ())
    {
      if (other_program != NULL)
        g_print ("1..0 # SKIP needs qemu-system-x86_64, %s and Xvfb\n", other_program);
      else
        g_print ("1..0 # SKIP needs qemu-system-x86_64 and Xvfb\n");
      return FALSE;
    }

  gtk_test_init (argc, argv, NULL);
  /* The guest's serial output is a file: wake the main loop now and then to look at it. */
  g_timeout_add (20, tick_cb, NULL);

  return TRUE;
}

/* For QEMU: its output silenced, and killed if the test dies. */
GSubprocessLauncher *
hangar_qemu_test_launcher (void)
{
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE;
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, hangar_test_die_with_parent, NULL, NULL);

  return launcher;
}

/* Runs the main loop for @ms milliseconds, also for what comes without a main-loop event. */
void
hangar_qemu_test_wait_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (5000);
}

/* Kills QEMU, if it runs, and waits for it. */
void
hangar_qemu_test_kill (GSubprocess **qemu)
{
  if (*qemu == NULL)
    return;

  g_subprocess_force_exit (*qemu);
  g_subprocess_wait (*qemu, NULL, NULL);
  g_clear_object (qemu);
}

/* Removes @dir and the files in it (sockets, logs, images). */
void
hangar_qemu_test_remove_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);

      g_unlink (file);
    }
  g_rmdir (dir);
}

/* A new temporary directory hangar-test-@name-XXXXXX, and in @guard a process that removes it
 * when this process ends, even on a failed assertion (its stdin is ours). */
char *
hangar_qemu_test_make_dir (const char   *name,
                           GSubprocess **guard)
{
  g_autofree char *template = g_strdup_printf ("hangar-test-%s-XXXXXX", name);
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  *guard = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error,
                             "sh", "-c", "cat >/dev/null; rm -rf \"$0\"", dir, NULL);
  g_assert_no_error (error);
  return dir;
}

/* Removes what hangar_qemu_test_make_dir() made, now. */
void
hangar_qemu_test_drop_dir (char        **dir,
                           GSubprocess **guard)
{
  hangar_qemu_test_remove_dir (*dir);
  g_clear_pointer (dir, g_free);
  g_output_stream_close (g_subprocess_get_stdin_pipe (*guard), NULL, NULL);
  g_subprocess_wait (*guard, NULL, NULL);
  g_clear_object (guard);
}

/* What the guest wrote to its serial port so far (the file @dir/serial.log). */
char *
hangar_qemu_test_read_serial (const char *dir)
{
  g_autofree char *log = g_build_filename (dir, "serial.log", NULL);
  char *contents = NULL;

  if (!g_file_get_contents (log, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

gboolean
hangar_qemu_test_serial_has (const char *dir,
                             const char *text)
{
  g_autofree char *contents = hangar_qemu_test_read_serial (dir);

  return strstr (contents, text) != NULL;
}

/* A connected socket fd to @socket_path, as virDomainOpenGraphicsFD would hand one over. */
int
hangar_qemu_test_connect_unix (const char *socket_path)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (socket_path);
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  return dup (g_socket_get_fd (g_socket_connection_get_socket (connection)));
}

static void
channel_fd_needed_cb (HangarSpiceSession *session,
                      guint               request,
                      const char         *socket_path)
{
  hangar_spice_session_channel_fd (session, request, hangar_qemu_test_connect_unix (socket_path));
}

/* Gives each SPICE channel of @session that asks for one an fd of its own, connected to
 * @socket_path (the way the console page does it with virDomainOpenGraphicsFD). */
void
hangar_qemu_test_serve_channel_fds (HangarConsoleSession *session,
                                    const char           *socket_path)
{
  g_assert_true (HANGAR_IS_SPICE_SESSION (session));

  g_signal_connect_data (session, "channel-fd-needed", G_CALLBACK (channel_fd_needed_cb),
                         g_strdup (socket_path), (GClosureNotify) g_free, 0);
}

/**
 * hangar_qemu_test_make_agent_guest:
 * @dir: where DIR/initrd.cpio is written
 * @kernel: (out): the kernel to boot it with
 *
 * Builds the test guest (an initramfs whose /init is our agent, tests/guest) with
 * $HANGAR_TEST_MAKE_INITRAMFS and $HANGAR_TEST_AGENT.
 *
 * Returns: FALSE, with the test marked skipped, when no kernel is installed
 */
gboolean
hangar_qemu_test_make_agent_guest (const char  *dir,
                                   char       **kernel)
{
  g_autofree char *initrd = g_build_filename (dir, "initrd.cpio", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) make = NULL;

  g_assert_nonnull (g_getenv ("HANGAR_TEST_MAKE_INITRAMFS"));
  g_assert_nonnull (g_getenv ("HANGAR_TEST_AGENT"));
  make = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           "python3", g_getenv ("HANGAR_TEST_MAKE_INITRAMFS"),
                           g_getenv ("HANGAR_TEST_AGENT"), initrd, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (make, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_if_exited (make) && g_subprocess_get_exit_status (make) == 77)
    {
      g_test_skip (err);
      return FALSE;
    }
  if (!g_subprocess_get_successful (make))
    g_error ("make-initramfs.py failed:\n%s", err);
  *kernel = g_strdup (g_strstrip (out));
  return TRUE;
}

/**
 * hangar_qemu_test_start_agent_guest:
 * @dir: the guest's directory: its serial log goes to @dir/serial.log; with @kernel, @dir holds
 *   the initramfs hangar_qemu_test_make_agent_guest() wrote
 * @kernel: (nullable): the kernel from hangar_qemu_test_make_agent_guest(); %NULL boots nothing
 *   but the BIOS, a machine without an agent
 * @display_args: QEMU's -vga and display server options (-spice or -vnc)
 * @agent_chardev: the backend of the agent's port (spicevmc or qemu-vdagent)
 *
 * Starts QEMU (TCG) on the test guest and, with @kernel, waits until its agent is ready.
 *
 * Returns: (transfer full): QEMU
 */
GSubprocess *
hangar_qemu_test_start_agent_guest (const char         *dir,
                                    const char         *kernel,
                                    const char * const *display_args,
                                    const char         *agent_chardev)
{
  g_autoptr(GSubprocessLauncher) launcher = hangar_qemu_test_launcher ();
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autofree char *serial = g_strdup_printf ("file:%s/serial.log", dir);
  g_autofree char *initrd = g_build_filename (dir, "initrd.cpio", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  GSubprocess *qemu;
  gint64 start;

  {
    const char *common[] = {
      "qemu-system-x86_64", "-machine", "pc,accel=tcg", "-m", "128", "-nodefaults",
      "-no-user-config", "-display", "none", "-no-reboot", "-serial", serial, NULL
    };

    g_strv_builder_addv (argv, common);
  }
  g_strv_builder_addv (argv, (const char **) display_args);
  if (kernel != NULL)
    {
      const char *agent[] = {
        "-kernel", kernel, "-initrd", initrd, "-append", "console=ttyS0 quiet panic=-1",
        "-device", "virtio-serial-pci", "-chardev", agent_chardev,
        "-device", "virtserialport,chardev=vdagent,name=com.redhat.spice.0", NULL
      };

      g_strv_builder_addv (argv, agent);
    }
  args = g_strv_builder_end (argv);

  start = g_get_monotonic_time ();
  qemu = g_subprocess_launcher_spawnv (launcher, (const char * const *) args, &error);
  g_assert_no_error (error);
  if (kernel == NULL)
    return qemu;

  /* TCG boots the kernel in ~2 s here; WAIT_FOR leaves room for a loaded CI machine. */
  WAIT_FOR (hangar_qemu_test_serial_has (dir, "HANGAR-AGENT ready") ||
            hangar_qemu_test_serial_has (dir, "HANGAR-AGENT error"));
  g_assert_false (hangar_qemu_test_serial_has (dir, "HANGAR-AGENT error"));
  g_test_message ("guest agent ready %.2f s after QEMU started", (g_get_monotonic_time () - start) / 1e6);
  return qemu;
}

/* Opens @session on @fd (taken) and waits until it is connected. */
void
hangar_qemu_test_session_open_fd (HangarConsoleSession *session,
                                  int                   fd)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hangar_console_session_open_fd (session, fd, &error));
  g_assert_no_error (error);
  WAIT_FOR (hangar_console_session_get_state (session) != HANGAR_CONSOLE_STATE_CONNECTING);
  g_assert_cmpint (hangar_console_session_get_state (session), ==, HANGAR_CONSOLE_STATE_CONNECTED);
}

/* Closes @session and waits until it is disconnected. */
void
hangar_qemu_test_session_close (HangarConsoleSession *session)
{
  hangar_console_session_close (session);
  WAIT_FOR (hangar_console_session_get_state (session) == HANGAR_CONSOLE_STATE_DISCONNECTED);
}

/**
 * hangar_qemu_test_spice_open:
 * @name: for the temporary directory's name
 * @agent: boot the test guest with its agent port; without, nothing but the BIOS
 *
 * Starts QEMU with a SPICE server on a UNIX socket (and, with @agent, waits for the agent) and
 * connects a new SPICE session to it, one fd per channel.
 *
 * Returns: FALSE, with the test marked skipped, when the agent guest cannot be built; close
 *   @spice in any case
 */
gboolean
hangar_qemu_test_spice_open (HangarQemuTestSpice *spice,
                             const char          *name,
                             gboolean             agent)
{
  g_autofree char *kernel = NULL;
  g_autofree char *spice_sock = NULL;
  g_autofree char *spice_arg = NULL;

  spice->dir = hangar_qemu_test_make_dir (name, &spice->guard);
  if (agent && !hangar_qemu_test_make_agent_guest (spice->dir, &kernel))
    return FALSE;

  spice_sock = g_build_filename (spice->dir, "spice.sock", NULL);
  spice_arg = g_strdup_printf ("unix=on,addr=%s,disable-ticketing=on", spice_sock);
  {
    const char *display_args[] = { "-vga", "qxl", "-spice", spice_arg, NULL };

    spice->qemu = hangar_qemu_test_start_agent_guest (spice->dir, kernel, display_args,
                                                      "spicevmc,id=vdagent,name=vdagent");
  }
  if (!agent)
    WAIT_FOR (g_file_test (spice_sock, G_FILE_TEST_EXISTS));

  spice->session = HANGAR_CONSOLE_SESSION (hangar_spice_session_new ());
  hangar_qemu_test_serve_channel_fds (spice->session, spice_sock);
  hangar_qemu_test_session_open_fd (spice->session, hangar_qemu_test_connect_unix (spice_sock));
  return TRUE;
}

/* Closes the session (it must be finalized then), stops QEMU and removes the directory. */
void
hangar_qemu_test_spice_close (HangarQemuTestSpice *spice)
{
  if (spice->session != NULL)
    {
      hangar_qemu_test_session_close (spice->session);
      g_assert_finalize_object (g_steal_pointer (&spice->session));
    }
  hangar_qemu_test_kill (&spice->qemu);
  hangar_qemu_test_drop_dir (&spice->dir, &spice->guard);
}
