/* hangar-ssh-tunnel.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-ssh-tunnel"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hangar-ssh-tunnel.h"

/* Reaches a display that listens on a remote host's own addresses (the libvirt default is
 * 127.0.0.1) the way virt-manager and virt-viewer do: one `ssh HOST sh -c '… nc ADDRESS PORT'`
 * per socket, its stdin and stdout one end of a socketpair, the other end handed to the VNC or
 * SPICE client. ssh gets the user, host, port and key of the libvirt URI (and its known_hosts /
 * no_verify choices), as libvirt's own ssh transport does, and never prompts (BatchMode=yes).
 * When a process ends, its exit status and what it wrote on stderr become a sentence.
 *
 * The remote command goes through the remote user's shell, so everything in it is either
 * checked (address: letters, digits, '.', ':', '-', '%'; port: a number) or quoted. */

/* How long an unreachable host may take before ssh gives up (its default is the kernel's,
 * about two minutes). */
#define CONNECT_TIMEOUT_S 15
/* Enough of ssh's stderr for its last error line. */
#define MAX_STDERR 4096

typedef struct
{
  GSubprocess *process;
  GString     *stderr_text;
  char        *address;
  guint        port;
  gboolean     exited;
  gboolean     stderr_done;
  /* Ended by us (close or wait timeout): its exit is no failure. */
  gboolean     killed;
} Channel;

struct _HangarSshTunnel
{
  GObject       parent_instance;

  char         *binary;          /* "ssh", or the URI's command= */
  char         *host;
  char         *user;            /* NULL: ssh's default */
  char         *port;            /* NULL: ssh's default */
  char         *keyfile;
  char         *known_hosts;
  const char   *host_key_check;  /* static: NULL, "no" or "accept-new" */
  char         *netcat;          /* the remote nc: "nc" or the URI's netcat= */

  GPtrArray    *channels;        /* Channel*, freed at finalize: callbacks may still look */
  GError       *error;           /* the first failure */
  GCancellable *cancellable;     /* cancelled by close: stops reads and waits */
  GPtrArray    *waiters;         /* GTask* of wait_async */
  guint         wait_source;
};

G_DEFINE_FINAL_TYPE (HangarSshTunnel, hangar_ssh_tunnel, G_TYPE_OBJECT)

static void
channel_free (Channel *channel)
{
  g_clear_object (&channel->process);
  g_string_free (channel->stderr_text, TRUE);
  g_free (channel->address);
  g_free (channel);
}

static gboolean
channel_running (Channel *channel)
{
  return !channel->killed && !(channel->exited && channel->stderr_done);
}

static char *
transport_of (GUri *guri)
{
  const char *plus = strchr (g_uri_get_scheme (guri), '+');

  return plus != NULL ? g_ascii_strdown (plus + 1, -1) : NULL;
}

/**
 * hangar_ssh_tunnel_uri_is_ssh:
 * @uri: a libvirt connection URI
 *
 * Returns: whether @uri reaches its host through SSH (ssh, libssh or libssh2 transport), so a
 *   display listening on that host's loopback can be tunnelled
 */
gboolean
hangar_ssh_tunnel_uri_is_ssh (const char *uri)
{
  g_autoptr(GUri) guri = NULL;
  g_autofree char *transport = NULL;

  g_return_val_if_fail (uri != NULL, FALSE);

  guri = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_NON_DNS, NULL);
  if (guri == NULL || g_uri_get_host (guri) == NULL || *g_uri_get_host (guri) == '\0')
    return FALSE;

  transport = transport_of (guri);
  return g_strcmp0 (transport, "ssh") == 0 || g_strcmp0 (transport, "libssh") == 0 ||
         g_strcmp0 (transport, "libssh2") == 0;
}

static gboolean
param_true (GHashTable *params,
            const char *name)
{
  const char *value = params != NULL ? g_hash_table_lookup (params, name) : NULL;

  return value != NULL && *value != '\0' && !g_str_equal (value, "0");
}

