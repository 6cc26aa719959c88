/* hangar-test-sshd.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hangar-test-sshd.h"

#define SSHD "/usr/sbin/sshd"

/**
 * hangar_test_sshd_unavailable:
 *
 * Returns: (nullable): why no test sshd can run here, or %NULL
 */
const char *
hangar_test_sshd_unavailable (void)
{
  g_autofree char *keygen = g_find_program_in_path ("ssh-keygen");

  if (!g_file_test (SSHD, G_FILE_TEST_IS_EXECUTABLE))
    return "no " SSHD " (apt install openssh-server)";
  if (keygen == NULL)
    return "no ssh-keygen (apt install openssh-client)";
  if (getuid () != 0)
    return "the test sshd runs as root";
  return NULL;
}

static void
run_or_die (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s", argv[0], error->message);
}

static void
make_key (const char *path)
{
  run_or_die ((const char *[]) { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hangar-test",
                                 "-f", path, NULL });
}

/* A port nobody listens on (now). */
guint
hangar_test_spare_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* sshd dies with us, however we die. */
static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
accepts (guint port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return connection != NULL;
}

void
hangar_test_sshd_authorize (HangarTestSshd *sshd,
                            const char     *key)
{
  hangar_test_sshd_authorize_with (sshd, key, NULL);
}

/* @key only, with authorized_keys @options (such as no-port-forwarding or
 * environment="PATH=…"), if not %NULL. */
void
hangar_test_sshd_authorize_with (HangarTestSshd *sshd,
                                 const char     *key,
                                 const char     *options)
{
  g_autofree char *pub = g_strconcat (key, ".pub", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *line = NULL;
  g_autofree char *path = g_build_filename (sshd->dir, "authorized_keys", NULL);

  g_assert_true (g_file_get_contents (pub, &contents, NULL, NULL));
  line = options != NULL ? g_strdup_printf ("%s %s", options, contents) : g_strdup (contents);
  g_assert_true (g_file_set_contents (path, line, -1, NULL));
}

/* How many logins the server has accepted so far (LogLevel VERBOSE logs each one). */
guint
hangar_test_sshd_count_logins (HangarTestSshd *sshd)
{
  g_autofree char *path = g_build_filename (sshd->dir, "sshd.log", NULL);
  g_autofree char *text = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  for (const char *p = text; (p = strstr (p, "Accepted publickey for ")) != NULL; p++)
    n++;

  return n;
}

HangarTestSshd *
hangar_test_sshd_start (void)
{
  return hangar_test_sshd_start_with (NULL);
}

/* A private sshd as hangar_test_sshd_start () makes, with @extra_config (sshd_config lines,
 * each ending in a newline) added to its configuration. */
HangarTestSshd *
hangar_test_sshd_start_with (const char *extra_config)
{
  HangarTestSshd *sshd = g_new0 (HangarTestSshd, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host_key = NULL, *host_pub = NULL, *config = NULL, *config_path = NULL;
  g_autofree char *log = NULL, *known = NULL, *wrapper = NULL;
  gint64 deadline;

  sshd->dir = g_dir_make_tmp ("hangar-test-sshd-XXXXXX", &error);
  g_assert_no_error (error);
  {
    g_autofree char *quoted = g_shell_quote (sshd->dir);
    g_autofree char *script = g_strdup_printf ("cat >/dev/null; rm -rf %s", quoted);
    const char *argv[] = { "/bin/sh", "-c", script, NULL };

    g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                              &sshd->guard_pid, &sshd->guard_fd, NULL, NULL, &error);
    g_assert_no_error (error);
  }
  host_key = g_build_filename (sshd->dir, "host_key", NULL);
  sshd->client_key = g_build_filename (sshd->dir, "client_key", NULL);
  sshd->other_key = g_build_filename (sshd->dir, "other_key", NULL);
  make_key (host_key);
  make_key (sshd->client_key);
  make_key (sshd->other_key);
  hangar_test_sshd_authorize (sshd, sshd->client_key);

  sshd->port = hangar_test_spare_port ();
  config = g_strdup_printf ("Port %u\n"
                            "ListenAddress 127.0.0.1\n"
                            "HostKey %s\n"
                            "PidFile %s/sshd.pid\n"
                            "AuthorizedKeysFile %s/authorized_keys\n"
                            "PermitRootLogin prohibit-password\n"
                            "PasswordAuthentication no\n"
                            "KbdInteractiveAuthentication no\n"
                            "UsePAM no\n"
                            "StrictModes no\n"
                            "PermitUserEnvironment yes\n"
                            "LogLevel VERBOSE\n"
                            "%s",
                            sshd->port, host_key, sshd->dir, sshd->dir,
                            extra_config != NULL ? extra_config : "");
  config_path = g_build_filename (sshd->dir, "sshd_config", NULL);
  g_assert_true (g_file_set_contents (config_path, config, -1, NULL));

  /* The server's host key, as a client's known_hosts line for [127.0.0.1]:port. */
  host_pub = g_strconcat (host_key, ".pub", NULL);
  g_assert_true (g_file_get_contents (host_pub, &known, NULL, NULL));
  sshd->known_hosts = g_build_filename (sshd->dir, "known_hosts", NULL);
  {
    g_autofree char *line = g_strdup_printf ("[127.0.0.1]:%u %s", sshd->port, known);

    g_assert_true (g_file_set_contents (sshd->known_hosts, line, -1, NULL));
  }
  sshd->ssh_wrapper = g_build_filename (sshd->dir, "ssh", NULL);
  wrapper = g_strdup_printf ("#!/bin/sh\n"
                             "exec ssh -o UserKnownHostsFile=%s/known_hosts-libvirt "
                             "-o GlobalKnownHostsFile=/dev/null \"$@\"\n", sshd->dir);
  g_assert_true (g_file_set_contents (sshd->ssh_wrapper, wrapper, -1, NULL));
  g_assert_cmpint (g_chmod (sshd->ssh_wrapper, 0755), ==, 0);

  /* sshd insists on its privilege separation directory. */
  g_mkdir_with_parents ("/run/sshd", 0755);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  log = g_build_filename (sshd->dir, "sshd.log", NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  sshd->process = g_subprocess_launcher_spawn (launcher, &error, SSHD, "-D", "-e", "-f", config_path, NULL);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!accepts (sshd->port))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *text = NULL;

          g_file_get_contents (log, &text, NULL, NULL);
          g_error ("sshd does not answer on port %u: %s", sshd->port, text);
        }
      g_usleep (20 * 1000);
    }

  return sshd;
}

