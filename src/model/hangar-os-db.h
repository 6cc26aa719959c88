/* hangar-os-db.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Thread-safe; reads the one osinfo file of an id on its first lookup, so call it from a worker. */
char *hangar_os_db_dup_name (const char *os_id) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
