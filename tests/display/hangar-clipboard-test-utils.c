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

/* What follows "HANGAR-AGENT <event> selection=S " on the @index-th such line of the test agent
 * (tests/guest) in @dir/serial.log; NULL while there is no such line. Only whole lines count: the
 * serial log grows a byte at a time, and a line read before its "\n" may still lack its hex= part. */
char *
hangar_clipboard_test_agent_line (const char *dir,
                                  const char *event,
                                  guint       selection,
                                  guint       index)
{
  g_autofree char *contents = hangar_qemu_test_read_serial (dir);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
  g_autofree char *prefix = g_strdup_printf ("HANGAR-AGENT %s selection=%u ", event, selection);
  guint seen = 0;

  /* The last piece follows the last "\n": empty, or a line still being written. */
  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++)
    if (g_str_has_prefix (g_strstrip (lines[i]), prefix) && seen++ == index)
      return g_strdup (lines[i] + strlen (prefix));
  return NULL;
}

/* The text of the @index-th agent line "HANGAR-AGENT <event> selection=S len=N fnv=H hex=…",
 * decoded; NULL while there is no such line. */
char *
hangar_clipboard_test_agent_text (const char *dir,
                                  const char *event,
                                  guint       selection,
                                  guint       index)
{
  g_autofree char *line = hangar_clipboard_test_agent_line (dir, event, selection, index);
  const char *hex;
  GString *text;

  if (line == NULL)
    return NULL;
  hex = strstr (line, " hex=");
  g_assert_nonnull (hex);
  hex += 5;
  text = g_string_new (NULL);
  while (g_ascii_isxdigit (hex[0]) && g_ascii_isxdigit (hex[1]))
    {
      g_string_append_c (text, (char) (g_ascii_xdigit_value (hex[0]) * 16 + g_ascii_xdigit_value (hex[1])));
      hex += 2;
    }
  return g_string_free (text, FALSE);
}

/* How many agent lines in @dir/serial.log start with "HANGAR-AGENT " @prefix. */
guint
hangar_clipboard_test_count_agent_lines (const char *dir,
                                         const char *prefix)
{
  g_autofree char *contents = hangar_qemu_test_read_serial (dir);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
  g_autofree char *full = g_strconcat ("HANGAR-AGENT ", prefix, NULL);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (g_strstrip (lines[i]), full))
      n++;
  return n;
}
