/* hangar-test-server.h: runs hangar-test-vnc-server for the display tests.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TIMEOUT_SECONDS 20

extern gboolean hangar_test_timed_out;

gboolean hangar_test_timeout_cb      (gpointer data);
void     hangar_test_die_with_parent (gpointer data);

/* Iterates the main loop until @cond holds; fails the test after TIMEOUT_SECONDS. */
#define WAIT_FOR(cond) \
  G_STMT_START { \
    guint timeout_id_ = g_timeout_add_seconds (TIMEOUT_SECONDS, hangar_test_timeout_cb, NULL); \
    hangar_test_timed_out = FALSE; \
    while (!(cond) && !hangar_test_timed_out) \
      g_main_context_iteration (NULL, TRUE); \
    if (!hangar_test_timed_out) \
      g_source_remove (timeout_id_); \
    if (!(cond)) \
      g_error ("timed out waiting for: %s", #cond); \
  } G_STMT_END

/* The test server: a child process serving one client on one end of a socketpair (client_fd),
 * or on a TCP port with --listen (port). */
typedef struct
{
  GSubprocess      *process;
  GOutputStream    *input;
  GDataInputStream *output;
  GCancellable     *cancellable;
  GQueue            lines;
  gboolean          eof;
  int               client_fd;
  guint             port;
} TestServer;

TestServer *server_start   (const char * const *args);
char       *server_next    (TestServer         *server,
                            const char         *prefix);
void        server_expect  (TestServer         *server,
                            const char         *expected);
void        server_command (TestServer         *server,
                            const char         *command);
void        server_stop    (TestServer         *server);

gboolean    hangar_test_start_xvfb (void);
void        hangar_test_stop_xvfb  (void);
void        hangar_test_run        (const char         *command);

G_END_DECLS
