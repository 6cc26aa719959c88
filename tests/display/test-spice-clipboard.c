/* test-spice-clipboard.c: the SPICE clipboard, both ways, against QEMU's SPICE server and a
 * guest agent of ours.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The guest is the host's Debian kernel under TCG with an initramfs (tests/guest) whose /init
 * is hangar-test-agent: it speaks the agent protocol on the virtio-serial port
 * com.redhat.spice.0, prints what it receives on its serial port, and answers each text it
 * receives by copying "Grüße vom Gast ✓ " + that text in the guest. The client side is
 * HangarSpiceSession on a UNIX socket (one fd per channel) and HangarClipboardBridge on a
 * private Xvfb's clipboards. Skips when no kernel is installed.
 */

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "hangar-clipboard-bridge.h"
#include "hangar-clipboard-test-utils.h"
#include "hangar-display.h"
#include "hangar-qemu-test-utils.h"
#include "hangar-spice-session.h"
#include "hangar-test-server.h"

#define GUEST_PREFIX "Grüße vom Gast ✓ "
#define HOST_TEXT "Hallo vom Host: naïve café, Ωμέγα, 日本語, 🚀\nzweite Zeile\ttab"
#define X_TEXT "from another X client: ünïcödé ✓"
#define PRIMARY_TEXT "primary selection → ✓"
/* The test agent closes its port and opens it again when it receives this. */
#define REOPEN_COMMAND "hangar-test-agent: reopen"

typedef HangarQemuTestSpice Fixture;

/* "len=N fnv=H" of the @index-th @event line, as the agent prints it for any text. */
static char *
agent_digest (Fixture    *f,
              const char *event,
              guint       selection,
              guint       index)
{
  g_autofree char *line = hangar_clipboard_test_agent_line (f->dir, event, selection, index);
  const char *end;

  if (line == NULL)
    return NULL;
  end = strstr (line, " hex=");
  if (end == NULL)
    end = strstr (line, " uptime=");
  g_assert_nonnull (end);
  return g_strndup (line, end - line);
}

static char *
digest (const char *text)
{
  guint64 fnv = G_GUINT64_CONSTANT (14695981039346656037);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    fnv = (fnv ^ *p) * G_GUINT64_CONSTANT (1099511628211);
  return g_strdup_printf ("len=%zu fnv=%016" G_GINT64_MODIFIER "x", strlen (text), fnv);
}

/* Reads the clipboard until it holds @expected (the guest's answer takes a round trip);
 * returns the last text read. */
static char *
wait_clipboard_text (GdkClipboard *clipboard,
                     const char   *expected)
{
  gint64 end = g_get_monotonic_time () + TIMEOUT_SECONDS * G_USEC_PER_SEC;
  char *text = NULL;

  for (;;)
    {
      g_free (text);
      text = hangar_clipboard_test_read_text (clipboard);
      if (g_strcmp0 (text, expected) == 0 || g_get_monotonic_time () > end)
        return text;
      hangar_qemu_test_wait_ms (20);
    }
}

/* Counts the session's clipboard availability changes, and the times it went away. */
typedef struct
{
  guint changes;
  guint lost;
} Availability;

static void
availability_cb (HangarConsoleSession *session,
                 Availability         *availability)
{
  availability->changes++;
  if (!hangar_console_session_clipboard_available (session, HANGAR_CLIPBOARD_SELECTION_CLIPBOARD))
    availability->lost++;
}

