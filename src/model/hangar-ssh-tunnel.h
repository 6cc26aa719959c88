/* hangar-ssh-tunnel.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HANGAR_TYPE_SSH_TUNNEL (hangar_ssh_tunnel_get_type ())

G_DECLARE_FINAL_TYPE (HangarSshTunnel, hangar_ssh_tunnel, HANGAR, SSH_TUNNEL, GObject)

/* Errors (G_IO_ERROR domain) a tunnel's process can end with, each with a sentence:
 * G_IO_ERROR_PERMISSION_DENIED (login refused, or an unknown or changed host key),
 * G_IO_ERROR_HOST_UNREACHABLE (no such host, no route, or no SSH server answers),
 * G_IO_ERROR_NOT_FOUND (neither nc nor socat on the remote host, for a unix socket),
 * G_IO_ERROR_CONNECTION_REFUSED (nothing listens at the display's address and port),
 * G_IO_ERROR_FAILED (anything else, with ssh's own words). */

gboolean          hangar_ssh_tunnel_uri_is_ssh      (const char           *uri);
HangarSshTunnel  *hangar_ssh_tunnel_new_for_uri     (const char           *uri,
                                                     GError              **error) G_GNUC_WARN_UNUSED_RESULT;
const char       *hangar_ssh_tunnel_get_host        (HangarSshTunnel      *self);
guint             hangar_ssh_tunnel_get_n_running   (HangarSshTunnel      *self);
const GError     *hangar_ssh_tunnel_get_error       (HangarSshTunnel      *self);
const char       *hangar_ssh_tunnel_get_control_path (HangarSshTunnel     *self);
GPid              hangar_ssh_tunnel_get_master_pid  (HangarSshTunnel      *self);
char            **hangar_ssh_tunnel_build_master_argv (HangarSshTunnel    *self) G_GNUC_WARN_UNUSED_RESULT;
char            **hangar_ssh_tunnel_build_argv      (HangarSshTunnel      *self,
                                                     const char           *address,
                                                     guint                 port,
                                                     GError              **error) G_GNUC_WARN_UNUSED_RESULT;
int               hangar_ssh_tunnel_open            (HangarSshTunnel      *self,
                                                     const char           *address,
                                                     guint                 port,
                                                     GError              **error);
void              hangar_ssh_tunnel_close           (HangarSshTunnel      *self);
void              hangar_ssh_tunnel_wait_async      (HangarSshTunnel      *self,
                                                     guint                 timeout_ms,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean          hangar_ssh_tunnel_wait_finish     (HangarSshTunnel      *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

guint             hangar_ssh_tunnel_get_n_masters   (void);
void              hangar_ssh_tunnel_shutdown_all    (void);

G_END_DECLS
