/* hangar-ui-test-utils.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TIMEOUT_S 20

gboolean   hangar_ui_test_init              (int        *argc,
                                             char     ***argv);
gboolean   _hangar_ui_test_timeout_cb       (gpointer    user_data);
void       hangar_ui_test_save_screenshot   (GtkWidget  *widget,
                                             const char *name);
GtkWidget *hangar_ui_test_find_descendant   (GtkWidget  *widget,
                                             GType       type);
void       hangar_ui_test_remove_dir        (const char *path);

/* Iterates the main context until @check is true, failing the test after TIMEOUT_S seconds. */
#define WAIT_UNTIL(check)                                                          \
  G_STMT_START {                                                                   \
    gboolean timed_out_ = FALSE;                                                   \
    guint id_ = g_timeout_add_seconds (TIMEOUT_S, _hangar_ui_test_timeout_cb, &timed_out_); \
    while (!(check) && !timed_out_)                                                \
      g_main_context_iteration (NULL, TRUE);                                       \
    if (!timed_out_)                                                               \
      g_source_remove (id_);                                                       \
    if (timed_out_)                                                                \
      g_error ("Timed out waiting for %s", #check);                                \
  } G_STMT_END

G_END_DECLS
