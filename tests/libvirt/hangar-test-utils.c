/* hangar-test-utils.c: helpers shared by the model tests
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "hangar-test-utils.h"

static gboolean
deadline_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
hangar_test_wait_for (HangarTestCondition cond,
                      gpointer            data,
                      guint               timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id, tick;

  if (cond (data))
    return TRUE;

  /* The deadline is a timer, so the loop blocks in poll, never in a sleep; a 10 ms tick lets
   * conditions that no source announces (a file appearing) be checked too. */
  id = g_timeout_add (timeout_ms, deadline_cb, &timed_out);
  tick = g_timeout_add (10, tick_cb, NULL);
  while (!timed_out && !cond (data))
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_source_remove (tick);

  return cond (data);
}

typedef struct
{
  HangarConnection      *connection;
  HangarConnectionState  state;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *wait = data;

  return hangar_connection_get_state (wait->connection) == wait->state;
}

gboolean
hangar_test_wait_state (HangarConnection      *connection,
                        HangarConnectionState  state,
                        guint                  timeout_ms)
{
  StateWait wait = { connection, state };

  return hangar_test_wait_for (state_reached, &wait, timeout_ms);
}

char *
hangar_test_copy_fixture (const char  *fixture,
                          char       **tmpdir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *path = NULL;
  gsize len;

  *tmpdir = g_dir_make_tmp ("hangar-test-model-XXXXXX", &error);
  g_assert_no_error (error);

  g_file_get_contents (g_test_get_filename (G_TEST_DIST, "fixtures", fixture, NULL),
                       &contents, &len, &error);
  g_assert_no_error (error);

  path = g_build_filename (*tmpdir, fixture, NULL);
  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&path);
}

char *
hangar_test_make_world (guint        count,
                        const char  *extra,
                        char       **tmpdir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = NULL;
  g_autofree char *cmd = NULL;
  g_autofree char *out = NULL;
  g_autofree char *path = NULL;
  int status;

  *tmpdir = g_dir_make_tmp ("hangar-test-model-XXXXXX", &error);
  g_assert_no_error (error);

  script = g_test_build_filename (G_TEST_DIST, "fixtures", "make-world.py", NULL);
  path = g_build_filename (*tmpdir, "world.xml", NULL);
  cmd = g_strdup_printf ("python3 '%s' %u %s", script, count, extra ? extra : "");
  g_spawn_command_line_sync (cmd, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_file_set_contents (path, out, -1, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&path);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
hangar_test_iterate_for (guint ms)
{
  hangar_test_wait_for (never, NULL, ms);
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

void
hangar_test_finalize_object (gpointer object)
{
  gpointer weak = object;

  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  g_assert_true (hangar_test_wait_for (pointer_cleared, &weak, 10000));
}

void
hangar_test_rm_rf (const char *dir)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  if (dir == NULL)
    return;

  file = g_file_new_for_path (dir);
  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                        G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        hangar_test_rm_rf (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (dir);
}

struct _HangarGapProbe
{
  gint64 last;
  gint64 max_gap;
  guint  id;
};

static gboolean
probe_tick_cb (gpointer data)
{
  HangarGapProbe *probe = data;
  gint64 now = g_get_monotonic_time ();

  probe->max_gap = MAX (probe->max_gap, now - probe->last);
  probe->last = now;

  return G_SOURCE_CONTINUE;
}

HangarGapProbe *
hangar_gap_probe_start (void)
{
  HangarGapProbe *probe = g_new0 (HangarGapProbe, 1);

  probe->last = g_get_monotonic_time ();
  probe->id = g_timeout_add (10, probe_tick_cb, probe);

  return probe;
}

gint64
hangar_gap_probe_stop (HangarGapProbe *probe)
{
  gint64 gap;

  /* Count the time since the last tick too. */
  probe_tick_cb (probe);
  gap = probe->max_gap;
  g_source_remove (probe->id);
  g_free (probe);

  return gap;
}

void
hangar_test_async_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
result_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

GAsyncResult *
hangar_test_wait_async (GAsyncResult **result,
                        guint          timeout_ms)
{
  g_assert_true (hangar_test_wait_for (result_set, result, timeout_ms));
  return *result;
}