static void
test_agent (void)
{
  Fixture f = { 0 };
  GdkDisplay *gdk_display = gdk_display_get_default ();
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display);
  GdkClipboard *primary = gdk_display_get_primary_clipboard (gdk_display);
  g_autoptr(GtkWidget) display = g_object_ref_sink (hangar_display_new ());
  g_autofree char *received = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *pasted = NULL;
  g_autofree char *xclip = g_find_program_in_path ("xclip");
  HangarClipboardBridge *bridge;
  gint64 t0;

  if (!hangar_qemu_test_spice_open (&f, "clip", TRUE))
    {
      hangar_qemu_test_spice_close (&f);
      return;
    }

  /* Copied on the client before the console opened: offered to the guest as soon as the agent is there. */
  gdk_clipboard_set_text (clipboard, HOST_TEXT);
  t0 = g_get_monotonic_time ();
  bridge = hangar_clipboard_bridge_attach (HANGAR_DISPLAY (display));
  hangar_display_set_session (HANGAR_DISPLAY (display), f.session);
  g_assert_true (hangar_clipboard_bridge_get_session (bridge) == f.session);
  WAIT_FOR (hangar_console_session_clipboard_available (f.session, HANGAR_CLIPBOARD_SELECTION_CLIPBOARD));
  g_assert_true (hangar_console_session_clipboard_available (f.session, HANGAR_CLIPBOARD_SELECTION_PRIMARY));

  /* Client → guest: the guest grabbed text (type 1 = UTF-8), asked for it, and got the exact bytes. */
  WAIT_FOR ((received = hangar_clipboard_test_agent_text (f.dir, "received", 0, 0)) != NULL);
  g_test_message ("client -> guest: %.0f ms from set_session to the text in the guest",
                  (g_get_monotonic_time () - t0) / 1e3);
  g_assert_cmpstr (received, ==, HOST_TEXT);
  g_assert_cmpuint (hangar_clipboard_test_count_agent_lines (f.dir, "grab selection=0 types=1 "), ==, 1);

  /* Guest → client: the guest answered with a grab of its own; the client clipboard now holds
   * the guest's text, for us and for any other X client. */
  expected = g_strconcat (GUEST_PREFIX, HOST_TEXT, NULL);
  WAIT_FOR (hangar_clipboard_test_agent_text (f.dir, "sent", 0, 0) != NULL);
  pasted = wait_clipboard_text (clipboard, expected);
  g_test_message ("guest -> client: %.0f ms from set_session to the guest's text on the client clipboard",
                  (g_get_monotonic_time () - t0) / 1e3);
  g_assert_cmpstr (pasted, ==, expected);
  if (xclip != NULL)
    {
      g_autofree char *x_pasted = hangar_clipboard_test_xclip_paste ("clipboard");

      g_assert_cmpstr (x_pasted, ==, expected);
    }

  /* No echo: the guest's own text is not offered back to it (one client grab so far, one
   * request from the client for the guest's text). */
  hangar_qemu_test_wait_ms (1000);
  g_assert_cmpuint (hangar_clipboard_test_count_agent_lines (f.dir, "grab selection=0 "), ==, 1);
  g_assert_cmpuint (hangar_clipboard_test_count_agent_lines (f.dir, "request selection=0 type=1"), ==, 1);

  /* Another X client copies (the X server, not GTK, tells us): it reaches the guest. */
  if (xclip != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) copier = NULL;
      g_autofree char *x_received = NULL;

      /* -quiet: stays in the foreground, serving the selection until another owner takes it. */
      copier = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                 G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                 "xclip", "-quiet", "-i", "-selection", "clipboard", NULL);
      g_assert_no_error (error);
      g_output_stream_write_all (g_subprocess_get_stdin_pipe (copier), X_TEXT, strlen (X_TEXT), NULL, NULL, &error);
      g_assert_no_error (error);
      g_output_stream_close (g_subprocess_get_stdin_pipe (copier), NULL, &error);
      g_assert_no_error (error);
      WAIT_FOR ((x_received = hangar_clipboard_test_agent_text (f.dir, "received", 0, 1)) != NULL);
      g_assert_cmpstr (x_received, ==, X_TEXT);
      g_assert_cmpuint (hangar_clipboard_test_count_agent_lines (f.dir, "grab selection=0 "), ==, 2);

      /* The guest answers again with a grab; the client clipboard follows (xclip loses it and exits). */
      g_clear_pointer (&expected, g_free);
      expected = g_strconcat (GUEST_PREFIX, X_TEXT, NULL);
      g_clear_pointer (&pasted, g_free);
      pasted = wait_clipboard_text (clipboard, expected);
      g_assert_cmpstr (pasted, ==, expected);
      g_assert_true (gdk_clipboard_is_local (clipboard));
      g_subprocess_force_exit (copier);
      g_subprocess_wait (copier, NULL, NULL);
    }
  else
    g_test_message ("xclip not installed: the paths through other X clients are not checked");

  /* The primary selection goes its own way (selection 1). */
  gdk_clipboard_set_text (primary, PRIMARY_TEXT);
  g_clear_pointer (&received, g_free);
  WAIT_FOR ((received = hangar_clipboard_test_agent_text (f.dir, "received", 1, 0)) != NULL);
  g_assert_cmpstr (received, ==, PRIMARY_TEXT);
  g_clear_pointer (&expected, g_free);
  expected = g_strconcat (GUEST_PREFIX, PRIMARY_TEXT, NULL);
  g_clear_pointer (&pasted, g_free);
  pasted = wait_clipboard_text (primary, expected);
  g_assert_cmpstr (pasted, ==, expected);

  /* The client clipboard was not touched by the primary selection's traffic. */
  g_clear_pointer (&pasted, g_free);
  pasted = hangar_clipboard_test_read_text (clipboard);
  g_assert_true (g_str_has_prefix (pasted, GUEST_PREFIX));

  /* A text far over one agent chunk (2 KiB) both ways: 192 KiB, every line numbered. */
  {
    g_autoptr(GString) big = g_string_new (NULL);
    g_autofree char *got = NULL;
    g_autofree char *want = NULL;
    g_autofree char *big_expected = NULL;
    g_autofree char *big_pasted = NULL;
    guint n_received = hangar_clipboard_test_count_agent_lines (f.dir, "received selection=0 ");

    for (guint i = 0; big->len < 192 * 1024; i++)
      g_string_append_printf (big, "%06u äöü ✓ the quick brown fox jumps over the lazy dog\n", i);
    gdk_clipboard_set_text (clipboard, big->str);
    t0 = g_get_monotonic_time ();
    WAIT_FOR ((got = agent_digest (&f, "received", 0, n_received)) != NULL);
    g_test_message ("client -> guest: %zu bytes in %.0f ms", big->len, (g_get_monotonic_time () - t0) / 1e3);
    want = digest (big->str);
    g_assert_cmpstr (got, ==, want);

    big_expected = g_strconcat (GUEST_PREFIX, big->str, NULL);
    big_pasted = wait_clipboard_text (clipboard, big_expected);
    g_test_message ("guest -> client: %zu bytes back %.0f ms after the client's copy",
                    strlen (big_expected), (g_get_monotonic_time () - t0) / 1e3);
    g_assert_true (g_strcmp0 (big_pasted, big_expected) == 0);
  }

  /* The agent goes away and comes back (as a restarted agent would): sharing stops without a
   * warning, and once the agent is back the client's clipboard is offered again by itself. */
  {
    Availability availability = { 0, 0 };
    guint n_received = hangar_clipboard_test_count_agent_lines (f.dir, "received selection=0 ");
    g_autofree char *again = NULL;
    g_autofree char *answer = NULL;
    g_autofree char *answer_pasted = NULL;
    gulong handler = g_signal_connect (f.session, "clipboard-available-changed",
                                       G_CALLBACK (availability_cb), &availability);

    gdk_clipboard_set_text (clipboard, REOPEN_COMMAND);
    WAIT_FOR (hangar_qemu_test_serial_has (f.dir, "HANGAR-AGENT closing"));
    WAIT_FOR (availability.lost > 0);
    WAIT_FOR (hangar_clipboard_test_count_agent_lines (f.dir, "ready ") == 2);
    WAIT_FOR (hangar_console_session_clipboard_available (f.session, HANGAR_CLIPBOARD_SELECTION_CLIPBOARD));
    WAIT_FOR ((again = hangar_clipboard_test_agent_text (f.dir, "received", 0, n_received + 1)) != NULL);
    g_assert_cmpstr (again, ==, REOPEN_COMMAND);
    answer = g_strconcat (GUEST_PREFIX, REOPEN_COMMAND, NULL);
    answer_pasted = wait_clipboard_text (clipboard, answer);
    g_assert_cmpstr (answer_pasted, ==, answer);
    g_assert_cmpint (hangar_console_session_get_state (f.session), ==, HANGAR_CONSOLE_STATE_CONNECTED);
    g_test_message ("agent restart: %u availability changes, %u losses", availability.changes, availability.lost);
    g_signal_handler_disconnect (f.session, handler);
  }

  /* The console goes away: the bridge lets go of the session. */
  hangar_display_set_session (HANGAR_DISPLAY (display), NULL);
  g_assert_null (hangar_clipboard_bridge_get_session (bridge));
  hangar_qemu_test_spice_close (&f);
}

