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
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hangar-ssh-tunnel.h"

/* Reaches a display that listens on a remote host's own addresses (the libvirt default is
 * 127.0.0.1) through SSH, with one SSH login per host for all consoles: the first socket starts
 * an OpenSSH ControlMaster (`ssh -M -N -S CONTROL HOST`, a child of ours) for the URI's user,
 * host, port, key and known_hosts, and every socket is then one mux client through it:
 * `ssh -S CONTROL -W ADDRESS:PORT HOST` for TCP (no nc needed on the host), or a session
 * running `sh -c '… nc -U PATH'` (socat when there is no nc) for a unix socket. Each client's
 * stdin and stdout are one end of a socketpair, the other end goes to the VNC or SPICE client
 * (virt-viewer's scheme); the master carries the bytes. Nobody is ever asked anything
 * (BatchMode=yes). When a process ends, its exit status and what it wrote on stderr become a
 * sentence.
 *
 * The master lives in a private directory (g_get_user_runtime_dir ()/hangar/ssh-XXXXXX, 0700),
 * stays MASTER_LINGER_MS after its last tunnel is closed (a reconnect reuses it), then gets
 * SIGTERM and removes its socket. It runs in the foreground with ControlPersist=no and dies
 * with us (PR_SET_PDEATHSIG), so nothing is left behind if Hangar crashes. A master that dies
 * is replaced by the next socket; a mux client never logs in by itself (its ProxyCommand only
 * says the master is gone, and the socket is queued for a new master).
 *
 * The remote command goes through the remote user's shell, so everything in it is either
 * checked (address: letters, digits, '.', ':', '-', '%'; port: a number) or quoted. */

/* How long an unreachable host may take before ssh gives up (its default is the kernel's,
 * about two minutes). */
#define CONNECT_TIMEOUT_S 15
/* Enough of ssh's stderr for its last error line. */
#define MAX_STDERR 4096
/* How long an unused master waits for a console to come back (the console page's quiet
 * retries, a tab switched away and back). */
#define MASTER_LINGER_MS 5000
/* How long a master may take to log in (ConnectTimeout covers only the TCP connection). */
#define MASTER_START_TIMEOUT_S 60
/* How often a starting master's control socket is looked for. */
#define MASTER_POLL_MS 10
/* How long ssh's end of a closed tunnel's socket stays open (see hangar_ssh_tunnel_close ()). */
#define CLOSE_DELAY_MS 1000
/* A keepalive, so a master to a host that went away ends (and says so). */
#define SERVER_ALIVE_INTERVAL_S 15
/* What a mux client's ProxyCommand says when the master is gone (instead of logging in). */
#define NO_MASTER_MARKER "hangar-no-ssh-master"
/* ssh binds CONTROL.<16 random characters> before renaming it, and sun_path has 104 bytes on
 * the BSDs (108 on Linux). */
#define MAX_CONTROL_PATH (104 - 1 - 17)

typedef enum
{
  METHOD_FORWARD,  /* ssh -W ADDRESS:PORT: the SSH server connects, no nc needed */
  METHOD_SHELL,    /* a remote nc (or socat): unix sockets, and TCP when forwarding is refused */
} Method;

typedef struct _Master Master;

/* One shared SSH login (an OpenSSH ControlMaster), for every tunnel with the same key. */
struct _Master
{
  gint         ref_count;
  char        *key;            /* binary, user, host, port, keyfile, known_hosts, checking */
  char        *host;           /* for sentences */
  char        *control_path;
  GSubprocess *process;
  GString     *stderr_text;
  GError      *error;          /* why it could not log in */
  GPtrArray   *pending;        /* ChannelCall*: sockets waiting for the login */
  guint        n_users;        /* tunnels holding it */
  guint        poll_source;
  guint        linger_source;
  gint64       deadline;
  gboolean     ready;          /* its control socket is there */
  gboolean     dead;           /* it ended, or was told to: never used again */
  gboolean     stopped;        /* ended by us */
  gboolean     exited;
  gboolean     stderr_done;
};

typedef struct
{
  GSubprocess *process;
  GString     *stderr_text;
  char        *address;
  guint        port;
  Method       method;
  Master      *master;         /* the one it runs (or waits) through */
  int          fd;             /* ssh's end of the socketpair, until the channel ends */
  gboolean     pending;        /* waiting for the master's login */
  gboolean     requeued;       /* sent to a new master once already */
  gboolean     forward_refused; /* -W failed: the display port is closed, or ssh forwarding is off */
  gboolean     exited;
  gboolean     stderr_done;
  gboolean     finished;
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
  char         *key;             /* which master it shares */

  Master       *master;          /* held (a user) from the first socket until close */
  GPtrArray    *channels;        /* Channel*, freed at finalize: callbacks may still look */
  GError       *error;           /* the first failure */
  GCancellable *cancellable;     /* cancelled by close: stops reads and waits */
  GPtrArray    *waiters;         /* GTask* of wait_async */
  guint         wait_source;
};

