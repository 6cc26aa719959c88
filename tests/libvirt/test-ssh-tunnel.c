/* test-ssh-tunnel.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HangarSshTunnel against a real OpenSSH server on 127.0.0.1 (run from a temporary directory,
 * hangar-test-sshd.c) and a small TCP service standing in for a display: bytes both ways
 * through one shared login (an OpenSSH ControlMaster, `ssh -W` for TCP, a remote nc or socat
 * for a unix socket), logins counted in the server's log, the master lingering and then gone
 * with its socket, a killed master replaced, socat when the host has no nc, and each failure
 * (refused key, unknown host key, no SSH server, neither nc nor socat, closed display port, no
 * such host) as its sentence, with no ssh or nc process left behind. Skips (TAP) when sshd is
 * not installed or we are not root.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>

#include "hangar-machine.h"
#include "hangar-ssh-tunnel.h"
#include "hangar-test-sshd.h"

#define BANNER "HANGAR-DISPLAY 1\n"

typedef struct
{
  HangarTestSshd  *sshd;
  GSocketService  *service;
  guint            service_port;
} Fixture;

/* The stand-in display: says hello, then echoes, in a thread per connection. */
static gboolean
run_cb (GThreadedSocketService *service,
        GSocketConnection      *connection,
        GObject                *source,
        gpointer                user_data)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  char buffer[1024];
  gssize n;

  if (!g_output_stream_write_all (out, BANNER, strlen (BANNER), NULL, NULL, NULL))
    return TRUE;
  while ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL)) > 0)
    if (!g_output_stream_write_all (out, buffer, n, NULL, NULL, NULL))
      break;

  return TRUE;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (hangar_test_sshd_unavailable () != NULL)
    return;

  f->sshd = hangar_test_sshd_start ();
  f->service = g_threaded_socket_service_new (4);
  f->service_port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (f->service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (f->service, "run", G_CALLBACK (run_cb), NULL);
  g_socket_service_start (f->service);
}

/* Every master of ours has ended (iterating the main context meanwhile). */
static void
wait_no_masters (void)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (hangar_ssh_tunnel_get_n_masters () > 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%u ssh masters are left", hangar_ssh_tunnel_get_n_masters ());
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5 * 1000);
    }
}

/* Ends every shared login of ours and waits until they are gone. */
static void
shutdown_masters (void)
{
  hangar_ssh_tunnel_shutdown_all ();
  wait_no_masters ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  /* The shared logins of this test's server (the app does the same when it exits). */
  shutdown_masters ();
  if (f->service != NULL)
    {
      g_socket_service_stop (f->service);
      g_socket_listener_close (G_SOCKET_LISTENER (f->service));
      g_clear_object (&f->service);
    }
  hangar_test_sshd_stop (f->sshd);
}

/* TRUE (the test skipped) when the fixture has no server: sshd is not installed or we are not root. */
static gboolean
skip_without_sshd (Fixture *f)
{
  if (f->sshd != NULL)
    return FALSE;
  g_test_skip (hangar_test_sshd_unavailable ());
  return TRUE;
}

