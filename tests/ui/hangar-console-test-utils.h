/* hangar-console-test-utils.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the Console tab tests (test-console-page.c, test-remote-console.c) share: a diskless
 * TCG guest on qemu:///system that is removed even if the test dies, a window on a connection
 * that lists it, and the checks on what the console shows.
 */

#pragma once

#include <libvirt/libvirt.h>

#include "hangar-connection.h"
#include "hangar-console-page.h"
#include "hangar-window.h"

G_BEGIN_DECLS

/* The guest, defined and started from outside the app, as virsh would. */
typedef struct
{
  char          *name;
  virConnectPtr  external;   /* qemu:///system; NULL when it could not be opened */
  virDomainPtr   domain;
  /* The guard shell (0 when none) and our end of its stdin: when that closes (we end,
   * however we end) the guard destroys and undefines the domain. */
  GPid           guard_pid;
  int            guard_fd;
} HangarConsoleTestGuest;

/* The app's side: one connection in a list store, shown in a presented HangarWindow. */
typedef struct
{
  HangarConnection *connection;
  GListStore       *connections;
  HangarWindow     *window;
} HangarConsoleTestApp;

char     *hangar_console_test_domain_xml     (const char             *name,
                                              const char             *graphics,
                                              const char             *video)
                                              G_GNUC_WARN_UNUSED_RESULT;
gboolean  hangar_console_test_guest_open     (HangarConsoleTestGuest *guest);
void      hangar_console_test_guest_start    (HangarConsoleTestGuest *guest,
                                              const char             *name,
                                              const char             *xml,
                                              const char             *also_remove);
int       hangar_console_test_guest_run      (HangarConsoleTestGuest *guest,
                                              gboolean                start,
                                              char                  **message);
void      hangar_console_test_guest_clear    (HangarConsoleTestGuest *guest);

void      hangar_console_test_app_open       (HangarConsoleTestApp   *app,
                                              const char             *uri);
void      hangar_console_test_app_close      (HangarConsoleTestApp   *app);

gboolean  hangar_console_test_showing_screen (HangarConsolePage      *page);
gboolean  hangar_console_test_has_tcp_connection_to (guint            port);
void      hangar_console_test_settle         (guint                   ms);

G_END_DECLS