G_DEFINE_FINAL_TYPE (HangarSshTunnel, hangar_ssh_tunnel, G_TYPE_OBJECT)

/* key → Master* (a reference), the masters still usable; all on the main thread. */
static GHashTable *masters;
/* The private directory of this process's control sockets, made on first need. */
static char *control_dir;
static guint n_control_paths;
/* Masters whose process runs (not owned). */
static GPtrArray *live_masters;

static gboolean
channel_running (Channel *channel)
{
  return !channel->killed && !channel->finished;
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

  /* One login serves every tunnel that would log in the same way. */
  self->key = g_strjoin ("\n", self->binary, self->user ? self->user : "", self->host,
                         self->port ? self->port : "", self->keyfile ? self->keyfile : "",
                         self->known_hosts ? self->known_hosts : "",
                         self->host_key_check ? self->host_key_check : "", NULL);

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

/* socat reads ':' ',' '!' quotes and brackets in an address: escape all but plain characters. */
static char *
socat_escape (const char *text)
{
  GString *escaped = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("/._-", *p) == NULL)
        g_string_append_c (escaped, '\\');
      g_string_append_c (escaped, *p);
    }

  return g_string_free (escaped, FALSE);
}

/* The command the remote shell runs: nc where there is one (with -q 0 where nc knows it:
 * Debian's and SUSE's nc need it to exit when we close our end), else socat, else exit 127;
 * to @address:@port, or to the unix socket @address when @port is 0. */
static char *
remote_command (HangarSshTunnel *self,
                const char      *address,
                guint            port)
{
  g_autofree char *netcat = g_shell_quote (self->netcat);
  g_autofree char *target = NULL;
  g_autofree char *socat_target = NULL;
  g_autofree char *socat_quoted = NULL;
  g_autofree char *script = NULL;
  g_autofree char *quoted = NULL;

  if (port == 0)
    {
      g_autofree char *path = g_shell_quote (address);
      g_autofree char *escaped = socat_escape (address);

      target = g_strdup_printf ("-U %s", path);
      socat_target = g_strdup_printf ("UNIX-CONNECT:%s", escaped);
    }
  else
    {
      target = g_strdup_printf ("%s %u", address, port);
      socat_target = strchr (address, ':') != NULL
        ? g_strdup_printf ("TCP:[%s]:%u", address, port)
        : g_strdup_printf ("TCP:%s:%u", address, port);
    }
  socat_quoted = g_shell_quote (socat_target);

  script = g_strdup_printf ("nc=%s; "
                            "if command -v \"$nc\" >/dev/null 2>&1; then "
                            "if \"$nc\" -q 2>&1 | grep 'requires an argument' >/dev/null 2>&1; then "
                            "exec \"$nc\" -q 0 %s; fi; "
                            "exec \"$nc\" %s; fi; "
                            "if command -v socat >/dev/null 2>&1; then exec socat - %s; fi; "
                            "echo \"hangar: neither $nc nor socat found\" >&2; exit 127",
                            netcat, target, target, socat_quoted);

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

/* ssh expands %-tokens and a leading ~ in ControlPath. */
static char *
control_path_option (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "%", -1);

  return g_strjoinv ("%%", parts);
}

/* Empty directories of earlier Hangar processes that are gone (crashed: their masters ended
 * and removed their sockets, the directory stayed). rmdir never removes anything inside. */
static void
remove_stale_dirs (const char *parent)
{
  g_autoptr(GDir) dir = g_dir_open (parent, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      gint64 pid;
      char *end;

      if (!g_str_has_prefix (name, "ssh-"))
        continue;
      pid = g_ascii_strtoll (name + 4, &end, 10);
      if (pid <= 0 || *end != '-' || pid == getpid () || kill ((pid_t) pid, 0) == 0 || errno != ESRCH)
        continue;
      path = g_build_filename (parent, name, NULL);
      g_rmdir (path);
    }
}

/* The private directory for control sockets (ssh-PID-XXXXXX, 0700): in the user's runtime
 * directory, or /tmp when that path is too long for a socket. */
static gboolean
ensure_control_dir (GError **error)
{
  g_autofree char *parent = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;

  if (control_dir != NULL && g_file_test (control_dir, G_FILE_TEST_IS_DIR))
    return TRUE;
  g_clear_pointer (&control_dir, g_free);

  name = g_strdup_printf ("ssh-%d-XXXXXX", (int) getpid ());
  parent = g_build_filename (g_get_user_runtime_dir (), "hangar", NULL);
  /* + "/" + name + "/" + 16 hex + "-" + a number */
  if (strlen (parent) + 1 + strlen (name) + 1 + 16 + 6 > MAX_CONTROL_PATH ||
      g_mkdir_with_parents (parent, 0700) < 0)
    {
      g_free (parent);
      parent = g_strdup (g_get_tmp_dir ());
      g_free (name);
      name = g_strdup_printf ("hangar-ssh-%d-XXXXXX", (int) getpid ());
    }
  else
    {
      remove_stale_dirs (parent);
    }
  dir = g_build_filename (parent, name, NULL);

  if (g_mkdtemp_full (dir, 0700) == NULL)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not make a directory for the console’s SSH connection in %s: %s"),
                   parent, g_strerror (saved));
      return FALSE;
    }

  control_dir = g_steal_pointer (&dir);
  return TRUE;
}