/* Serves the stand-in display on a unix socket @name in the server's directory too; returns its path. */
static char *
listen_unix (Fixture    *f,
             const char *name)
{
  g_autofree char *path = g_build_filename (f->sshd->dir, name, NULL);
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (G_SOCKET_LISTENER (f->service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static char *
make_uri (Fixture    *f,
          const char *extra)
{
  return g_strdup_printf ("qemu+ssh://root@127.0.0.1:%u/system?keyfile=%s&known_hosts=%s%s",
                          f->sshd->port, f->sshd->client_key, f->sshd->known_hosts,
                          extra != NULL ? extra : "");
}

/* Waits (10 s at most) until @fd can be read, running the main context meanwhile: the
 * stand-in display accepts there. */
static gboolean
wait_readable (int fd)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      struct pollfd p = { fd, POLLIN, 0 };

      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (poll (&p, 1, 5) == 1)
        return TRUE;
    }

  return FALSE;
}

/* Reads exactly @length bytes. */
static void
read_exactly (int    fd,
              char  *buffer,
              gsize  length)
{
  gsize done = 0;

  while (done < length)
    {
      gssize n;

      g_assert_true (wait_readable (fd));
      n = read (fd, buffer + done, length - done);
      g_assert_cmpint (n, >, 0);
      done += n;
    }
}

/* Whether the socket reads end of file (what the console sees when ssh fails). */
static gboolean
reads_eof (int fd)
{
  char buffer[64];

  return wait_readable (fd) && read (fd, buffer, sizeof buffer) == 0;
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Wait;

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *w = user_data;

  w->ok = hangar_ssh_tunnel_wait_finish (HANGAR_SSH_TUNNEL (object), result, &w->error);
  w->done = TRUE;
}

static void
wait_tunnel (HangarSshTunnel *tunnel,
             Wait            *w)
{
  hangar_ssh_tunnel_wait_async (tunnel, 20000, NULL, wait_cb, w);
  while (!w->done)
    g_main_context_iteration (NULL, TRUE);
}

static guint
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Our mux clients (one per socket) to this test's server. */
static guint
n_clients (Fixture *f)
{
  g_autofree char *needle = g_strdup_printf ("-p %u -l root -T", f->sshd->port);

  return hangar_test_count_processes_with (needle, "ControlMaster=no");
}

/* Our masters (shared logins) to this test's server. */
static guint
n_masters (Fixture *f)
{
  g_autofree char *needle = g_strdup_printf ("-p %u -l root -i", f->sshd->port);

  return hangar_test_count_processes_with (needle, " -M -N -S ");
}

/* No ssh client of ours, and no remote nc to @port, are left (a master may linger). */
static void
assert_no_processes (Fixture *f,
                     guint    port)
{
  g_autofree char *nc = g_strdup_printf (" 127.0.0.1 %u", port);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (n_clients (f) > 0 || hangar_test_count_processes (nc) > 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%u ssh and %u nc processes are left", n_clients (f),
                 hangar_test_count_processes (nc));
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
}

/* Writes a line and reads it back through @fd (after the display's banner, if @banner). */
static void
assert_echo (int      fd,
             gboolean banner)
{
  char buffer[64];

  if (banner)
    {
      read_exactly (fd, buffer, strlen (BANNER));
      g_assert_cmpmem (buffer, strlen (BANNER), BANNER, strlen (BANNER));
    }
  g_assert_cmpint (write (fd, "ping\n", 5), ==, 5);
  read_exactly (fd, buffer, 5);
  g_assert_cmpmem (buffer, 5, "ping\n", 5);
}

/* A tunnel for @uri, which must be an ssh one. */
static HangarSshTunnel *
new_tunnel (const char *uri)
{
  g_autoptr(GError) error = NULL;
  HangarSshTunnel *tunnel = hangar_ssh_tunnel_new_for_uri (uri, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tunnel);
  return tunnel;
}

/* A socket through @tunnel to @address:@port (port 0: @address is a unix socket on the host). */
static int
open_socket (HangarSshTunnel *tunnel,
             const char      *address,
             guint            port)
{
  g_autoptr(GError) error = NULL;
  int fd = hangar_ssh_tunnel_open (tunnel, address, port, &error);

  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  return fd;
}

/* The same, after the display's banner and a line echoed through it. */
static int
open_echo (HangarSshTunnel *tunnel,
           const char      *address,
           guint            port)
{
  int fd = open_socket (tunnel, address, port);

  assert_echo (fd, TRUE);
  return fd;
}

/* A socket through @tunnel that reads end of file (ssh failed); closed. */
static void
open_eof (HangarSshTunnel *tunnel,
          const char      *address,
          guint            port)
{
  int fd = open_socket (tunnel, address, port);

  g_assert_true (reads_eof (fd));
  close (fd);
}

/* Each of the NULL-terminated strings after @haystack is in it. */
static void
assert_has (const char *haystack,
            ...)
{
  va_list args;
  const char *needle;

  va_start (args, haystack);
  while ((needle = va_arg (args, const char *)) != NULL)
    {
      if (strstr (haystack, needle) == NULL)
        g_test_message ("“%s” is not in %s", needle, haystack);
      g_assert_nonnull (strstr (haystack, needle));
    }
  va_end (args);
}

/* A program at @path that prints each of its arguments on a line of its own. */
static void
write_args_printer (const char *path)
{
  g_assert_true (g_file_set_contents (path, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
}

/* What the URI says reaches ssh's command line, as libvirt's own ssh transport would use it. */
static void
test_argv (void)
{
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *known = NULL;

  g_assert_true (hangar_ssh_tunnel_uri_is_ssh ("qemu+ssh://host/system"));
  g_assert_true (hangar_ssh_tunnel_uri_is_ssh ("qemu+libssh2://host/system"));
  g_assert_false (hangar_ssh_tunnel_uri_is_ssh ("qemu+tcp://host/system"));
  g_assert_false (hangar_ssh_tunnel_uri_is_ssh ("qemu:///system"));
  g_assert_false (hangar_ssh_tunnel_uri_is_ssh ("qemu+ssh:///system"));

  tunnel = hangar_ssh_tunnel_new_for_uri ("qemu+tcp://host/system", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (tunnel);
  g_clear_error (&error);

  tunnel = hangar_ssh_tunnel_new_for_uri ("qemu+ssh://alice@db.example:2222/system?keyfile=/k%20dir/id&"
                                          "no_verify=1&netcat=/opt/my%20nc&command=/usr/bin/myssh&no_tty=1",
                                          &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hangar_ssh_tunnel_get_host (tunnel), ==, "db.example");
  argv = hangar_ssh_tunnel_build_argv (tunnel, "127.0.0.1", 5901, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (argv[0], ==, "/usr/bin/myssh");
  joined = g_strjoinv ("|", argv);
  g_test_message ("%s", joined);
  /* A socket: a mux client of the shared login, TCP forwarded by the server (no nc), never a
   * login of its own. */
  assert_has (joined, "|-o|ControlMaster=no|", "|-S|", "|-o|BatchMode=yes|",
              "|-o|ProxyCommand=sh -c 'echo hangar-no-ssh-master >&2'|", "|-W|127.0.0.1:5901|--|db.example",
              NULL);
  g_assert_null (strstr (joined, " nc"));
  g_clear_pointer (&argv, g_strfreev);
  g_clear_pointer (&joined, g_free);

  /* The shared login: the URI's user, port, key and host key checking, in the foreground. */
  argv = hangar_ssh_tunnel_build_master_argv (tunnel);
  g_assert_cmpstr (argv[0], ==, "/usr/bin/myssh");
  joined = g_strjoinv ("|", argv);
  g_test_message ("%s", joined);
  assert_has (joined, "|-p|2222|", "|-l|alice|", "|-i|/k dir/id|", "|-o|BatchMode=yes|",
              "|-o|StrictHostKeyChecking=\"no\"|", "|-M|-N|-S|", "|-o|ControlPersist=no|", "|--|db.example",
              NULL);
  g_clear_pointer (&argv, g_strfreev);
  g_clear_pointer (&joined, g_free);

  /* A unix socket: nc on the host (netcat=), else socat. */
  argv = hangar_ssh_tunnel_build_argv (tunnel, "/run/x/vnc.sock", 0, &error);
  g_assert_no_error (error);
  joined = g_strjoinv ("|", argv);
  assert_has (joined, "|--|db.example|sh -c ", "/opt/my nc", "socat", NULL);
  g_assert_null (strstr (joined, "|-W|"));
  g_clear_pointer (&argv, g_strfreev);
  g_clear_pointer (&joined, g_free);

  /* Nothing a shell would read as more than an address. */
  g_assert_null (hangar_ssh_tunnel_build_argv (tunnel, "127.0.0.1;reboot", 5901, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  {
    static const struct { const char *address; guint port; } refused[] = {
      { "$(reboot)", 5901 }, { "-oProxyCommand=x", 5901 }, { "127.0.0.1", 0 }, { "relative/vnc.sock", 0 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
      {
        g_assert_null (hangar_ssh_tunnel_build_argv (tunnel, refused[i].address, refused[i].port, &error));
        g_clear_error (&error);
      }
  }
  g_clear_object (&tunnel);

  /* Port 0: a unix socket on the host. What the remote login shell runs (here a local sh, with
   * an nc that prints its arguments) must hand nc the path unchanged, whatever its name. */
  {
    g_autofree char *dir = g_dir_make_tmp ("hangar-test-nc-XXXXXX", NULL);
    g_autofree char *fake = g_build_filename (dir, "fake nc", NULL);
    g_autofree char *fake_uri = NULL;
    g_autofree char *escaped = NULL;
    g_autofree char *out = NULL;
    const char *path = "/var/lib/a b/vnc'$(x)\"`y`;z.sock";
    int status;

    write_args_printer (fake);
    escaped = g_uri_escape_string (fake, NULL, FALSE);
    fake_uri = g_strdup_printf ("qemu+ssh://host/system?netcat=%s", escaped);
    tunnel = hangar_ssh_tunnel_new_for_uri (fake_uri, &error);
    g_assert_no_error (error);
    argv = hangar_ssh_tunnel_build_argv (tunnel, path, 0, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_sync (NULL, (char *[]) { (char *) "/bin/sh", (char *) "-c",
                                                    argv[g_strv_length (argv) - 1], NULL },
                                 NULL, 0, NULL, NULL, &out, NULL, &status, &error));
    g_assert_no_error (error);
    g_test_message ("fake nc got: %s", out);
    g_assert_cmpstr (out, ==, "-U\n/var/lib/a b/vnc'$(x)\"`y`;z.sock\n");
    g_clear_pointer (&argv, g_strfreev);
    g_clear_pointer (&out, g_free);
    g_clear_object (&tunnel);
    g_unlink (fake);

    /* No nc: socat gets the path with socat's own specials escaped (it unescapes them). */
    {
      g_autofree char *socat = g_build_filename (dir, "socat", NULL);
      g_autofree char *script = NULL;
      g_autofree char *with_path = NULL;

      write_args_printer (socat);
      tunnel = hangar_ssh_tunnel_new_for_uri ("qemu+ssh://host/system?netcat=/nonexistent/nc", &error);
      g_assert_no_error (error);
      argv = hangar_ssh_tunnel_build_argv (tunnel, path, 0, &error);
      g_assert_no_error (error);
      script = g_shell_quote (argv[g_strv_length (argv) - 1]);
      with_path = g_strdup_printf ("PATH=%s:/usr/bin:/bin; export PATH; eval %s", dir, script);
      g_assert_true (g_spawn_sync (NULL, (char *[]) { (char *) "/bin/sh", (char *) "-c", with_path, NULL },
                                   NULL, 0, NULL, NULL, &out, NULL, &status, &error));
      g_assert_no_error (error);
      g_test_message ("fake socat got: %s", out);
      g_assert_cmpstr (out, ==, "-\nUNIX-CONNECT:/var/lib/a\\ b/vnc\\'\\$\\(x\\)\\\"\\`y\\`\\;z.sock\n");
      g_clear_pointer (&argv, g_strfreev);
      g_clear_object (&tunnel);
      g_unlink (socat);
    }
    g_rmdir (dir);
  }

  /* libssh2: root by default, libvirt's own known_hosts, known_hosts_verify=auto. */
  tunnel = hangar_ssh_tunnel_new_for_uri ("qemu+libssh2://[::1]/system?known_hosts_verify=auto", &error);
  g_assert_no_error (error);
  argv = hangar_ssh_tunnel_build_argv (tunnel, "::1", 5900, &error);
  g_assert_no_error (error);
  joined = g_strjoinv ("|", argv);
  g_assert_nonnull (strstr (joined, "|-W|[::1]:5900|--|::1"));
  g_clear_pointer (&argv, g_strfreev);
  g_clear_pointer (&joined, g_free);
  argv = hangar_ssh_tunnel_build_master_argv (tunnel);
  joined = g_strjoinv ("|", argv);
  known = g_build_filename (g_get_user_config_dir (), "libvirt", "known_hosts", NULL);
  g_assert_cmpstr (argv[0], ==, "ssh");
  assert_has (joined, "|-l|root|", "StrictHostKeyChecking=\"accept-new\"", known, "|--|::1", NULL);
  g_assert_null (strstr (joined, "|-p|"));
}

/* How the console reaches a display, for each kind of connection and listen address. */
static void
test_route (void)
{
  static const struct {
    const char         *uri;
    gboolean            is_local;
    gboolean            prefer_fd;
    const char         *listen;
    int                 port;
    HangarDisplayRoute  route;
    const char         *address;  /* or words of the reason */
    const char         *socket;
  } cases[] = {
    { "qemu:///system", TRUE, TRUE, "127.0.0.1", 5900, HANGAR_DISPLAY_ROUTE_FD, NULL },
    { "qemu:///system", TRUE, FALSE, NULL, -1, HANGAR_DISPLAY_ROUTE_FD, NULL },
    { "qemu:///system", TRUE, FALSE, "0.0.0.0", 5900, HANGAR_DISPLAY_ROUTE_DIRECT, "127.0.0.1" },
    { "qemu+ssh://root@h.example/system", FALSE, TRUE, "127.0.0.1", 5900, HANGAR_DISPLAY_ROUTE_SSH, "127.0.0.1" },
    { "qemu+ssh://h.example/system", FALSE, TRUE, "0.0.0.0", 5901, HANGAR_DISPLAY_ROUTE_SSH, "127.0.0.1" },
    { "qemu+ssh://h.example/system", FALSE, TRUE, "::", 5901, HANGAR_DISPLAY_ROUTE_SSH, "::1" },
    { "qemu+ssh://h.example/system", FALSE, TRUE, NULL, 5901, HANGAR_DISPLAY_ROUTE_SSH, "127.0.0.1" },
    { "qemu+libssh2://h.example/system", FALSE, TRUE, "10.0.0.5", 5902, HANGAR_DISPLAY_ROUTE_SSH, "10.0.0.5" },
    { "qemu+ssh://h.example/system", FALSE, TRUE, NULL, -1, HANGAR_DISPLAY_ROUTE_NONE, "no network port" },
    { "qemu+tcp://h.example/system", FALSE, TRUE, "0.0.0.0", 5900, HANGAR_DISPLAY_ROUTE_DIRECT, "h.example" },
    { "qemu+tls://h.example:16514/system", FALSE, TRUE, "192.168.1.9", 5900, HANGAR_DISPLAY_ROUTE_DIRECT, "192.168.1.9" },
    { "qemu+tcp://h.example/system", FALSE, TRUE, "127.0.0.1", 5900, HANGAR_DISPLAY_ROUTE_NONE, "listens only on 127.0.0.1" },
    { "qemu+tls://h.example/system", FALSE, TRUE, "::1", 5900, HANGAR_DISPLAY_ROUTE_NONE, "listens only on ::1" },
    { "qemu+tcp://127.0.0.1/system", FALSE, TRUE, "127.0.0.1", 5900, HANGAR_DISPLAY_ROUTE_DIRECT, "127.0.0.1" },
    { "qemu+tls://[::1]/system", FALSE, TRUE, "::1", 5900, HANGAR_DISPLAY_ROUTE_DIRECT, "::1" },
    { "qemu+tcp://h.example/system", FALSE, TRUE, "0.0.0.0", -1, HANGAR_DISPLAY_ROUTE_NONE, "no network port" },
    { "qemu+ssh://h.example/system", FALSE, TRUE, NULL, -1, HANGAR_DISPLAY_ROUTE_SSH_SOCKET, "/run/x/vnc.sock",
      "/run/x/vnc.sock" },
    { "qemu+tcp://h.example/system", FALSE, TRUE, NULL, -1, HANGAR_DISPLAY_ROUTE_NONE, "no network port",
      "/run/x/vnc.sock" },
    { "qemu:///system", TRUE, FALSE, NULL, -1, HANGAR_DISPLAY_ROUTE_FD, NULL, "/run/x/vnc.sock" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      HangarMachineDetails details = { 0, };
      g_autofree char *address = NULL;
      g_autofree char *reason = NULL;
      HangarDisplayRoute route;

      details.graphics_type = (char *) "vnc";
      details.graphics_listen = (char *) cases[i].listen;
      details.graphics_port = cases[i].port;
      details.graphics_socket = (char *) cases[i].socket;
      route = hangar_display_route_for (cases[i].uri, cases[i].is_local, cases[i].prefer_fd, &details,
                                        &address, &reason);
      g_test_message ("%s listen %s port %d → route %d %s%s", cases[i].uri,
                      cases[i].listen ? cases[i].listen : "(none)", cases[i].port, route,
                      address ? address : "", reason ? reason : "");
      g_assert_cmpint (route, ==, cases[i].route);
      if (route == HANGAR_DISPLAY_ROUTE_NONE)
        {
          g_assert_null (address);
          g_assert_nonnull (strstr (reason, cases[i].address));
        }
      else
        {
          g_assert_null (reason);
          g_assert_cmpstr (address, ==, cases[i].address);
        }
    }
}

/* Whether @path is there (a control socket). */
static gboolean
exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Bytes both ways through three sockets of one shared login; closing ends the clients, the
 * master goes a little later with its socket, and no fd leaks. */
static void
test_echo (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *control = NULL;
  guint n_fds;
  gint64 begin;
  int fds[3];
  int fd;

  if (skip_without_sshd (f))
    return;

  n_fds = count_fds ();
  uri = make_uri (f, NULL);
  tunnel = new_tunnel (uri);

  for (guint round = 0; round < 3; round++)
    {
      begin = g_get_monotonic_time ();
      fd = open_socket (tunnel, "127.0.0.1", f->service_port);
      fds[round] = fd;
      g_test_message ("round %u: open took %.1f ms", round, (g_get_monotonic_time () - begin) / 1000.0);
      {
        char banner[64];

        read_exactly (fd, banner, strlen (BANNER));
        g_assert_cmpmem (banner, strlen (BANNER), BANNER, strlen (BANNER));
      }
      g_test_message ("round %u: first bytes through the tunnel after %.0f ms", round,
                      (g_get_monotonic_time () - begin) / 1000.0);
      assert_echo (fd, FALSE);
      g_assert_cmpuint (hangar_ssh_tunnel_get_n_running (tunnel), ==, round + 1);
      g_assert_cmpuint (n_clients (f), ==, round + 1);
      g_assert_cmpuint (n_masters (f), ==, 1);
      g_assert_cmpuint (hangar_ssh_tunnel_get_n_masters (), ==, 1);
      g_assert_cmpuint (hangar_test_sshd_count_logins (f->sshd), ==, 1);
    }

  /* The socket is in a private directory (0700) and short enough for any sun_path. */
  control = g_strdup (hangar_ssh_tunnel_get_control_path (tunnel));
  g_test_message ("control socket %s", control);
  g_assert_nonnull (control);
  g_assert_true (exists (control));
  g_assert_cmpuint (strlen (control), <, 104 - 17);
  {
    g_autofree char *dir = g_path_get_dirname (control);
    GStatBuf st;

    g_assert_cmpint (g_stat (dir, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  }

  /* Closing the tunnel ends every client; the sockets the caller still holds stay up until
   * it closes them (the master carries them). */
  hangar_ssh_tunnel_close (tunnel);
  g_assert_cmpuint (hangar_ssh_tunnel_get_n_running (tunnel), ==, 0);
  g_assert_null (hangar_ssh_tunnel_get_error (tunnel));
  assert_no_processes (f, f->service_port);
  /* Its cancelled reads and waits still hold it until they have run. */
  {
    HangarSshTunnel *weak = tunnel;

    g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
    g_clear_object (&tunnel);
    while (weak != NULL)
      g_main_context_iteration (NULL, TRUE);
  }
  for (guint round = 0; round < 3; round++)
    close (fds[round]);

  /* Nobody uses the master any more: a few seconds later it ends, and its socket goes. */
  begin = g_get_monotonic_time ();
  wait_no_masters ();
  g_test_message ("master gone %.1f s after the last tunnel closed", (g_get_monotonic_time () - begin) / 1e6);
  g_assert_cmpuint (n_masters (f), ==, 0);
  g_assert_cmpuint (hangar_test_count_processes (f->sshd->dir), ==, 0);
  g_assert_false (exists (control));

  /* Nothing of ours is left open. */
  g_assert_cmpuint (count_fds (), ==, n_fds);
}

/* A SPICE console's four sockets at once take one login; a reconnect (a new tunnel, as the
 * console makes) and a second console reuse it. */
static void
test_shared_login (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  g_autoptr(HangarSshTunnel) second = NULL;
  g_autofree char *uri = NULL;
  GPid master = 0;
  gint64 begin;
  int fds[4];

  if (skip_without_sshd (f))
    return;

  uri = make_uri (f, NULL);
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      tunnel = new_tunnel (uri);
      /* main, display, inputs, cursor: asked for before the login is through. */
      begin = g_get_monotonic_time ();
      for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
        fds[i] = open_socket (tunnel, "127.0.0.1", f->service_port);
      for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
        assert_echo (fds[i], TRUE);
      g_test_message ("%s: 4 sockets through after %.0f ms", attempt == 0 ? "first" : "reconnect",
                      (g_get_monotonic_time () - begin) / 1000.0);
      g_assert_cmpuint (n_clients (f), ==, 4);
      g_assert_cmpuint (n_masters (f), ==, 1);
      g_assert_cmpuint (hangar_test_sshd_count_logins (f->sshd), ==, 1);
      if (attempt == 0)
        master = hangar_ssh_tunnel_get_master_pid (tunnel);
      g_assert_cmpint (hangar_ssh_tunnel_get_master_pid (tunnel), ==, master);
      g_assert_cmpint (master, >, 0);

      /* The console closes (its sockets first, then the tunnel, as the page does). */
      for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
        close (fds[i]);
      hangar_ssh_tunnel_close (tunnel);
      g_clear_object (&tunnel);
      assert_no_processes (f, f->service_port);
    }

  /* Two consoles at once. */
  tunnel = new_tunnel (uri);
  second = new_tunnel (uri);
  fds[0] = open_echo (tunnel, "127.0.0.1", f->service_port);
  fds[1] = open_echo (second, "127.0.0.1", f->service_port);
  g_assert_cmpuint (hangar_test_sshd_count_logins (f->sshd), ==, 1);
  g_assert_cmpint (hangar_ssh_tunnel_get_master_pid (second), ==, master);
  /* The first console closing does not end the second's. */
  close (fds[0]);
  g_clear_object (&tunnel);
  assert_echo (fds[1], FALSE);
  close (fds[1]);
  g_clear_object (&second);
  g_assert_cmpuint (hangar_test_sshd_count_logins (f->sshd), ==, 1);
}

/* A master killed under an open socket: the socket ends without a failure (the console retries
 * quietly), and the next socket logs in again through a new master. */
static void
test_killed_master (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *control = NULL;
  Wait w = { 0, };
  GPid master;
  int fd;

  if (skip_without_sshd (f))
    return;

  uri = make_uri (f, NULL);
  tunnel = new_tunnel (uri);
  fd = open_echo (tunnel, "127.0.0.1", f->service_port);
  master = hangar_ssh_tunnel_get_master_pid (tunnel);
  control = g_strdup (hangar_ssh_tunnel_get_control_path (tunnel));
  g_assert_cmpint (master, >, 0);

  g_assert_cmpint (kill (master, SIGKILL), ==, 0);
  g_assert_true (reads_eof (fd));
  close (fd);
  wait_tunnel (tunnel, &w);
  g_test_message ("killed master: %s", w.error != NULL ? w.error->message : "no error");
  g_assert_no_error (w.error);
  g_assert_true (w.ok);
  /* It left its socket behind (SIGKILL): removed. */
  while (exists (control))
    g_main_context_iteration (NULL, TRUE);

  fd = open_echo (tunnel, "127.0.0.1", f->service_port);
  g_assert_cmpint (hangar_ssh_tunnel_get_master_pid (tunnel), !=, master);
  g_assert_cmpstr (hangar_ssh_tunnel_get_control_path (tunnel), !=, control);
  g_assert_cmpuint (n_masters (f), ==, 1);
  g_assert_cmpuint (hangar_test_sshd_count_logins (f->sshd), ==, 2);
  close (fd);
}

/* The same through a unix socket on the host (a display with <listen type='socket'/>), and a
 * socket nobody listens on. */
static void
test_socket (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *path = NULL;
  g_autofree char *missing = NULL;
  Wait w = { 0, };
  int fd;

  if (skip_without_sshd (f))
    return;

  path = listen_unix (f, "display sock");

  uri = make_uri (f, NULL);
  tunnel = new_tunnel (uri);
  fd = open_echo (tunnel, path, 0);
  g_assert_cmpuint (hangar_test_count_processes_with (path, "BatchMode=yes"), ==, 1);
  close (fd);

  /* Our end closed: ssh, and nc on the host, end by themselves, without an error. */
  wait_tunnel (tunnel, &w);
  g_assert_true (w.ok);
  g_assert_no_error (w.error);
  g_assert_cmpuint (hangar_test_count_processes (path), ==, 0);

  missing = g_build_filename (f->sshd->dir, "no such sock", NULL);
  open_eof (tunnel, missing, 0);
  w.done = FALSE;
  wait_tunnel (tunnel, &w);
  g_test_message ("%s", w.error != NULL ? w.error->message : "no error");
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (strstr (w.error->message, "no such sock on the host"));
  g_clear_error (&w.error);
  g_assert_cmpuint (hangar_test_count_processes (missing), ==, 0);
}

/* The server refuses the shared login another session (sshd's MaxSessions): that socket fails
 * and says why, and the login and the sockets it carries stay. */
static void
test_max_sessions (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *path = NULL;
  Wait w = { 0, };
  int fd1, fd2;

  if (skip_without_sshd (f))
    return;

  hangar_test_sshd_stop (f->sshd);
  f->sshd = hangar_test_sshd_start_with ("MaxSessions 2\n");
  path = listen_unix (f, "display sock");
  uri = make_uri (f, NULL);
  tunnel = new_tunnel (uri);
  fd1 = open_echo (tunnel, path, 0);
  fd2 = open_echo (tunnel, path, 0);

  open_eof (tunnel, path, 0);
  g_assert_cmpuint (n_masters (f), ==, 1);
  assert_echo (fd1, FALSE);
  assert_echo (fd2, FALSE);
  g_assert_cmpuint (hangar_test_sshd_count_logins (f->sshd), ==, 1);

  close (fd1);
  close (fd2);
  wait_tunnel (tunnel, &w);
  g_test_message ("%s", w.error != NULL ? w.error->message : "no error");
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (w.error->message, "MaxSessions"));
  g_clear_error (&w.error);
}

/* no_verify=1, as libvirt's ssh transport reads it: an unknown host key is accepted (and
 * written to the known_hosts file) instead of failing as in failure/unknown-host-key. */
static void
test_no_verify (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *known = NULL;
  g_autofree char *contents = NULL;
  char buffer[64];
  int fd;

  if (skip_without_sshd (f))
    return;

  known = g_build_filename (f->sshd->dir, "known_hosts-empty", NULL);
  g_assert_true (g_file_set_contents (known, "", 0, NULL));
  uri = g_strdup_printf ("qemu+ssh://root@127.0.0.1:%u/system?keyfile=%s&known_hosts=%s&no_verify=1",
                         f->sshd->port, f->sshd->client_key, known);
  tunnel = new_tunnel (uri);
  fd = open_socket (tunnel, "127.0.0.1", f->service_port);
  read_exactly (fd, buffer, strlen (BANNER));
  g_assert_cmpmem (buffer, strlen (BANNER), BANNER, strlen (BANNER));
  close (fd);

  /* Debian's ssh_config hashes host names (HashKnownHosts): look for the key itself. */
  g_assert_true (g_file_get_contents (known, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "ssh-ed25519 "));
  hangar_ssh_tunnel_close (tunnel);
  assert_no_processes (f, f->service_port);
}

/* The crash-child mode of this program (see main ()): opens a socket through a new master,
 * waits for its login, prints the control socket, and dies by SIGKILL. */
static int
crash_child (const char *uri,
             const char *port)
{
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  int fd;

  tunnel = new_tunnel (uri);
  fd = open_socket (tunnel, "127.0.0.1", (guint) g_ascii_strtoull (port, NULL, 10));
  g_assert_true (wait_readable (fd));
  while (g_get_monotonic_time () < deadline && !exists (hangar_ssh_tunnel_get_control_path (tunnel)))
    g_main_context_iteration (NULL, FALSE);
  g_print ("%s\n", hangar_ssh_tunnel_get_control_path (tunnel));
  fflush (stdout);
  raise (SIGKILL);
  return 1;
}

static void
async_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Hangar killed (SIGKILL) with a master running: the master ends by itself and removes its
 * socket; the next Hangar removes the empty directory. */
static void
test_crash (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *port = NULL;
  g_autofree char *out = NULL;
  g_autofree char *dir = NULL;
  gint64 deadline;
  int status;
  int fd;

  if (skip_without_sshd (f))
    return;

  uri = make_uri (f, NULL);
  port = g_strdup_printf ("%u", f->service_port);
  /* (The main loop runs meanwhile: the stand-in display accepts there.) */
  {
    g_autoptr(GSubprocess) child = NULL;
    g_autoptr(GAsyncResult) result = NULL;

    child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "/proc/self/exe",
                              "--crash-child", uri, port, NULL);
    g_assert_no_error (error);
    g_subprocess_communicate_utf8_async (child, NULL, NULL, async_result_cb, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (g_subprocess_communicate_utf8_finish (child, result, &out, NULL, &error));
    g_assert_no_error (error);
    g_subprocess_wait (child, NULL, NULL);
    status = g_subprocess_get_status (child);
    g_assert_true (WIFSIGNALED (status));
  }
  g_strstrip (out);
  g_test_message ("the killed process's master listened at %s", out);
  g_assert_true (g_str_has_prefix (out, "/"));

  /* Its master has noticed (SIGTERM on its parent's death) and gone with its socket. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (n_masters (f) > 0 || exists (out))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10 * 1000);
    }
  dir = g_path_get_dirname (out);
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));

  /* A new process's first master clears the empty directory away. */
  shutdown_masters ();
  tunnel = new_tunnel (uri);
  fd = open_echo (tunnel, "127.0.0.1", f->service_port);
  close (fd);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* A user's ssh_config that would make ssh share, persist, forward or run things of its own
 * (ControlMaster auto, ControlPersist yes, LocalForward, LocalCommand): ours wins, and nothing
 * of it happens. */
static void
test_user_config (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  g_autofree char *config = g_build_filename (f->sshd->dir, "user_config", NULL);
  g_autofree char *wrapper = g_build_filename (f->sshd->dir, "ssh-with-config", NULL);
  g_autofree char *marker = g_build_filename (f->sshd->dir, "local-command-ran", NULL);
  g_autofree char *text = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint forward_port;
  int fd;

  if (skip_without_sshd (f))
    return;

  forward_port = hangar_test_spare_port ();
  text = g_strdup_printf ("Host *\n"
                          "  ControlMaster auto\n"
                          "  ControlPath %s/user-%%C\n"
                          "  ControlPersist yes\n"
                          "  LocalForward 127.0.0.1:%u 127.0.0.1:%u\n"
                          "  PermitLocalCommand yes\n"
                          "  LocalCommand touch %s\n",
                          f->sshd->dir, forward_port, f->service_port, marker);
  g_assert_true (g_file_set_contents (config, text, -1, NULL));
  g_free (text);
  text = g_strdup_printf ("#!/bin/sh\nexec ssh -F %s \"$@\"\n", config);
  g_assert_true (g_file_set_contents (wrapper, text, -1, NULL));
  g_assert_cmpint (g_chmod (wrapper, 0755), ==, 0);

  uri = make_uri (f, "&command=");
  {
    g_autofree char *with_command = g_strconcat (uri, wrapper, NULL);

    tunnel = new_tunnel (with_command);
  }
  for (guint i = 0; i < 2; i++)
    {
      fd = open_echo (tunnel, "127.0.0.1", f->service_port);
      close (fd);
    }
  g_assert_cmpuint (hangar_test_sshd_count_logins (f->sshd), ==, 1);

  /* No control socket of the user's, no forwarded port, no local command. */
  dir = g_dir_open (f->sshd->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_false (g_str_has_prefix (name, "user-"));
  g_assert_false (exists (marker));
  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GSocketConnection) connection = NULL;

    connection = g_socket_client_connect_to_host (client, "127.0.0.1", forward_port, NULL, NULL);
    g_assert_null (connection);
  }

  /* ControlPersist=yes would have put the master in the background: it ends with us. */
  g_clear_object (&tunnel);
  shutdown_masters ();
  g_assert_cmpuint (n_masters (f), ==, 0);
  g_assert_cmpuint (hangar_test_count_processes (f->sshd->dir), ==, 0);
}

/* A directory of programs for the server's side: sh and grep, and socat if @socat (never nc). */
static char *
make_bin_dir (Fixture    *f,
              const char *name,
              gboolean    socat)
{
  g_autofree char *dir = g_build_filename (f->sshd->dir, name, NULL);
  const char *programs[] = { "/bin/sh", "/bin/grep", socat ? "/usr/bin/socat" : NULL };

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (programs) && programs[i] != NULL; i++)
    {
      g_autofree char *base = g_path_get_basename (programs[i]);
      g_autofree char *link = g_build_filename (dir, base, NULL);

      g_assert_cmpint (symlink (programs[i], link), ==, 0);
    }

  return g_steal_pointer (&dir);
}

/* The server now sees our key with @options and PATH=@bin_dir (read at the next login); a new
 * tunnel for @uri, which logs in again through a fresh master. */
static HangarSshTunnel *
authorize_with (Fixture    *f,
                const char *options,
                const char *bin_dir,
                const char *uri)
{
  g_autofree char *all = g_strdup_printf ("%senvironment=\"PATH=%s\"", options, bin_dir);

  shutdown_masters ();
  hangar_test_sshd_authorize_with (f->sshd, f->sshd->client_key, all);
  return new_tunnel (uri);
}

/* Waits for the tunnel's processes to end and returns its failure (or NULL). */
static GError *
tunnel_failure (HangarSshTunnel *tunnel)
{
  Wait w = { 0, };

  wait_tunnel (tunnel, &w);
  g_test_message ("%s", w.error != NULL ? w.error->message : "no error");
  return w.error;
}

/* A host without nc: socat carries a unix socket (and TCP when the server does not forward
 * ports); with neither, each case says what is missing. */
static void
test_socat (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *path = NULL;
  g_autofree char *with_socat = NULL;
  g_autofree char *without = NULL;
  GError *failure;
  int fd;

  if (skip_without_sshd (f))
    return;
  if (!g_file_test ("/usr/bin/socat", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no /usr/bin/socat (apt install socat)");
      return;
    }

  /* A path with socat's own specials in it. */
  path = listen_unix (f, "display, sock:1");
  with_socat = make_bin_dir (f, "bin-socat", TRUE);
  without = make_bin_dir (f, "bin-none", FALSE);
  uri = make_uri (f, NULL);

  /* No nc, socat: the unix socket through socat; TCP through the server itself (-W). */
  tunnel = authorize_with (f, "", with_socat, uri);
  fd = open_echo (tunnel, path, 0);
  g_assert_cmpuint (hangar_test_count_processes ("socat - UNIX-CONNECT:"), ==, 1);
  close (fd);
  fd = open_echo (tunnel, "127.0.0.1", f->service_port);
  close (fd);
  g_assert_null (tunnel_failure (tunnel));
  g_clear_object (&tunnel);

  /* The server does not forward ports either: TCP through socat too. */
  tunnel = authorize_with (f, "no-port-forwarding,", with_socat, uri);
  fd = open_echo (tunnel, "127.0.0.1", f->service_port);
  g_assert_cmpuint (hangar_test_count_processes ("socat - TCP:127.0.0.1:"), ==, 1);
  close (fd);
  g_assert_null (tunnel_failure (tunnel));
  g_clear_object (&tunnel);

  /* Neither nc nor socat: the unix socket cannot be reached, and the sentence names both. */
  tunnel = authorize_with (f, "no-port-forwarding,", without, uri);
  open_eof (tunnel, path, 0);
  failure = tunnel_failure (tunnel);
  g_assert_error (failure, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (failure->message, "“nc” or socat"));
  g_assert_nonnull (strstr (failure->message, "has neither"));
  g_clear_error (&failure);
  g_clear_object (&tunnel);

  /* … and TCP, which the server does not forward, is "closed" (what a stopping guest looks
   * like too, so the console retries), with the reason spelled out. */
  tunnel = new_tunnel (uri);
  open_eof (tunnel, "127.0.0.1", f->service_port);
  failure = tunnel_failure (tunnel);
  g_assert_error (failure, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (strstr (failure->message, "does not forward ports"));
  g_clear_error (&failure);
  g_assert_cmpuint (hangar_test_sshd_count_logins (f->sshd), ==, 3);
  assert_no_processes (f, f->service_port);
}

typedef struct
{
  const char *name;
  const char *uri_extra;  /* after the key and known_hosts */
  gboolean    other_key;
  gboolean    no_known_hosts;
  gboolean    no_server;
  gboolean    closed_port;
  const char *host;
  GIOErrorEnum code;
  const char *words;
} Failure;

static const Failure failures[] = {
  { "wrong-key", NULL, TRUE, FALSE, FALSE, FALSE, NULL,
    G_IO_ERROR_PERMISSION_DENIED, "set up SSH keys or an agent" },
  { "unknown-host-key", NULL, FALSE, TRUE, FALSE, FALSE, NULL,
    G_IO_ERROR_PERMISSION_DENIED, "host key" },
  { "no-ssh-server", NULL, FALSE, FALSE, TRUE, FALSE, NULL,
    G_IO_ERROR_HOST_UNREACHABLE, "refused the SSH connection" },
  { "no-such-host", NULL, FALSE, FALSE, FALSE, FALSE, "hangar-test.invalid",
    G_IO_ERROR_HOST_UNREACHABLE, "could not be found" },
  { "display-closed", NULL, FALSE, FALSE, FALSE, TRUE, NULL,
    G_IO_ERROR_CONNECTION_REFUSED, "display is closed" },
};

static void
test_failure (Fixture       *f,
              gconstpointer  data)
{
  const Failure *failure = data;
  g_autoptr(HangarSshTunnel) tunnel = NULL;
  g_autofree char *uri = NULL;
  Wait w = { 0, };
  guint port;
  gint64 begin;

  if (skip_without_sshd (f))
    return;

  uri = g_strdup_printf ("qemu+ssh://root@%s:%u/system?keyfile=%s&known_hosts=%s%s",
                         failure->host != NULL ? failure->host : "127.0.0.1",
                         failure->no_server ? hangar_test_spare_port () : f->sshd->port,
                         failure->other_key ? f->sshd->other_key : f->sshd->client_key,
                         failure->no_known_hosts ? "/dev/null" : f->sshd->known_hosts,
                         failure->uri_extra != NULL ? failure->uri_extra : "");
  port = failure->closed_port ? hangar_test_spare_port () : f->service_port;
  tunnel = new_tunnel (uri);

  begin = g_get_monotonic_time ();
  open_eof (tunnel, "127.0.0.1", port);

  wait_tunnel (tunnel, &w);
  g_test_message ("%s: after %.0f ms: %s", failure->name, (g_get_monotonic_time () - begin) / 1000.0,
                  w.error != NULL ? w.error->message : "no error");
  g_assert_false (w.ok);
  g_assert_error (w.error, G_IO_ERROR, failure->code);
  g_assert_nonnull (strstr (w.error->message, failure->words));
  g_assert_true (g_error_matches (hangar_ssh_tunnel_get_error (tunnel), G_IO_ERROR, failure->code));
  g_assert_cmpuint (hangar_ssh_tunnel_get_n_running (tunnel), ==, 0);
  g_clear_error (&w.error);
  assert_no_processes (f, port);
}

int
main (int   argc,
      char *argv[])
{
  const char *why = hangar_test_sshd_unavailable ();

  if (argc == 4 && g_str_equal (argv[1], "--crash-child"))
    return crash_child (argv[2], argv[3]);

  g_test_init (&argc, &argv, NULL);

  if (why != NULL)
    {
      g_print ("1..0 # SKIP %s\n", why);
      return 0;
    }

  g_test_add_func ("/hangar/ssh-tunnel/argv", test_argv);
  g_test_add_func ("/hangar/ssh-tunnel/route", test_route);
  g_test_add ("/hangar/ssh-tunnel/echo", Fixture, NULL, fixture_setup, test_echo, fixture_teardown);
  g_test_add ("/hangar/ssh-tunnel/shared-login", Fixture, NULL, fixture_setup, test_shared_login, fixture_teardown);
  g_test_add ("/hangar/ssh-tunnel/killed-master", Fixture, NULL, fixture_setup, test_killed_master, fixture_teardown);
  g_test_add ("/hangar/ssh-tunnel/socat", Fixture, NULL, fixture_setup, test_socat, fixture_teardown);
  g_test_add ("/hangar/ssh-tunnel/crash", Fixture, NULL, fixture_setup, test_crash, fixture_teardown);
  g_test_add ("/hangar/ssh-tunnel/user-config", Fixture, NULL, fixture_setup, test_user_config, fixture_teardown);
  g_test_add ("/hangar/ssh-tunnel/socket", Fixture, NULL, fixture_setup, test_socket, fixture_teardown);
  g_test_add ("/hangar/ssh-tunnel/no-verify", Fixture, NULL, fixture_setup, test_no_verify, fixture_teardown);
  g_test_add ("/hangar/ssh-tunnel/max-sessions", Fixture, NULL, fixture_setup, test_max_sessions,
              fixture_teardown);
  for (guint i = 0; i < G_N_ELEMENTS (failures); i++)
    {
      g_autofree char *path = g_strdup_printf ("/hangar/ssh-tunnel/failure/%s", failures[i].name);

      g_test_add (path, Fixture, &failures[i], fixture_setup, test_failure, fixture_teardown);
    }

  return g_test_run ();
}
