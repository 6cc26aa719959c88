/* hangar-os-db.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-os-db"

#include "config.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "hangar-os-db.h"

/* OS names from the osinfo database, one file per OS id actually seen.
 *
 * Loading the whole database with libosinfo (osinfo_loader_process_default_path) parses ~800
 * files: 0.19 CPU-s and +49 MB of peak RSS as soon as one machine has an OS id, which alone broke
 * the start-up budget. Every file of osinfo-db is named after its id instead: the id
 * "http://microsoft.com/win/11" lives in "os/microsoft.com/win-11.xml" (host, then the id's path
 * with '/' turned into '-'; true for all 790 files of osinfo-db 20221130). So a lookup reads that
 * one file (~1-20 KB) with libxml2 and keeps only the name; each id is looked up once per process.
 *
 * The directories and their order follow libosinfo's loader: the user's ($OSINFO_USER_DIR or
 * ~/.config/osinfo) overrides the local one ($OSINFO_LOCAL_DIR or /etc/osinfo), which overrides
 * the system one ($OSINFO_SYSTEM_DIR, else $OSINFO_DATA_DIR/db, else /usr/share/osinfo).
 * An id whose file is not named after it is not found (the OS column then stays empty). */

/* Serialises lookups of the same id from several workers and guards the cache. */
static GMutex db_lock;
/* id → name, or → "" when the id is unknown (so misses are cached too). */
static GHashTable *db_names;

/* A piece of an id's host or path that may become part of a file name: no "..", no '/'. */
static gboolean
is_safe_component (const char *s)
{
  if (s == NULL || *s == '\0' || *s == '.')
    return FALSE;

  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != '_' && *p != '+')
      return FALSE;

  return TRUE;
}

/* "http://microsoft.com/win/11" → "os/microsoft.com/win-11.xml", or NULL for anything else. */
static char *
id_to_relative_path (const char *os_id)
{
  g_autoptr(GUri) uri = g_uri_parse (os_id, G_URI_FLAGS_NONE, NULL);
  g_auto(GStrv) parts = NULL;
  g_autofree char *joined = NULL;
  const char *host;
  const char *path;

  if (uri == NULL)
    return NULL;

  host = g_uri_get_host (uri);
  path = g_uri_get_path (uri);
  if (!is_safe_component (host) || path == NULL || path[0] != '/' || g_uri_get_query (uri) != NULL)
    return NULL;

  parts = g_strsplit (path + 1, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (!is_safe_component (parts[i]))
      return NULL;

  joined = g_strjoinv ("-", parts);
  return g_strdup_printf ("os/%s/%s.xml", host, joined);
}

static void
add_dir (GPtrArray  *dirs,
         const char *env,
         const char *fallback)
{
  const char *value = g_getenv (env);

  if (value != NULL && *value != '\0')
    g_ptr_array_add (dirs, g_strdup (value));
  else if (fallback != NULL)
    g_ptr_array_add (dirs, g_strdup (fallback));
}

/* The osinfo directories, the one that wins first. */
static GPtrArray *
database_dirs (void)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *user = g_build_filename (g_get_user_config_dir (), "osinfo", NULL);
  const char *data_dir = g_getenv ("OSINFO_DATA_DIR");

  add_dir (dirs, "OSINFO_USER_DIR", user);
  add_dir (dirs, "OSINFO_LOCAL_DIR", "/etc/osinfo");
  if (g_getenv ("OSINFO_SYSTEM_DIR") == NULL && data_dir != NULL && *data_dir != '\0')
    g_ptr_array_add (dirs, g_build_filename (data_dir, "db", NULL));
  else
    add_dir (dirs, "OSINFO_SYSTEM_DIR", "/usr/share/osinfo");

  return dirs;
}

static gboolean
is_element (xmlNode    *node,
            const char *name)
{
  return node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, BAD_CAST name);
}

/* The <name> of <os id="os_id">: the one in the user's language if there is one, as libosinfo
 * picks it, otherwise the one without xml:lang. */
static char *
read_name (const char *path,
           const char *os_id)
{
  const char * const *languages = g_get_language_names ();
  g_autofree char *untranslated = NULL;
  g_autofree char *translated = NULL;
  guint best_rank = G_MAXUINT;
  xmlDoc *doc;
  xmlNode *root;

  doc = xmlReadFile (path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL)
    {
      g_debug ("Could not parse %s", path);
      return NULL;
    }

  root = xmlDocGetRootElement (doc);
  for (xmlNode *os = root ? root->children : NULL; os != NULL; os = os->next)
    {
      xmlChar *id;
      gboolean match;

      if (!is_element (os, "os"))
        continue;
      id = xmlGetProp (os, BAD_CAST "id");
      match = id != NULL && xmlStrEqual (id, BAD_CAST os_id);
      xmlFree (id);
      if (!match)
        continue;

      for (xmlNode *child = os->children; child != NULL; child = child->next)
        {
          xmlChar *lang;
          xmlChar *text;

          if (!is_element (child, "name"))
            continue;

          lang = xmlNodeGetLang (child);
          text = xmlNodeGetContent (child);
          if (lang == NULL || *lang == '\0')
            {
              if (untranslated == NULL)
                untranslated = g_strdup ((const char *) text);
            }
          else
            {
              for (guint i = 0; i < best_rank && languages[i] != NULL; i++)
                if (!g_str_equal (languages[i], "C") &&
                    g_ascii_strcasecmp (languages[i], (const char *) lang) == 0)
                  {
                    best_rank = i;
                    g_free (translated);
                    translated = g_strdup ((const char *) text);
                    break;
                  }
            }
          xmlFree (lang);
          xmlFree (text);
        }
      break;
    }
  xmlFreeDoc (doc);

  if (translated != NULL)
    return g_steal_pointer (&translated);
  return g_steal_pointer (&untranslated);
}

static char *
lookup (const char *os_id)
{
  g_autoptr(GPtrArray) dirs = NULL;
  g_autofree char *relative = id_to_relative_path (os_id);

  if (relative == NULL)
    {
      g_debug ("“%s” is not an osinfo id", os_id);
      return NULL;
    }

  dirs = database_dirs ();
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autofree char *path = g_build_filename (g_ptr_array_index (dirs, i), relative, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return read_name (path, os_id);
    }

  g_debug ("No osinfo file for “%s”", os_id);
  return NULL;
}

/**
 * hangar_os_db_dup_name:
 * @os_id: a libosinfo id, such as "http://debian.org/debian/12"
 *
 * Reads one small file on the first call for an id, so call it from a worker.
 *
 * Returns: (transfer full) (nullable): the OS's name ("Debian 12"), or %NULL if unknown
 */
char *
hangar_os_db_dup_name (const char *os_id)
{
  g_autoptr(GMutexLocker) locker = NULL;
  const char *cached;
  char *name;

  if (os_id == NULL || *os_id == '\0')
    return NULL;

  locker = g_mutex_locker_new (&db_lock);
  if (db_names == NULL)
    db_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  cached = g_hash_table_lookup (db_names, os_id);
  if (cached == NULL)
    {
      name = lookup (os_id);
      cached = name ? name : g_strdup ("");
      g_hash_table_insert (db_names, g_strdup (os_id), (char *) cached);
    }

  return *cached != '\0' ? g_strdup (cached) : NULL;
}