/* No terminal, no escape character, no X11 forwarding, none of the user's forwardings or
 * local commands; never ask anything. */
static void
add_common_options (GStrvBuilder *builder)
{
  g_strv_builder_addv (builder, (const char *[]) { "-T", "-e", "none", "-x",
                                                   "-o", "BatchMode=yes",
                                                   "-o", "ClearAllForwardings=yes",
                                                   "-o", "PermitLocalCommand=no", NULL });
}

static void
add_login_options (HangarSshTunnel *self,
                   GStrvBuilder    *builder,
                   gboolean         with_key)
{
  if (self->port != NULL)
    g_strv_builder_addv (builder, (const char *[]) { "-p", self->port, NULL });
  if (self->user != NULL)
    g_strv_builder_addv (builder, (const char *[]) { "-l", self->user, NULL });
  if (with_key && self->keyfile != NULL)
    g_strv_builder_addv (builder, (const char *[]) { "-i", self->keyfile, NULL });
}

/* The master's command line for @control_path: it logs in, listens there, and runs nothing. */
static char **
build_master_argv (HangarSshTunnel *self,
                   const char      *control_path)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *timeout = g_strdup_printf ("ConnectTimeout=%d", CONNECT_TIMEOUT_S);
  g_autofree char *alive = g_strdup_printf ("ServerAliveInterval=%d", SERVER_ALIVE_INTERVAL_S);
  g_autofree char *control = control_path_option (control_path);

  g_strv_builder_add (builder, self->binary);
  add_login_options (self, builder, TRUE);
  add_common_options (builder);
  g_strv_builder_addv (builder, (const char *[]) { "-o", timeout, "-o", alive,
                                                   "-o", "ServerAliveCountMax=3", NULL });
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
  /* In the foreground, as our child: ControlPersist would put it in the background. */
  g_strv_builder_addv (builder, (const char *[]) { "-M", "-N", "-S", control,
                                                   "-o", "ControlPersist=no",
                                                   "--", self->host, NULL });

  return g_strv_builder_end (builder);
}

/* A mux client's command line: through the master at @control_path only (a missing master
 * makes its ProxyCommand say so instead of logging in). */
static char **
build_client_argv (HangarSshTunnel *self,
                   const char      *control_path,
                   const char      *address,
                   guint            port,
                   Method           method)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *control = control_path_option (control_path);

  g_strv_builder_add (builder, self->binary);
  add_login_options (self, builder, FALSE);
  add_common_options (builder);
  g_strv_builder_addv (builder, (const char *[]) { "-S", control, "-o", "ControlMaster=no",
                                                   "-o", "ProxyCommand=sh -c 'echo " NO_MASTER_MARKER " >&2'",
                                                   NULL });
  if (method == METHOD_FORWARD)
    {
      g_autofree char *forward = strchr (address, ':') != NULL
        ? g_strdup_printf ("[%s]:%u", address, port)
        : g_strdup_printf ("%s:%u", address, port);

      g_strv_builder_addv (builder, (const char *[]) { "-W", forward, "--", self->host, NULL });
    }
  else
    {
      g_autofree char *command = remote_command (self, address, port);

      g_strv_builder_addv (builder, (const char *[]) { "--", self->host, command, NULL });
    }

  return g_strv_builder_end (builder);
}

static gboolean
check_target (const char  *address,
              guint        port,
              GError     **error)
{
  if (port == 0 ? !socket_path_is_safe (address) : (!address_is_safe (address) || port > 65535))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The machine’s display address “%s” port %u cannot be used for an SSH tunnel."),
                   address != NULL ? address : "", port);
      return FALSE;
    }

  return TRUE;
}

/* Where this tunnel's master listens (or would): ours, or a new name in the directory. */
static char *
new_control_path (HangarSshTunnel *self)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, self->key, -1);

  hash[16] = '\0';
  return g_strdup_printf ("%s/%s-%u", control_dir != NULL ? control_dir : "CONTROL", hash,
                          ++n_control_paths);
}

/**
 * hangar_ssh_tunnel_build_argv:
 * @address: where the display listens, as seen from the remote host (or its unix socket)
 * @port: its TCP port, or 0 for a unix socket at @address
 *
 * Returns: (transfer full): the ssh command line hangar_ssh_tunnel_open () runs for a socket,
 *   through the tunnel's master (`-W` for TCP, a remote nc or socat for a unix socket)
 */
