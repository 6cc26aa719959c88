/* hangar-os-db.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-os-db"

#include "config.h"

#include <osinfo/osinfo.h>

#include "hangar-os-db.h"

/* Loading the database reads a few thousand XML files (~100 ms), so it happens once, lazily, in
 * whichever worker first needs a name. The lock serialises lookups: OsinfoDb is not documented as
 * thread-safe. */
static GMutex db_lock;
static OsinfoDb *db;
static gboolean db_loaded;

static OsinfoDb *
ensure_db (void)
{
  if (!db_loaded)
    {
      g_autoptr(OsinfoLoader) loader = osinfo_loader_new ();
      g_autoptr(GError) error = NULL;

      db_loaded = TRUE;
      osinfo_loader_process_default_path (loader, &error);
      if (error != NULL)
        g_debug ("Could not load every libosinfo file: %s", error->message);
      db = g_object_ref (osinfo_loader_get_db (loader));
    }

  return db;
}

/**
 * hangar_os_db_dup_name:
 * @os_id: a libosinfo id, such as "http://debian.org/debian/12"
 *
 * Returns: (transfer full) (nullable): the OS's name ("Debian 12"), or %NULL if unknown
 */
char *
hangar_os_db_dup_name (const char *os_id)
{
  g_autoptr(GMutexLocker) locker = NULL;
  OsinfoOs *os;

  if (os_id == NULL || *os_id == '\0')
    return NULL;

  locker = g_mutex_locker_new (&db_lock);
  os = osinfo_db_get_os (ensure_db (), os_id);
  if (os == NULL)
    return NULL;

  return g_strdup (osinfo_product_get_name (OSINFO_PRODUCT (os)));
}
