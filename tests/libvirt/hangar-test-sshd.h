/* hangar-test-sshd.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A private OpenSSH server on 127.0.0.1 for the tests, run as root from a temporary
 * directory: its own host key, a client key in its authorized_keys, a second client key it
 * does not know, a known_hosts file with its host key, and an ssh wrapper (for libvirt's
 * command= parameter) that keeps root's own ~/.ssh/known_hosts out of it. */
typedef struct
{
  char        *dir;
  GSubprocess *process;
  guint        port;
  char        *client_key;   /* authorized */
  char        *other_key;    /* not authorized */
  char        *known_hosts;  /* holds the server's host key */
  char        *ssh_wrapper;
  /* A shell that removes the directory when its stdin closes (we end, however we end). */
  int          guard_fd;
  GPid         guard_pid;
} HangarTestSshd;

const char     *hangar_test_sshd_unavailable (void);
HangarTestSshd *hangar_test_sshd_start       (void);
HangarTestSshd *hangar_test_sshd_start_with  (const char     *extra_config);
void            hangar_test_sshd_stop        (HangarTestSshd *sshd);
void            hangar_test_sshd_authorize   (HangarTestSshd *sshd,
                                              const char     *key);
void            hangar_test_sshd_authorize_with (HangarTestSshd *sshd,
                                                 const char     *key,
                                                 const char     *options);
guint           hangar_test_sshd_count_logins (HangarTestSshd *sshd);
guint           hangar_test_count_processes  (const char     *needle);
guint           hangar_test_count_processes_with (const char *needle,
                                                  const char *also);
guint           hangar_test_spare_port       (void);

G_END_DECLS