char **
hangar_ssh_tunnel_build_argv (HangarSshTunnel  *self,
                              const char       *address,
                              guint             port,
                              GError          **error)
{
  g_autofree char *control = NULL;

  g_return_val_if_fail (HANGAR_IS_SSH_TUNNEL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_target (address, port, error))
    return NULL;

  control = self->master != NULL ? g_strdup (self->master->control_path) : new_control_path (self);
  return build_client_argv (self, control, address, port, port == 0 ? METHOD_SHELL : METHOD_FORWARD);
}

/**
 * hangar_ssh_tunnel_build_master_argv:
 *
 * Returns: (transfer full): the command line of the shared login (ControlMaster) the tunnel's
 *   sockets go through
 */
char **
hangar_ssh_tunnel_build_master_argv (HangarSshTunnel *self)
{
  g_autofree char *control = NULL;

  g_return_val_if_fail (HANGAR_IS_SSH_TUNNEL (self), NULL);

  control = self->master != NULL ? g_strdup (self->master->control_path) : new_control_path (self);
  return build_master_argv (self, control);
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

/* ssh's own failures (exit status 255) to log in to @host, from what it wrote. */
static GError *
login_error (const char *host,
             const char *text)
{
  g_autofree char *line = last_line (text);

  if (strstr (text, "Permission denied") != NULL || strstr (text, "Too many authentication") != NULL)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                        _("The host %s refused the SSH login for the console. Hangar cannot ask "
                          "for a password: set up SSH keys or an agent (ssh-add) for this host."),
                        host);

  if (strstr (text, "Host key verification failed") != NULL ||
      strstr (text, "REMOTE HOST IDENTIFICATION HAS CHANGED") != NULL)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                        _("The SSH host key of %s is not known or has changed. Connect once "
                          "with ssh in a terminal to check and accept it."),
                        host);

  if (strstr (text, "Could not resolve hostname") != NULL)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                        _("The host %s could not be found."), host);

  if (strstr (text, "Connection refused") != NULL)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                        _("The host %s refused the SSH connection. Is its SSH server running?"),
                        host);

  if (strstr (text, "timed out") != NULL || strstr (text, "No route to host") != NULL ||
      strstr (text, "Network is unreachable") != NULL)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                        _("The host %s cannot be reached over SSH (%s)."), host,
                        line != NULL ? line : "");

  return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                      _("The SSH tunnel to %s failed: %s"), host,
                      line != NULL ? line : _("ssh ended with no message"));
}

/* A socket's mux client ended with @status (not 0): the remote command's status for a shell
 * channel (127 when our script found neither nc nor socat, nc's 1 when it could not connect),
 * 255 for ssh's own errors. */
static GError *
channel_error (HangarSshTunnel *self,
               Channel         *channel,
               int              status)
{
  if (status == 127 && channel->forward_refused)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                        _("Nothing answers at %s port %u on the host %s: the machine’s display is "
                          "closed (or the host’s SSH server does not forward ports, and it has "
                          "neither “%s” nor socat)."),
                        channel->address, channel->port, self->host, self->netcat);

  if (status == 127)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        _("The console is tunnelled through SSH with “%s” or socat on %s, but "
                          "that host has neither. Install netcat there (for example the "
                          "netcat-openbsd package) or socat."),
                        self->netcat, self->host);

  if (status != 255 && channel->port == 0)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                        _("Nothing answers at %s on the host %s: the machine’s display is closed."),
                        channel->address, self->host);

  if (status != 255)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                        _("Nothing answers at %s port %u on the host %s: the machine’s display is closed."),
                        channel->address, channel->port, self->host);

  return login_error (self->host, channel->stderr_text->str);
}

/* Masters */

static Master *
master_ref (Master *master)
{
  g_atomic_int_inc (&master->ref_count);
  return master;
}

static void
master_unref (Master *master)
{
  if (!g_atomic_int_dec_and_test (&master->ref_count))
    return;

  g_assert (master->poll_source == 0 && master->linger_source == 0);
  g_clear_object (&master->process);
  g_string_free (master->stderr_text, TRUE);
  g_clear_error (&master->error);
  g_ptr_array_unref (master->pending);
  g_free (master->key);
  g_free (master->host);
  g_free (master->control_path);
  g_free (master);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Master, master_unref)

