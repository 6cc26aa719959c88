/* hangar-test-utils.h: helpers shared by the model tests
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "hangar-connection.h"
#include "hangar-machine.h"

G_BEGIN_DECLS

typedef gboolean (*HangarTestCondition) (gpointer data);

/* Iterates the default main context until @cond holds or @timeout_ms pass. Never sleeps. */
gboolean  hangar_test_wait_for          (HangarTestCondition  cond,
                                         gpointer             data,
                                         guint                timeout_ms);
/* Runs the default main context for @ms. */
void      hangar_test_iterate_for       (guint                ms);
/* Waits until the connection reaches @state. */
gboolean  hangar_test_wait_state        (HangarConnection    *connection,
                                         HangarConnectionState state,
                                         guint                timeout_ms);
/* Copies tests/fixtures/@fixture into a fresh temp dir; returns the file's path. */
char     *hangar_test_copy_fixture      (const char          *fixture,
                                         char               **tmpdir);
/* Runs tests/fixtures/make-world.py @count (plus @extra args) into a fresh temp dir. */
char     *hangar_test_make_world        (guint                count,
                                         const char          *extra,
                                         char               **tmpdir);
/* Drops @object and waits (iterating) until workers in flight let it go; asserts it finalized. */
void      hangar_test_finalize_object   (gpointer             object);
void      hangar_test_rm_rf             (const char          *dir);

/* Records the longest gap between 10 ms ticks of the default main context. */
typedef struct _HangarGapProbe HangarGapProbe;
HangarGapProbe *hangar_gap_probe_start  (void);
gint64          hangar_gap_probe_stop   (HangarGapProbe      *probe);  /* max gap in µs; frees */

/* Runs an async call to completion: pass hangar_test_async_cb and &result, then wait. */
void      hangar_test_async_cb          (GObject             *source,
                                         GAsyncResult        *result,
                                         gpointer             user_data);
GAsyncResult *hangar_test_wait_async    (GAsyncResult       **result,
                                         guint                timeout_ms);

G_END_DECLS
