/* hangar-qemu-test-utils.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the display tests that run QEMU themselves (test-qemu.c, test-spice-clipboard.c,
 * test-spice-resize.c, test-vnc-clipboard.c) share: their set-up on a private Xvfb, QEMU's
 * launcher, the agent guest, its serial log and sockets in a temporary directory, opening and
 * closing a session on them, and the clean-up.
 */

#pragma once

#include <gtk/gtk.h>

#include "hangar-console-session.h"

G_BEGIN_DECLS

/* QEMU serving SPICE on a UNIX socket in a temporary directory, and a session connected to it. */
typedef struct
{
  char                 *dir;
  /* Removes dir when this process ends, even on a failed assertion (its stdin is ours). */
  GSubprocess          *guard;
  GSubprocess          *qemu;
  HangarConsoleSession *session;
} HangarQemuTestSpice;

gboolean             hangar_qemu_test_init              (int                   *argc,
                                                         char                ***argv,
                                                         const char            *other_program);
GSubprocessLauncher *hangar_qemu_test_launcher          (void) G_GNUC_WARN_UNUSED_RESULT;
void                 hangar_qemu_test_wait_ms           (guint                  ms);
void                 hangar_qemu_test_kill              (GSubprocess          **qemu);
void                 hangar_qemu_test_remove_dir        (const char            *dir);
char                *hangar_qemu_test_make_dir          (const char            *name,
                                                         GSubprocess          **guard)
                                                         G_GNUC_WARN_UNUSED_RESULT;
void                 hangar_qemu_test_drop_dir          (char                 **dir,
                                                         GSubprocess          **guard);

gboolean             hangar_qemu_test_make_agent_guest  (const char            *dir,
                                                         char                 **kernel);
GSubprocess         *hangar_qemu_test_start_agent_guest (const char            *dir,
                                                         const char            *kernel,
                                                         const char * const    *display_args,
                                                         const char            *agent_chardev)
                                                         G_GNUC_WARN_UNUSED_RESULT;

char                *hangar_qemu_test_read_serial       (const char            *dir)
                                                         G_GNUC_WARN_UNUSED_RESULT;
gboolean             hangar_qemu_test_serial_has        (const char            *dir,
                                                         const char            *text);

int                  hangar_qemu_test_connect_unix      (const char            *socket_path);
void                 hangar_qemu_test_serve_channel_fds (HangarConsoleSession  *session,
                                                         const char            *socket_path);
void                 hangar_qemu_test_session_open_fd   (HangarConsoleSession  *session,
                                                         int                    fd);
void                 hangar_qemu_test_session_close     (HangarConsoleSession  *session);

gboolean             hangar_qemu_test_spice_open        (HangarQemuTestSpice   *spice,
                                                         const char            *name,
                                                         gboolean               agent);
void                 hangar_qemu_test_spice_close       (HangarQemuTestSpice   *spice);

G_END_DECLS
