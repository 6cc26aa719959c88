/* hangar-test-server.c: runs hangar-test-vnc-server for the display tests.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "hangar-test-server.h"

gboolean hangar_test_timed_out;

/* Child setup for every process a test starts: it dies with the test, even when the test
 * aborts, so no server, QEMU or Xvfb outlives a failure. */
void
hangar_test_die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

gboolean
hangar_test_timeout_cb (gpointer data)
{
  hangar_test_timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void read_next_line (TestServer *server);

static void
read_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  TestServer *server = user_data;
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result,
                                                          NULL, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      server->eof = TRUE;
      return;
    }

  g_test_message ("server: %s", line);
  g_queue_push_tail (&server->lines, line);
  read_next_line (server);
}

static void
read_next_line (TestServer *server)
{
  g_data_input_stream_read_line_async (server->output, G_PRIORITY_DEFAULT, server->cancellable,
                                       read_line_cb, server);
}

/* Returns the next line of the server that starts with @prefix, dropping the others. */
char *
server_next (TestServer *server,
             const char *prefix)
{
  for (;;)
    {
      char *line;

      WAIT_FOR (!g_queue_is_empty (&server->lines) || server->eof);
      if (g_queue_is_empty (&server->lines))
        g_error ("server ended while waiting for %s", prefix);
      line = g_queue_pop_head (&server->lines);
      if (g_str_has_prefix (line, prefix))
        return line;
      g_free (line);
    }
}

void
server_expect (TestServer *server,
               const char *expected)
{
  g_autofree char *prefix = g_strndup (expected, strcspn (expected, " "));
  g_autofree char *line = server_next (server, prefix);

  g_assert_cmpstr (line, ==, expected);
}

void
server_command (TestServer *server,
                const char *command)
{
  g_autofree char *line = g_strconcat (command, "\n", NULL);
  g_autofree char *done = g_strconcat ("DONE ", command, NULL);
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (server->input, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  server_expect (server, done);
}

TestServer *
server_start (const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *ready = NULL;
  TestServer *server = g_new0 (TestServer, 1);
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  server->client_fd = fds[0];

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  g_subprocess_launcher_set_child_setup (launcher, hangar_test_die_with_parent, NULL, NULL);
  g_ptr_array_add (argv, (char *) g_getenv ("HANGAR_TEST_VNC_SERVER"));
  if (args == NULL || !g_strv_contains (args, "--listen"))
    {
      g_ptr_array_add (argv, (char *) "--fd");
      g_ptr_array_add (argv, (char *) "3");
    }
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_assert_nonnull (g_ptr_array_index (argv, 0));
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  server->input = g_object_ref (g_subprocess_get_stdin_pipe (server->process));
  server->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  server->cancellable = g_cancellable_new ();
  read_next_line (server);

  ready = server_next (server, "READY");
  if (args != NULL && g_strv_contains (args, "--listen"))
    {
      g_autofree char *port = server_next (server, "PORT ");

      server->port = atoi (port + 5);
    }
  return server;
}

void
server_stop (TestServer *server)
{
  g_autoptr(GError) error = NULL;

  if (server == NULL)
    return;

  /* EOF on stdin ends the server; kill it if it does not go. */
  g_output_stream_close (server->input, NULL, NULL);
  g_cancellable_cancel (server->cancellable);
  if (server->client_fd >= 0)
    close (server->client_fd);
  g_subprocess_force_exit (server->process);
  g_subprocess_wait (server->process, NULL, &error);
  g_queue_clear_full (&server->lines, g_free);
  g_clear_object (&server->input);
  g_clear_object (&server->output);
  g_clear_object (&server->cancellable);
  g_clear_object (&server->process);
  g_free (server);
}


static GPid xvfb_pid;

/* Starts a private Xvfb and points DISPLAY at it (before gtk_init). FALSE if there is none. */
gboolean
hangar_test_start_xvfb (void)
{
  const char *argv[] = { "Xvfb", "-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *display = NULL;
  char buf[32] = { 0 };
  gsize len = 0;
  int out;

  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                 G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL | G_SPAWN_DO_NOT_REAP_CHILD,
                                 hangar_test_die_with_parent, NULL, &xvfb_pid, NULL, &out, NULL, &error))
    {
      g_printerr ("# cannot start Xvfb: %s\n", error->message);
      return FALSE;
    }

  /* Xvfb writes the display number and a newline once it accepts clients. */
  while (len < sizeof buf - 1)
    {
      ssize_t n = read (out, buf + len, 1);

      if (n <= 0 || buf[len] == '\n')
        break;
      len++;
    }
  close (out);
  buf[len] = '\0';
  if (len == 0)
    return FALSE;

  display = g_strdup_printf (":%s", buf);
  g_setenv ("DISPLAY", display, TRUE);
  g_unsetenv ("WAYLAND_DISPLAY");
  return TRUE;
}

void
hangar_test_stop_xvfb (void)
{
  if (xvfb_pid > 0)
    kill (xvfb_pid, SIGTERM);
  xvfb_pid = 0;
}

/* Runs a command line; the test fails if it does. */
void
hangar_test_run (const char *command)
{
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_test_message ("$ %s", command);
  g_spawn_command_line_sync (command, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}