static void
channel_free (Channel *channel)
{
  g_clear_object (&channel->process);
  g_string_free (channel->stderr_text, TRUE);
  g_free (channel->address);
  g_clear_pointer (&channel->master, master_unref);
  if (channel->fd >= 0)
    close (channel->fd);
  g_free (channel);
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

static void channel_spawn (HangarSshTunnel *self, Channel *channel);
static void channel_dispatch (HangarSshTunnel *self, Channel *channel);
static void channel_end (HangarSshTunnel *self, Channel *channel, GError *error);

/* Takes @master out of use: no new socket goes through it. */
static void
master_forget (Master *master)
{
  master->dead = TRUE;
  g_clear_handle_id (&master->poll_source, g_source_remove);
  g_clear_handle_id (&master->linger_source, g_source_remove);
  if (masters != NULL && g_hash_table_lookup (masters, master->key) == master)
    g_hash_table_remove (masters, master->key);
}

/* Ends @master (SIGTERM: ssh removes its socket, its sessions end). */
static void
master_stop (Master *master)
{
  g_autoptr(Master) hold = master_ref (master);

  g_debug ("ssh master for %s (%s) stopped", master->host, master->control_path);
  master->stopped = TRUE;
  master_forget (master);
  if (master->process != NULL && g_subprocess_get_identifier (master->process) != NULL)
    g_subprocess_send_signal (master->process, SIGTERM);
}

/* The sockets waiting for @master's login: to it now, or failed with its error. */
static void
master_flush_pending (Master *master)
{
  g_autoptr(GPtrArray) pending = g_steal_pointer (&master->pending);

  master->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) channel_call_free);
  for (guint i = 0; i < pending->len; i++)
    {
      ChannelCall *call = g_ptr_array_index (pending, i);

      call->channel->pending = FALSE;
      if (call->channel->killed || call->channel->finished)
        continue;
      if (master->ready && !master->dead)
        channel_spawn (call->self, call->channel);
      else if (master->error != NULL)
        channel_end (call->self, call->channel, g_error_copy (master->error));
      else
        channel_dispatch (call->self, call->channel);  /* stopped or lost: a new one */
    }
}

static gboolean
master_poll_cb (gpointer user_data)
{
  Master *master = user_data;
  struct stat st;

  if (lstat (master->control_path, &st) == 0 && S_ISSOCK (st.st_mode))
    {
      master->poll_source = 0;
      master->ready = TRUE;
      g_debug ("ssh master for %s logged in (%s, pid %s)", master->host, master->control_path,
               g_subprocess_get_identifier (master->process));
      master_flush_pending (master);
      return G_SOURCE_REMOVE;
    }

  if (g_get_monotonic_time () > master->deadline)
    {
      master->poll_source = 0;
      master->error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                   _("The SSH login to %s for the console did not finish within %d seconds."),
                                   master->host, MASTER_START_TIMEOUT_S);
      master_stop (master);
      master_flush_pending (master);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

/* The process and its stderr are done: why did it end? */
static void
master_ended (Master *master)
{
  if (!master->exited || !master->stderr_done)
    return;

  g_debug ("ssh master for %s (%s) ended%s: %s", master->host, master->control_path,
           master->stopped ? " (stopped)" : "", master->stderr_text->str);
  if (live_masters != NULL)
    g_ptr_array_remove_fast (live_masters, master);
  if (!master->ready && master->error == NULL && !master->stopped)
    master->error = login_error (master->host, master->stderr_text->str);
  master_forget (master);
  /* A master killed with SIGKILL leaves its socket. */
  g_unlink (master->control_path);
  master_flush_pending (master);
}

/* Keeps what an ssh process says on stderr, up to MAX_STDERR bytes. */
static void
append_stderr (GString *text,
               GBytes  *bytes)
{
  if (text->len < MAX_STDERR)
    g_string_append_len (text, g_bytes_get_data (bytes, NULL),
                         MIN (g_bytes_get_size (bytes), MAX_STDERR - text->len));
}

static void
master_stderr_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Master) master = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (error != NULL)
    g_debug ("ssh master for %s: reading its messages failed: %s", master->host, error->message);
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      master->stderr_done = TRUE;
      master_ended (master);
      return;
    }

  append_stderr (master->stderr_text, bytes);
  /* Read on to the end (the pipe must not fill up), whatever the master's state. */
  g_input_stream_read_bytes_async (G_INPUT_STREAM (object), 1024, G_PRIORITY_DEFAULT, NULL,
                                   master_stderr_cb, g_steal_pointer (&master));
}

static void
master_wait_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Master) master = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (object), result, &error))
    g_debug ("ssh master for %s: waiting for it failed: %s", master->host, error->message);
  master->exited = TRUE;
  master_ended (master);
}

/* PR_SET_PDEATHSIG: the master ends (and removes its socket) when we do, however we end. */
static void
master_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}
static void shutdown_at_exit (void);

static Master *
master_start (HangarSshTunnel  *self,
              GError          **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(Master) master = NULL;
  g_auto(GStrv) argv = NULL;
  static gboolean at_exit;

  if (!ensure_control_dir (error))
    return NULL;

  master = g_new0 (Master, 1);
  master->ref_count = 1;
  master->key = g_strdup (self->key);
  master->host = g_strdup (self->host);
  master->control_path = new_control_path (self);
  master->stderr_text = g_string_new (NULL);
  master->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) channel_call_free);
  g_unlink (master->control_path);

  argv = build_master_argv (self, master->control_path);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, master_child_setup, NULL, NULL);
  master->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, error);
  if (master->process == NULL)
    {
      g_prefix_error (error, _("Could not run %s for the console’s SSH connection: "), argv[0]);
      return NULL;
    }

  g_debug ("ssh master for %s started (pid %s, %s)", master->host,
           g_subprocess_get_identifier (master->process), master->control_path);
  g_input_stream_read_bytes_async (g_subprocess_get_stderr_pipe (master->process), 1024,
                                   G_PRIORITY_DEFAULT, NULL, master_stderr_cb, master_ref (master));
  g_subprocess_wait_async (master->process, NULL, master_wait_cb, master_ref (master));
  master->deadline = g_get_monotonic_time () + MASTER_START_TIMEOUT_S * G_USEC_PER_SEC;
  master->poll_source = g_timeout_add (MASTER_POLL_MS, master_poll_cb, master);

  if (live_masters == NULL)
    live_masters = g_ptr_array_new ();
  g_ptr_array_add (live_masters, master);
  if (masters == NULL)
    masters = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) master_unref);
  g_hash_table_replace (masters, master->key, master_ref (master));
  if (!at_exit)
    {
      at_exit = TRUE;
      atexit (shutdown_at_exit);
    }

  return g_steal_pointer (&master);
}

