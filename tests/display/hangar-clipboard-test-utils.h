/* hangar-clipboard-test-utils.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the clipboard tests (test-vnc-clipboard.c, test-spice-clipboard.c) share: reading a
 * GdkClipboard while the main loop runs, another X client (xclip) copying and pasting, and the
 * lines the test guest's agent (tests/guest) prints on its serial port.
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

char *hangar_clipboard_test_read_text   (GdkClipboard *clipboard) G_GNUC_WARN_UNUSED_RESULT;
char *hangar_clipboard_test_xclip_paste (const char   *selection) G_GNUC_WARN_UNUSED_RESULT;
void  hangar_clipboard_test_xclip_copy  (const char   *selection,
                                         const char   *text);
char *hangar_clipboard_test_agent_line  (const char   *dir,
                                         const char   *event,
                                         guint         selection,
                                         guint         index) G_GNUC_WARN_UNUSED_RESULT;
char *hangar_clipboard_test_agent_text  (const char   *dir,
                                         const char   *event,
                                         guint         selection,
                                         guint         index) G_GNUC_WARN_UNUSED_RESULT;
guint hangar_clipboard_test_count_agent_lines (const char *dir,
                                               const char *prefix);

G_END_DECLS