static char *
param_dup (GHashTable *params,
           const char *name)
{
  const char *value = params != NULL ? g_hash_table_lookup (params, name) : NULL;

  return value != NULL && *value != '\0' ? g_strdup (value) : NULL;
}

/**
 * hangar_ssh_tunnel_new_for_uri:
 * @uri: a libvirt URI with an SSH transport, such as qemu+ssh://user@host:2222/system?keyfile=…
 *
 * Reads what libvirt's SSH transports read from the URI: user, host, port, and the parameters
 * keyfile, no_verify, known_hosts, known_hosts_verify, command (ssh transport: the ssh binary)
 * and netcat (the remote nc). Starts nothing.
 *
 * Returns: (transfer full): the tunnel, or %NULL if @uri has no SSH transport or no host
 */
HangarSshTunnel *
hangar_ssh_tunnel_new_for_uri (const char  *uri,
                               GError     **error)
{
  g_autoptr(HangarSshTunnel) self = NULL;
  g_autoptr(GUri) guri = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *transport = NULL;
  const char *verify;

  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!hangar_ssh_tunnel_uri_is_ssh (uri))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” does not reach its host over SSH, so the console cannot be tunnelled."),
                   uri);
      return NULL;
    }

  guri = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_NON_DNS, NULL);
  transport = transport_of (guri);
  if (g_uri_get_query (guri) != NULL)
    params = g_uri_parse_params (g_uri_get_query (guri), -1, "&", G_URI_PARAMS_NONE, NULL);

  self = g_object_new (HANGAR_TYPE_SSH_TUNNEL, NULL);
  self->host = g_strdup (g_uri_get_host (guri));
  self->user = g_strdup (g_uri_get_user (guri));
  if (g_uri_get_port (guri) > 0)
    self->port = g_strdup_printf ("%d", g_uri_get_port (guri));
  self->keyfile = param_dup (params, "keyfile");
  self->known_hosts = param_dup (params, "known_hosts");
  self->netcat = param_dup (params, "netcat");
  if (self->netcat == NULL)
    self->netcat = g_strdup ("nc");

  if (g_str_equal (transport, "ssh"))
    {
      /* libvirt runs the OpenSSH binary (or command=) with StrictHostKeyChecking=no for
       * no_verify; known_hosts is only read by the libssh transports, but honouring it here
       * costs nothing. */
      self->binary = param_dup (params, "command");
      if (param_true (params, "no_verify"))
        self->host_key_check = "no";
    }
  else
    {
      /* libssh and libssh2: user root by default, their own known_hosts file, and
       * known_hosts_verify=normal|auto|ignore. */
      if (self->user == NULL)
        self->user = g_strdup ("root");
      if (self->known_hosts == NULL)
        self->known_hosts = g_build_filename (g_get_user_config_dir (), "libvirt", "known_hosts", NULL);
      verify = params != NULL ? g_hash_table_lookup (params, "known_hosts_verify") : NULL;
      if (g_strcmp0 (verify, "ignore") == 0)
        self->host_key_check = "no";
      else if (g_strcmp0 (verify, "auto") == 0)
        self->host_key_check = "accept-new";
    }
  if (self->binary == NULL)
    self->binary = g_strdup ("ssh");

  return g_steal_pointer (&self);
}

const char *
hangar_ssh_tunnel_get_host (HangarSshTunnel *self)
{
  g_return_val_if_fail (HANGAR_IS_SSH_TUNNEL (self), NULL);

  return self->host;
}

/**
 * hangar_ssh_tunnel_get_n_running:
 *
 * Returns: how many of the tunnel's ssh processes still run (or have not been reaped)
 */
guint
hangar_ssh_tunnel_get_n_running (HangarSshTunnel *self)
{
  guint n = 0;

  g_return_val_if_fail (HANGAR_IS_SSH_TUNNEL (self), 0);

  for (guint i = 0; i < self->channels->len; i++)
    if (channel_running (g_ptr_array_index (self->channels, i)))
      n++;

  return n;
}