static void
test_no_agent (void)
{
  Fixture f = { 0 };
  GdkDisplay *gdk_display = gdk_display_get_default ();
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display);
  g_autoptr(HangarClipboardBridge) bridge =
    hangar_clipboard_bridge_new (clipboard, gdk_display_get_primary_clipboard (gdk_display));
  g_autofree char *pasted = NULL;

  hangar_qemu_test_spice_open (&f, "clip", FALSE);
  hangar_clipboard_bridge_set_session (bridge, f.session);
  g_assert_false (hangar_console_session_clipboard_available (f.session, HANGAR_CLIPBOARD_SELECTION_CLIPBOARD));

  /* Copying on the client does nothing visible: no warning (they are fatal here), no
   * disconnect, and the client clipboard is left as it was. */
  gdk_clipboard_set_text (clipboard, HOST_TEXT);
  hangar_qemu_test_wait_ms (1000);
  g_assert_false (hangar_console_session_clipboard_available (f.session, HANGAR_CLIPBOARD_SELECTION_CLIPBOARD));
  g_assert_false (hangar_console_session_clipboard_available (f.session, HANGAR_CLIPBOARD_SELECTION_PRIMARY));
  g_assert_cmpint (hangar_console_session_get_state (f.session), ==, HANGAR_CONSOLE_STATE_CONNECTED);
  pasted = hangar_clipboard_test_read_text (clipboard);
  g_assert_cmpstr (pasted, ==, HOST_TEXT);

  hangar_clipboard_bridge_set_session (bridge, NULL);
  hangar_qemu_test_spice_close (&f);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (!hangar_qemu_test_init (&argc, &argv, NULL))
    return 0;

  g_test_add_func ("/display/spice-clipboard/agent", test_agent);
  g_test_add_func ("/display/spice-clipboard/no-agent", test_no_agent);

  ret = g_test_run ();
  hangar_test_stop_xvfb ();
  return ret;
}
