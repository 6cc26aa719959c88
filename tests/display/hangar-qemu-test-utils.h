/* hangar-qemu-test-utils.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the display tests that run QEMU themselves (test-qemu.c, test-spice-clipboard.c) share:
 * their set-up on a private Xvfb, QEMU's launcher, its serial log and sockets in a temporary
 * directory, and the clean-up.
 */

#pragma once

#include <gtk/gtk.h>

#include "hangar-console-session.h"

G_BEGIN_DECLS

gboolean             hangar_qemu_test_init              (int                   *argc,
                                                         char                ***argv,
                                                         const char            *other_program);
GSubprocessLauncher *hangar_qemu_test_launcher          (void) G_GNUC_WARN_UNUSED_RESULT;
void                 hangar_qemu_test_kill              (GSubprocess          **qemu);
void                 hangar_qemu_test_remove_dir        (const char            *dir);

gboolean             hangar_qemu_test_make_agent_guest  (const char            *dir,
                                                         char                 **kernel);

char                *hangar_qemu_test_read_serial       (const char            *dir)
                                                         G_GNUC_WARN_UNUSED_RESULT;
gboolean             hangar_qemu_test_serial_has        (const char            *dir,
                                                         const char            *text);

int                  hangar_qemu_test_connect_unix      (const char            *socket_path);
void                 hangar_qemu_test_serve_channel_fds (HangarConsoleSession  *session,
                                                         const char            *socket_path);

G_END_DECLS