/**
 * hangar_ssh_tunnel_get_error:
 *
 * Returns: (nullable): why the first of the tunnel's processes that failed ended
 */
const GError *
hangar_ssh_tunnel_get_error (HangarSshTunnel *self)
{
  g_return_val_if_fail (HANGAR_IS_SSH_TUNNEL (self), NULL);

  return self->error;
}

/* Only what cannot mean anything to a shell: an IPv4/IPv6 literal (with a zone) or a name. */
static gboolean
address_is_safe (const char *address)
{
  if (address == NULL || *address == '\0' || *address == '-' || strlen (address) > 255)
    return FALSE;

  for (const char *p = address; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (".:-%", *p) == NULL)
      return FALSE;

  return TRUE;
}

/* A unix socket path: absolute, one line (it is quoted for the shell anyway). */
static gboolean
socket_path_is_safe (const char *path)
{
  return path != NULL && path[0] == '/' && strchr (path, '\n') == NULL && strlen (path) < 108;
}

/* The command the remote shell runs: find nc (exit 127 if it is not there), use -q 0 where nc
 * knows it (Debian's and SUSE's nc need it to exit when we close our end), connect to
 * @address:@port, or to the unix socket @address when @port is 0. */
static char *
remote_command (HangarSshTunnel *self,
                const char      *address,
                guint            port)
{
  g_autofree char *netcat = g_shell_quote (self->netcat);
  g_autofree char *target = NULL;
  g_autofree char *script = NULL;
  g_autofree char *quoted = NULL;

  if (port == 0)
    {
      g_autofree char *path = g_shell_quote (address);

      target = g_strdup_printf ("-U %s", path);
    }
  else
    {
      target = g_strdup_printf ("%s %u", address, port);
    }

  script = g_strdup_printf ("nc=%s; "
                            "if ! command -v \"$nc\" >/dev/null 2>&1; then "
                            "echo \"hangar: $nc: not found\" >&2; exit 127; fi; "
                            "if \"$nc\" -q 2>&1 | grep 'requires an argument' >/dev/null 2>&1; then "
                            "exec \"$nc\" -q 0 %s; fi; "
                            "exec \"$nc\" %s",
                            netcat, target, target);

  /* ssh hands the remote shell one string: run the script under sh whatever that shell is. */
  quoted = g_shell_quote (script);
  return g_strdup_printf ("sh -c %s", quoted);
}

/* ssh splits -o values at spaces unless quoted. */
static char *
ssh_option (const char *name,
            const char *value)
{
  return g_strdup_printf ("%s=\"%s\"", name, value);
}

/**
 * hangar_ssh_tunnel_build_argv:
 * @address: where the display listens, as seen from the remote host (or its unix socket)
 * @port: its TCP port, or 0 for a unix socket at @address
 *
 * Returns: (transfer full): the ssh command line hangar_ssh_tunnel_open () runs
 */
char **
hangar_ssh_tunnel_build_argv (HangarSshTunnel  *self,
                              const char       *address,
                              guint             port,
                              GError          **error)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autofree char *command = NULL;
  g_autofree char *timeout = NULL;

  g_return_val_if_fail (HANGAR_IS_SSH_TUNNEL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (port == 0 ? !socket_path_is_safe (address) : (!address_is_safe (address) || port > 65535))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The machine’s display address “%s” port %u cannot be used for an SSH tunnel."),
                   address != NULL ? address : "", port);
      return NULL;
    }

  builder = g_strv_builder_new ();
  g_strv_builder_add (builder, self->binary);
  if (self->port != NULL)
    g_strv_builder_addv (builder, (const char *[]) { "-p", self->port, NULL });
  if (self->user != NULL)
    g_strv_builder_addv (builder, (const char *[]) { "-l", self->user, NULL });
  if (self->keyfile != NULL)
    g_strv_builder_addv (builder, (const char *[]) { "-i", self->keyfile, NULL });
  /* No terminal, no escape character, no X11 forwarding; never ask anything. */
  g_strv_builder_addv (builder, (const char *[]) { "-T", "-e", "none", "-x",
                                                   "-o", "BatchMode=yes", NULL });
  timeout = g_strdup_printf ("ConnectTimeout=%d", CONNECT_TIMEOUT_S);
  g_strv_builder_addv (builder, (const char *[]) { "-o", timeout, NULL });
  if (self->host_key_check != NULL)
    {
      g_autofree char *option = ssh_option ("StrictHostKeyChecking", self->host_key_check);

      g_strv_builder_addv (builder, (const char *[]) { "-o", option, NULL });
    }
  if (self->known_hosts != NULL)
    {
      g_autofree char *option = ssh_option ("UserKnownHostsFile", self->known_hosts);

      g_strv_builder_addv (builder, (const char *[]) { "-o", option, NULL });
    }
  command = remote_command (self, address, port);
  g_strv_builder_addv (builder, (const char *[]) { "--", self->host, command, NULL });

  return g_strv_builder_end (builder);
}