static gboolean
master_linger_cb (gpointer user_data)
{
  Master *master = user_data;

  master->linger_source = 0;
  if (master->n_users == 0)
    master_stop (master);

  return G_SOURCE_REMOVE;
}

static void
tunnel_release_master (HangarSshTunnel *self)
{
  Master *master = g_steal_pointer (&self->master);

  if (master == NULL)
    return;

  master->n_users--;
  /* A master out of use (lost its socket) still carries what runs through it until then. */
  if (master->n_users == 0 && master->dead)
    master_stop (master);
  else if (master->n_users == 0 && master->linger_source == 0)
    master->linger_source = g_timeout_add (MASTER_LINGER_MS, master_linger_cb, master);
  master_unref (master);
}

/* The master this tunnel's sockets go through: its own while usable, else the one with the
 * same login, else a new one. */
static Master *
tunnel_get_master (HangarSshTunnel  *self,
                   GError          **error)
{
  Master *master;

  if (self->master != NULL && !self->master->dead)
    return self->master;
  tunnel_release_master (self);

  master = masters != NULL ? g_hash_table_lookup (masters, self->key) : NULL;
  if (master != NULL && !master->dead)
    master_ref (master);
  else
    master = master_start (self, error);
  if (master == NULL)
    return NULL;

  master->n_users++;
  g_clear_handle_id (&master->linger_source, g_source_remove);
  self->master = master;
  return master;
}

static void check_waiters (HangarSshTunnel *self);

/* The socket is done with: ssh's end closes (the console reads end of file once the master has
 * let go of its copy too), and @error (taken) is the tunnel's first failure if it is one. */
static void
channel_end (HangarSshTunnel *self,
             Channel         *channel,
             GError          *error)
{
  channel->finished = TRUE;
  channel->pending = FALSE;
  if (channel->fd >= 0)
    {
      close (channel->fd);
      channel->fd = -1;
    }

  g_debug ("ssh tunnel to %s:%u via %s (pid %s) ended%s%s%s", channel->address, channel->port,
           self->host,
           channel->process != NULL && g_subprocess_get_identifier (channel->process) != NULL
             ? g_subprocess_get_identifier (channel->process) : "-",
           channel->killed ? " (killed)" : "", error != NULL ? ": " : "",
           error != NULL ? error->message : "");
  if (error != NULL && channel->stderr_text->len > 0)
    g_debug ("ssh said: %s", channel->stderr_text->str);
  if (error != NULL && self->error == NULL)
    self->error = g_steal_pointer (&error);
  g_clear_error (&error);

  check_waiters (self);
}

/* Sends @channel through the tunnel's master: now if it is logged in, else when it is. */
static void
channel_dispatch (HangarSshTunnel *self,
                  Channel         *channel)
{
  g_autoptr(GError) error = NULL;
  Master *master = tunnel_get_master (self, &error);

  if (master == NULL)
    {
      channel_end (self, channel, g_steal_pointer (&error));
      return;
    }

  g_clear_pointer (&channel->master, master_unref);
  channel->master = master_ref (master);
  if (master->ready)
    {
      channel_spawn (self, channel);
      return;
    }

  channel->pending = TRUE;
  g_ptr_array_add (master->pending, channel_call_new (self, channel));
}