/* Processes whose command line contains @needle (our temporary directory, a port…). */
guint
hangar_test_count_processes (const char *needle)
{
  return hangar_test_count_processes_with (needle, NULL);
}

/* … and @also, if not %NULL. */
guint
hangar_test_count_processes_with (const char *needle,
                                  const char *also)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *entry;
  guint n = 0;

  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *cmdline = NULL;
      gsize length;

      if (!g_ascii_isdigit (*entry) || g_str_equal (entry, "self"))
        continue;
      path = g_build_filename ("/proc", entry, "cmdline", NULL);
      if (!g_file_get_contents (path, &cmdline, &length, NULL) || length == 0)
        continue;
      for (gsize i = 0; i + 1 < length; i++)
        if (cmdline[i] == '\0')
          cmdline[i] = ' ';
      /* Never the test sshd itself, nor the guard that removes its directory. */
      if (strstr (cmdline, needle) != NULL && (also == NULL || strstr (cmdline, also) != NULL) &&
          strstr (cmdline, "sshd_config") == NULL && strstr (cmdline, "cat >/dev/null; rm -rf") == NULL)
        {
          if (g_getenv ("DEBUG_PROCESSES") != NULL)
            g_printerr ("# %s: %s\n", entry, cmdline);
          n++;
        }
    }

  return n;
}

void
hangar_test_sshd_stop (HangarTestSshd *sshd)
{
  if (sshd == NULL)
    return;

  if (sshd->process != NULL)
    {
      g_subprocess_force_exit (sshd->process);
      g_subprocess_wait (sshd->process, NULL, NULL);
      g_clear_object (&sshd->process);
    }

  /* The guard removes the directory. */
  {
    int status;

    close (sshd->guard_fd);
    waitpid (sshd->guard_pid, &status, 0);
    g_spawn_close_pid (sshd->guard_pid);
  }

  g_free (sshd->dir);
  g_free (sshd->client_key);
  g_free (sshd->other_key);
  g_free (sshd->known_hosts);
  g_free (sshd->ssh_wrapper);
  g_free (sshd);
}