/* The last non-empty line ssh wrote, for errors nothing better describes. */
static char *
last_line (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (int i = (int) g_strv_length (lines) - 1; i >= 0; i--)
    {
      g_strstrip (lines[i]);
      if (*lines[i] != '\0')
        return g_strdup (lines[i]);
    }

  return NULL;
}

/* ssh exits with 255 for its own errors, else with the remote command's status: 127 when our
 * script found no nc, nc's 1 when it could not connect. */
static GError *
error_from_exit (HangarSshTunnel *self,
                 Channel         *channel,
                 int              status)
{
  const char *text = channel->stderr_text->str;
  g_autofree char *line = last_line (text);

  if (status == 127)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        _("The console is tunnelled through SSH with “%s” on %s, but that host "
                          "does not have it. Install netcat there (for example the "
                          "netcat-openbsd package)."),
                        self->netcat, self->host);

  if (status != 255 && channel->port == 0)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                        _("Nothing answers at %s on the host %s: the machine’s display is closed."),
                        channel->address, self->host);

  if (status != 255)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                        _("Nothing answers at %s port %u on the host %s: the machine’s display is closed."),
                        channel->address, channel->port, self->host);

  if (strstr (text, "Permission denied") != NULL || strstr (text, "Too many authentication") != NULL)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                        _("The host %s refused the SSH login for the console. Hangar cannot ask "
                          "for a password: set up SSH keys or an agent (ssh-add) for this host."),
                        self->host);

  if (strstr (text, "Host key verification failed") != NULL ||
      strstr (text, "REMOTE HOST IDENTIFICATION HAS CHANGED") != NULL)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                        _("The SSH host key of %s is not known or has changed. Connect once "
                          "with ssh in a terminal to check and accept it."),
                        self->host);

  if (strstr (text, "Could not resolve hostname") != NULL)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                        _("The host %s could not be found."), self->host);

  if (strstr (text, "Connection refused") != NULL)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                        _("The host %s refused the SSH connection. Is its SSH server running?"),
                        self->host);

  if (strstr (text, "timed out") != NULL || strstr (text, "No route to host") != NULL ||
      strstr (text, "Network is unreachable") != NULL)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                        _("The host %s cannot be reached over SSH (%s)."), self->host,
                        line != NULL ? line : "");

  return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                      _("The SSH tunnel to %s failed: %s"), self->host,
                      line != NULL ? line : _("ssh ended with no message"));
}

static void check_waiters (HangarSshTunnel *self);

/* Both the process and its stderr are done: decide whether it failed. */
static void
channel_finished (HangarSshTunnel *self,
                  Channel         *channel)
{
  g_autoptr(GError) error = NULL;

  if (!channel->exited || !channel->stderr_done)
    return;

  if (!channel->killed)
    {
      if (g_subprocess_get_if_exited (channel->process))
        {
          int status = g_subprocess_get_exit_status (channel->process);

          if (status != 0)
            error = error_from_exit (self, channel, status);
        }
      else
        {
          error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The SSH tunnel to %s was killed (signal %d)."), self->host,
                               g_subprocess_get_term_sig (channel->process));
        }
    }

  g_debug ("ssh tunnel to %s:%u via %s (pid %s) ended%s%s%s", channel->address, channel->port,
           self->host, g_subprocess_get_identifier (channel->process),
           channel->killed ? " (killed)" : "", error != NULL ? ": " : "",
           error != NULL ? error->message : "");
  if (error != NULL && channel->stderr_text->len > 0)
    g_debug ("ssh said: %s", channel->stderr_text->str);
  if (error != NULL && self->error == NULL)
    self->error = g_steal_pointer (&error);

  check_waiters (self);
}