/* Both the process and its stderr are done: decide whether it failed, or goes again. */
static void
channel_finished (HangarSshTunnel *self,
                  Channel         *channel)
{
  const char *text = channel->stderr_text->str;
  int status;

  if (!channel->exited || !channel->stderr_done || channel->finished)
    return;

  if (channel->killed)
    {
      channel_end (self, channel, NULL);
      return;
    }

  if (!g_subprocess_get_if_exited (channel->process))
    {
      channel_end (self, channel,
                   g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                _("The SSH tunnel to %s was killed (signal %d)."), self->host,
                                g_subprocess_get_term_sig (channel->process)));
      return;
    }

  status = g_subprocess_get_exit_status (channel->process);
  if (status == 0)
    {
      channel_end (self, channel, NULL);
      return;
    }

  /* The master lives, but the server refused it one more session (sshd's MaxSessions, 10 by
   * default; each socket to a display on a unix socket is a session): ssh then tried a login of
   * its own, which we forbid. Not a lost master: it stays for the sockets it carries. */
  if (status == 255 && strstr (text, "session request failed") != NULL)
    {
      channel_end (self, channel,
                   g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                _("The SSH server on %s refused one more session (its MaxSessions "
                                  "limit). Close other consoles of machines on that host, or raise "
                                  "MaxSessions in its sshd_config."), self->host));
      return;
    }

  /* The master went away before this client reached it (it never logs in by itself): once
   * more, through a new master. */
  if (status == 255 && !channel->requeued &&
      (strstr (text, NO_MASTER_MARKER) != NULL || strstr (text, "Control socket connect(") != NULL))
    {
      g_debug ("ssh tunnel to %s:%u via %s: no master at %s, once more (ssh said: %s)", channel->address,
               channel->port, self->host, channel->master->control_path, text);
      channel->requeued = TRUE;
      master_forget (channel->master);
      channel_dispatch (self, channel);
      return;
    }

  /* -W refused: the port is closed, or the server does not forward. A remote nc tells which. */
  if (status == 255 && channel->method == METHOD_FORWARD && strstr (text, "forwarding request failed") != NULL)
    {
      g_debug ("ssh tunnel to %s:%u via %s: -W refused, trying nc", channel->address,
               channel->port, self->host);
      channel->method = METHOD_SHELL;
      channel->forward_refused = TRUE;
      channel_dispatch (self, channel);
      return;
    }

  /* The master ended under a running client (killed, or the host went away): like a dropped
   * connection, the console may try again, and a new master then says what is wrong. */
  if (status == 255 && (strstr (text, "mux_client") != NULL ||
                        (channel->master->dead && !channel->master->stopped)))
    {
      g_debug ("ssh tunnel to %s:%u via %s: the master went away", channel->address,
               channel->port, self->host);
      master_forget (channel->master);
      channel_end (self, channel, NULL);
      return;
    }

  channel_end (self, channel, channel_error (self, channel, status));
}

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
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      channel->process == NULL || G_INPUT_STREAM (object) != g_subprocess_get_stderr_pipe (channel->process))
    return;

  if (error != NULL)
    g_debug ("ssh tunnel to %s:%u via %s: reading its messages failed: %s", channel->address,
             channel->port, call->self->host, error->message);
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      channel->stderr_done = TRUE;
      channel_finished (call->self, channel);
      return;
    }

  append_stderr (channel->stderr_text, bytes);
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

  if (!g_subprocess_wait_finish (G_SUBPROCESS (object), result, &error) ||
      G_SUBPROCESS (object) != call->channel->process)
    return;

  call->channel->exited = TRUE;
  channel_finished (call->self, call->channel);
}

/* Starts @channel's mux client through its (logged-in) master. */
static void
channel_spawn (HangarSshTunnel *self,
               Channel         *channel)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  int in_fd, out_fd;

  argv = build_client_argv (self, channel->master->control_path, channel->address, channel->port,
                            channel->method);
  in_fd = fcntl (channel->fd, F_DUPFD_CLOEXEC, 3);
  out_fd = in_fd >= 0 ? fcntl (channel->fd, F_DUPFD_CLOEXEC, 3) : -1;
  if (out_fd < 0)
    {
      int saved = errno;

      if (in_fd >= 0)
        close (in_fd);
      channel_end (self, channel,
                   g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                _("Could not make a socket for the SSH tunnel: %s"), g_strerror (saved)));
      return;
    }

  /* ssh hands its stdin and stdout (the socket) to the master, which carries the bytes. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_take_stdin_fd (launcher, in_fd);
  g_subprocess_launcher_take_stdout_fd (launcher, out_fd);
  g_clear_object (&channel->process);
  channel->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  g_clear_object (&launcher);
  if (channel->process == NULL)
    {
      g_prefix_error (&error, _("Could not run %s for the console’s SSH tunnel: "), argv[0]);
      channel_end (self, channel, g_steal_pointer (&error));
      return;
    }

  g_debug ("ssh tunnel %s to %s:%u via %s started (pid %s, %s)", argv[0], channel->address,
           channel->port, self->host, g_subprocess_get_identifier (channel->process),
           channel->method == METHOD_FORWARD ? "-W" : "remote nc");
  channel->exited = FALSE;
  channel->stderr_done = FALSE;
  g_string_truncate (channel->stderr_text, 0);
  g_input_stream_read_bytes_async (g_subprocess_get_stderr_pipe (channel->process), 1024,
                                   G_PRIORITY_DEFAULT, self->cancellable, stderr_read_cb,
                                   channel_call_new (self, channel));
  g_subprocess_wait_async (channel->process, self->cancellable, process_wait_cb,
                           channel_call_new (self, channel));
}

/**
 * hangar_ssh_tunnel_open:
 * @address: where the display listens, as seen from the remote host (or its unix socket)
 * @port: its TCP port, or 0 for a unix socket at @address
 *
 * Opens one socket to @address:@port (or the socket @address) on the remote host, through the
 * host's shared SSH login, which the first socket starts. It waits for nothing: the bytes flow
 * once ssh is through, a failure shows as end of file on the socket, and
 * hangar_ssh_tunnel_wait_async () then says why.
 *
 * Returns: our end of the tunnel (the caller owns it), or -1
 */
