/* hangar-clipboard-test-utils.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "hangar-clipboard-test-utils.h"
#include "hangar-qemu-test-utils.h"
#include "hangar-test-server.h"

typedef struct
{
  char     *text;
  gboolean  done;
} Result;

static void
read_text_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Result *read = user_data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  read->done = TRUE;
}

/* The text on @clipboard, or NULL; read while the main loop runs (X clients may be asked). */
char *
hangar_clipboard_test_read_text (GdkClipboard *clipboard)
{
  Result read = { NULL, FALSE };

  gdk_clipboard_read_text_async (clipboard, NULL, read_text_cb, &read);
  WAIT_FOR (read.done);
  return read.text;
}

static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Result *command = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &command->text, NULL, &error);
  g_assert_no_error (error);
  command->done = TRUE;
}

/* Runs xclip with @args (and @input on its stdin) while our main loop serves the clipboard. */
static char *
xclip (const char * const *args,
       const char         *input)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Result command = { NULL, FALSE };

  g_ptr_array_add (argv, (char *) "xclip");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               (input != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                              : G_SUBPROCESS_FLAGS_STDOUT_PIPE) |
                               G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, input, NULL, communicate_cb, &command);
  WAIT_FOR (command.done);
  return command.text;
}

/* Another X client pastes @selection ("clipboard", "primary"). */
char *
hangar_clipboard_test_xclip_paste (const char *selection)
{
  const char *args[] = { "-o", "-selection", selection, NULL };

  return xclip (args, NULL);
}

/* Another X client copies @text to @selection. xclip goes to the background and serves it until
 * another client owns the selection (or the X server ends). */
void
hangar_clipboard_test_xclip_copy (const char *selection,
                                  const char *text)
{
  const char *args[] = { "-i", "-selection", selection, NULL };

  g_free (xclip (args, text));
}

/* The text of the test agent's @index-th line "HANGAR-AGENT <event> selection=S len=N fnv=H
 * hex=…" in @dir/serial.log, decoded; NULL while there is no such line. */
char *
hangar_clipboard_test_agent_text (const char *dir,
                                  const char *event,
                                  guint       selection,
                                  guint       index)
{
  g_autofree char *serial = hangar_qemu_test_read_serial (dir);
  g_autofree char *pattern = g_strdup_printf ("HANGAR-AGENT %s selection=%u len=\\d+ fnv=\\w+ hex=([0-9a-f]*)",
                                              event, selection);
  g_autoptr(GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *digits = NULL;
  GString *text;

  g_regex_match (regex, serial, 0, &match);
  for (guint i = 0; i < index && g_match_info_matches (match); i++)
    g_match_info_next (match, NULL);
  if (!g_match_info_matches (match))
    return NULL;

  digits = g_match_info_fetch (match, 1);
  text = g_string_new (NULL);
  for (const char *p = digits; p[0] != '\0' && p[1] != '\0'; p += 2)
    g_string_append_c (text, (char) (g_ascii_xdigit_value (p[0]) * 16 + g_ascii_xdigit_value (p[1])));
  return g_string_free (text, FALSE);
}