typedef struct
{
  HangarSshTunnel *self;     /* owned: keeps the channel alive while the call runs */
  Channel         *channel;
} ChannelCall;

static ChannelCall *
channel_call_new (HangarSshTunnel *self,
                  Channel         *channel)
{
  ChannelCall *call = g_new (ChannelCall, 1);

  call->self = g_object_ref (self);
  call->channel = channel;
  return call;
}

static void
channel_call_free (ChannelCall *call)
{
  g_object_unref (call->self);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChannelCall, channel_call_free)

static void
stderr_read_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChannelCall) call = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  Channel *channel = call->channel;
  GCancellable *cancellable;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      channel->stderr_done = TRUE;
      channel_finished (call->self, channel);
      return;
    }

  if (channel->stderr_text->len < MAX_STDERR)
    g_string_append_len (channel->stderr_text, g_bytes_get_data (bytes, NULL),
                         MIN (g_bytes_get_size (bytes), MAX_STDERR - channel->stderr_text->len));
  cancellable = call->self->cancellable;
  g_input_stream_read_bytes_async (G_INPUT_STREAM (object), 1024, G_PRIORITY_DEFAULT,
                                   cancellable, stderr_read_cb, g_steal_pointer (&call));
}

static void
process_wait_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ChannelCall) call = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (object), result, &error))
    return;

  call->channel->exited = TRUE;
  channel_finished (call->self, call->channel);
}

/**
 * hangar_ssh_tunnel_open:
 * @address: where the display listens, as seen from the remote host (or its unix socket)
 * @port: its TCP port, or 0 for a unix socket at @address
 *
 * Starts one ssh process connected to @address:@port (or the socket @address) on the remote host. It does not wait for
 * ssh: a failure shows as end of file on the socket, and hangar_ssh_tunnel_wait_async () then
 * says why.
 *
 * Returns: our end of the tunnel (the caller owns it), or -1
 */