int
hangar_ssh_tunnel_open (HangarSshTunnel  *self,
                        const char       *address,
                        guint             port,
                        GError          **error)
{
  Channel *channel;
  int fds[2];

  g_return_val_if_fail (HANGAR_IS_SSH_TUNNEL (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!check_target (address, port, error))
    return -1;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not make a socket for the SSH tunnel: %s"), g_strerror (saved));
      return -1;
    }

  channel = g_new0 (Channel, 1);
  channel->stderr_text = g_string_new (NULL);
  channel->address = g_strdup (address);
  channel->port = port;
  channel->method = port == 0 ? METHOD_SHELL : METHOD_FORWARD;
  channel->fd = fds[1];
  g_ptr_array_add (self->channels, channel);

  channel_dispatch (self, channel);

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

static void
close_fd_cb (gpointer data)
{
  close (GPOINTER_TO_INT (data));
}

/**
 * hangar_ssh_tunnel_close:
 *
 * Ends every ssh process of the tunnel (SIGKILL; GSubprocess reaps them) and lets go of the
 * shared login, which ends MASTER_LINGER_MS later if no other tunnel takes it. A socket whose
 * other end is still open stays connected until that end closes (the master holds it).
 * Pending waits complete with what is known.
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
      g_debug ("ssh tunnel to %s:%u via %s closed%s", channel->address, channel->port, self->host,
               channel->pending ? " before the login" : "");
      if (channel->pending && channel->master != NULL)
        {
          for (guint j = 0; j < channel->master->pending->len; j++)
            if (((ChannelCall *) g_ptr_array_index (channel->master->pending, j))->channel == channel)
              {
                g_ptr_array_remove_index (channel->master->pending, j);
                break;
              }
          channel->pending = FALSE;
        }
      if (channel->process != NULL && !channel->exited)
        g_subprocess_force_exit (channel->process);
      /* ssh's end of the socket stays open a moment: the caller closes its session right
       * after this, and a client still linking must not read end of file first
       * (spice-client-glib warns about that). */
      if (channel->fd >= 0)
        {
          g_timeout_add_once (CLOSE_DELAY_MS, close_fd_cb, GINT_TO_POINTER (channel->fd));
          channel->fd = -1;
        }
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  tunnel_release_master (self);

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

/**
 * hangar_ssh_tunnel_get_control_path:
 *
 * Returns: (nullable): the control socket of the shared login the tunnel uses, if it has one
 */
const char *
hangar_ssh_tunnel_get_control_path (HangarSshTunnel *self)
{
  g_return_val_if_fail (HANGAR_IS_SSH_TUNNEL (self), NULL);

  return self->master != NULL ? self->master->control_path : NULL;
}

/**
 * hangar_ssh_tunnel_get_master_pid:
 *
 * Returns: the process id of the shared login the tunnel uses, or 0
 */
GPid
hangar_ssh_tunnel_get_master_pid (HangarSshTunnel *self)
{
  const char *id;

  g_return_val_if_fail (HANGAR_IS_SSH_TUNNEL (self), 0);

  if (self->master == NULL || self->master->dead || self->master->process == NULL)
    return 0;
  id = g_subprocess_get_identifier (self->master->process);
  return id != NULL ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
}

/**
 * hangar_ssh_tunnel_get_n_masters:
 *
 * Returns: how many shared SSH logins (master processes) are running
 */
guint
hangar_ssh_tunnel_get_n_masters (void)
{
  return live_masters != NULL ? live_masters->len : 0;
}

/**
 * hangar_ssh_tunnel_shutdown_all:
 *
 * Ends every shared SSH login now (SIGTERM) and removes their sockets and directory; the
 * sockets through them close. Runs by itself when the program exits.
 */
void
hangar_ssh_tunnel_shutdown_all (void)
{
  g_autoptr(GPtrArray) all = NULL;

  if (live_masters == NULL)
    return;

  all = g_ptr_array_copy (live_masters, (GCopyFunc) master_ref, NULL);
  g_ptr_array_set_free_func (all, (GDestroyNotify) master_unref);
  for (guint i = 0; i < all->len; i++)
    {
      Master *master = g_ptr_array_index (all, i);

      master_stop (master);
      g_unlink (master->control_path);
    }
  if (control_dir != NULL && g_rmdir (control_dir) == 0)
    g_clear_pointer (&control_dir, g_free);
}

static void
shutdown_at_exit (void)
{
  hangar_ssh_tunnel_shutdown_all ();
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
  g_free (self->key);

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