int
hangar_ssh_tunnel_open (HangarSshTunnel  *self,
                        const char       *address,
                        guint             port,
                        GError          **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_auto(GStrv) argv = NULL;
  Channel *channel;
  int fds[2];
  int out_fd;

  g_return_val_if_fail (HANGAR_IS_SSH_TUNNEL (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  argv = hangar_ssh_tunnel_build_argv (self, address, port, error);
  if (argv == NULL)
    return -1;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not make a socket for the SSH tunnel: %s"), g_strerror (saved));
      return -1;
    }
  out_fd = fcntl (fds[1], F_DUPFD_CLOEXEC, 3);
  if (out_fd < 0)
    {
      int saved = errno;

      close (fds[0]);
      close (fds[1]);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not make a socket for the SSH tunnel: %s"), g_strerror (saved));
      return -1;
    }

  /* ssh reads and writes the socket as its stdin and stdout; the launcher closes our copies of
   * the child's end when it goes. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_take_stdin_fd (launcher, fds[1]);
  g_subprocess_launcher_take_stdout_fd (launcher, out_fd);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, error);
  g_clear_object (&launcher);
  if (process == NULL)
    {
      close (fds[0]);
      g_prefix_error (error, _("Could not run %s for the console’s SSH tunnel: "), argv[0]);
      return -1;
    }

  g_debug ("ssh tunnel %s to %s:%u via %s started (pid %s)", argv[0], address, port, self->host,
           g_subprocess_get_identifier (process));

  channel = g_new0 (Channel, 1);
  channel->process = g_steal_pointer (&process);
  channel->stderr_text = g_string_new (NULL);
  channel->address = g_strdup (address);
  channel->port = port;
  g_ptr_array_add (self->channels, channel);

  g_input_stream_read_bytes_async (g_subprocess_get_stderr_pipe (channel->process), 1024,
                                   G_PRIORITY_DEFAULT, self->cancellable, stderr_read_cb,
                                   channel_call_new (self, channel));
  g_subprocess_wait_async (channel->process, self->cancellable, process_wait_cb,
                           channel_call_new (self, channel));

  return fds[0];
}

static void
complete_waiters (HangarSshTunnel *self)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);

  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_clear_handle_id (&self->wait_source, g_source_remove);

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (self->error != NULL)
        g_task_return_error (task, g_error_copy (self->error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
check_waiters (HangarSshTunnel *self)
{
  if (self->waiters->len > 0 && hangar_ssh_tunnel_get_n_running (self) == 0)
    complete_waiters (self);
}

/**
 * hangar_ssh_tunnel_close:
 *
 * Ends every ssh process of the tunnel (SIGKILL; GSubprocess reaps them). Pending waits
 * complete with what is known.
 */
void
hangar_ssh_tunnel_close (HangarSshTunnel *self)
{
  g_return_if_fail (HANGAR_IS_SSH_TUNNEL (self));

  for (guint i = 0; i < self->channels->len; i++)
    {
      Channel *channel = g_ptr_array_index (self->channels, i);

      if (!channel_running (channel))
        continue;
      channel->killed = TRUE;
      if (!channel->exited)
        g_subprocess_force_exit (channel->process);
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  complete_waiters (self);
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  HangarSshTunnel *self = user_data;

  self->wait_source = 0;
  hangar_ssh_tunnel_close (self);

  return G_SOURCE_REMOVE;
}

/**
 * hangar_ssh_tunnel_wait_async:
 * @timeout_ms: how long to let processes that still run go on; then they are killed
 *
 * Waits until every process of the tunnel has ended, e.g. after the console saw its socket
 * close, to learn why. Completes with the first failure, if any process failed, at the latest
 * after @timeout_ms (a cancelled @cancellable only changes the result to cancelled).
 */
void
hangar_ssh_tunnel_wait_async (HangarSshTunnel     *self,
                              guint                timeout_ms,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HANGAR_IS_SSH_TUNNEL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hangar_ssh_tunnel_wait_async);
  g_ptr_array_add (self->waiters, g_object_ref (task));

  if (self->wait_source == 0)
    self->wait_source = g_timeout_add (timeout_ms, wait_timeout_cb, self);

  check_waiters (self);
}

gboolean
hangar_ssh_tunnel_wait_finish (HangarSshTunnel  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
hangar_ssh_tunnel_dispose (GObject *object)
{
  HangarSshTunnel *self = HANGAR_SSH_TUNNEL (object);

  hangar_ssh_tunnel_close (self);
  g_clear_handle_id (&self->wait_source, g_source_remove);

  G_OBJECT_CLASS (hangar_ssh_tunnel_parent_class)->dispose (object);
}

static void
hangar_ssh_tunnel_finalize (GObject *object)
{
  HangarSshTunnel *self = HANGAR_SSH_TUNNEL (object);

  g_clear_pointer (&self->channels, g_ptr_array_unref);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->error);
  g_free (self->binary);
  g_free (self->host);
  g_free (self->user);
  g_free (self->port);
  g_free (self->keyfile);
  g_free (self->known_hosts);
  g_free (self->netcat);

  G_OBJECT_CLASS (hangar_ssh_tunnel_parent_class)->finalize (object);
}

static void
hangar_ssh_tunnel_class_init (HangarSshTunnelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hangar_ssh_tunnel_dispose;
  object_class->finalize = hangar_ssh_tunnel_finalize;
}

static void
hangar_ssh_tunnel_init (HangarSshTunnel *self)
{
  self->channels = g_ptr_array_new_with_free_func ((GDestroyNotify) channel_free);
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
}
