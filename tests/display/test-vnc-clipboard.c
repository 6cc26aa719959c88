/* test-vnc-clipboard.c: the VNC clipboard (RFB cut text), both ways, against
 * hangar-test-vnc-server, and client → guest through QEMU's VNC server and its qemu-vdagent.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The client side is HangarVncSession with HangarClipboardBridge on a private Xvfb's clipboard.
 * The test server prints each client cut text (CUTTEXT len fnv hex) and sends server cut text
 * on command. RFB's cut text is ISO 8859-1; QEMU takes UTF-8 (see hangar-vnc-session.c).
 */

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>
#include <unistd.h>

#include "hangar-clipboard-bridge.h"
#include "hangar-clipboard-test-utils.h"
#include "hangar-display.h"
#include "hangar-qemu-test-utils.h"
#include "hangar-test-server.h"
#include "hangar-vnc-session.h"

/* Every character is in Latin-1. */
#define LATIN1_TEXT "Grüße, naïve café: ½ × ÿ\nzweite Zeile\tTab"
/* Greek and a check mark are not: each becomes '?'. */
#define WIDE_TEXT "Ωμέγα ✓ ok"
#define WIDE_TEXT_SENT "????? ? ok"
#define SERVER_TEXT "Grüße vom Server: ½ ÿ ©"
/* What a QEMU guest gets: UTF-8 as it is, emoji included. */
#define QEMU_TEXT "Hallo vom Host: naïve café, Ωμέγα, 日本語, 🚀\nzweite Zeile\ttab"

typedef struct
{
  TestServer       *server;
  HangarVncSession *session;
  GtkWidget        *display;
  GdkClipboard     *clipboard;
  /* Emissions of the session's clipboard signals. */
  guint             guest_grabs;
  guint             available_changes;
  /* The session asked for the client's text. */
  guint             requests;
  /* Texts the session said it did not send. */
  guint             not_sent;
} Fixture;

static void
message_cb (const char     *domain,
            GLogLevelFlags  level,
            const char     *message,
            gpointer        user_data)
{
  Fixture *f = user_data;

  g_test_message ("%s: %s", domain, message);
  if (strstr (message, "not sent") != NULL)
    f->not_sent++;
}

static void
guest_grab_cb (HangarConsoleSession     *session,
               HangarClipboardSelection  selection,
               Fixture                  *f)
{
  f->guest_grabs++;
}

static void
request_cb (HangarConsoleSession     *session,
            HangarClipboardSelection  selection,
            Fixture                  *f)
{
  f->requests++;
}

static void
available_changed_cb (HangarConsoleSession *session,
                      Fixture              *f)
{
  f->available_changes++;
}

static gboolean
available (Fixture *f)
{
  return hangar_console_session_clipboard_available (HANGAR_CONSOLE_SESSION (f->session),
                                                     HANGAR_CLIPBOARD_SELECTION_CLIPBOARD);
}

/* A session with a clipboard bridge, connected to a test server started with @args. */
static void
fixture_open (Fixture            *f,
              const char * const *args)
{
  int fd;

  f->clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  f->server = server_start (args);
  f->session = hangar_vnc_session_new ();
  g_signal_connect (f->session, "guest-clipboard-grab", G_CALLBACK (guest_grab_cb), f);
  g_signal_connect (f->session, "clipboard-available-changed", G_CALLBACK (available_changed_cb), f);
  g_signal_connect (f->session, "guest-clipboard-request", G_CALLBACK (request_cb), f);
  f->display = g_object_ref_sink (hangar_display_new ());
  hangar_clipboard_bridge_attach (HANGAR_DISPLAY (f->display));
  hangar_display_set_session (HANGAR_DISPLAY (f->display), HANGAR_CONSOLE_SESSION (f->session));

  g_assert_false (available (f));
  fd = f->server->client_fd;
  f->server->client_fd = -1;
  hangar_qemu_test_session_open_fd (HANGAR_CONSOLE_SESSION (f->session), fd);
}

static void
fixture_close (Fixture *f)
{
  hangar_qemu_test_session_close (HANGAR_CONSOLE_SESSION (f->session));
  g_assert_false (available (f));
  hangar_display_set_session (HANGAR_DISPLAY (f->display), NULL);
  g_clear_object (&f->display);
  server_stop (g_steal_pointer (&f->server));
  g_signal_handlers_disconnect_by_data (f->session, f);
  g_assert_finalize_object (g_steal_pointer (&f->session));
}

static char *
hex (const guint8 *data,
     gsize         len)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, "%02x", data[i]);
  return g_string_free (out, FALSE);
}

/* UTF-8 → the Latin-1 bytes RFB sends, in hex (every character here is in Latin-1 or ASCII). */
static char *
latin1_hex (const char *utf8)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();

  for (const char *p = utf8; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      guint8 byte = c;

      g_assert_cmpuint (c, <=, 0xff);
      g_byte_array_append (bytes, &byte, 1);
    }
  return hex (bytes->data, bytes->len);
}

/* "len=N fnv=H" of @len bytes, as the test server prints them. */
static char *
digest (const guint8 *data,
        gsize         len)
{
  guint64 fnv = G_GUINT64_CONSTANT (14695981039346656037);

  for (gsize i = 0; i < len; i++)
    fnv = (fnv ^ data[i]) * G_GUINT64_CONSTANT (1099511628211);
  return g_strdup_printf ("len=%zu fnv=%016" G_GINT64_MODIFIER "x", len, fnv);
}

/* The server's next CUTTEXT line without its prefix: "len=N fnv=H hex=…" (hex only up to 4 KiB). */
static char *
next_cut_text (Fixture *f)
{
  g_autofree char *line = server_next (f->server, "CUTTEXT ");

  return g_strdup (line + strlen ("CUTTEXT "));
}

/* Asserts that the server's next cut text is @utf8, sent as Latin-1. */
static void
expect_cut_text (Fixture    *f,
                 const char *utf8)
{
  g_autofree char *bytes = latin1_hex (utf8);
  g_autofree char *line = next_cut_text (f);
  g_autofree char *hex_part = g_strdup (strstr (line, " hex=") != NULL ? strstr (line, " hex=") + 5 : "");

  g_assert_cmpstr (hex_part, ==, bytes);
}

/* Waits until the client clipboard holds @expected (the server's text is fetched at once, but
 * on the main loop). */
static void
wait_clipboard (Fixture    *f,
                const char *expected)
{
  g_autofree char *text = NULL;

  WAIT_FOR ((g_free (text), text = hangar_clipboard_test_read_text (f->clipboard), g_strcmp0 (text, expected) == 0));
}

/* Messages from the server are handled in order: once a screen update that the server sent
 * after its cut text has arrived, the cut text was handled too. */
static void
server_barrier (Fixture *f)
{
  guint64 updates = hangar_vnc_session_get_n_updates (f->session);
  static guint colour = 0x102030;

  g_autofree char *command = g_strdup_printf ("rect 0 0 8 8 %06x", colour++);
  server_command (f->server, command);
  WAIT_FOR (hangar_vnc_session_get_n_updates (f->session) > updates);
}

/* Latin-1 text in both directions, '?' for what Latin-1 lacks, an empty clipboard, large texts,
 * and nothing echoed. */
static void
test_both_ways (void)
{
  Fixture f = { 0 };
  g_autofree char *xclip_path = g_find_program_in_path ("xclip");

  /* Copied before the console opened: sent as soon as the server takes input. */
  gdk_clipboard_set_text (gdk_display_get_clipboard (gdk_display_get_default ()), LATIN1_TEXT);
  fixture_open (&f, NULL);
  g_assert_true (available (&f));
  g_assert_false (hangar_console_session_clipboard_available (HANGAR_CONSOLE_SESSION (f.session),
                                                              HANGAR_CLIPBOARD_SELECTION_PRIMARY));
  expect_cut_text (&f, LATIN1_TEXT);

  /* Characters outside Latin-1 go as '?'. */
  gdk_clipboard_set_text (f.clipboard, WIDE_TEXT);
  expect_cut_text (&f, WIDE_TEXT_SENT);

  /* The same text copied again is read for the server, but not sent again: once it was read, a
   * pointer event (sent after anything before it) is the server's next message. */
  {
    guint requests = f.requests;
    g_autofree char *line = NULL;

    gdk_clipboard_set_text (f.clipboard, WIDE_TEXT);
    WAIT_FOR (f.requests > requests);
    while (g_main_context_iteration (NULL, FALSE))
      ;
    hangar_console_session_pointer (HANGAR_CONSOLE_SESSION (f.session), 3, 4, 0);
    do
      {
        g_free (line);
        line = server_next (f.server, "");
      }
    while (!g_str_has_prefix (line, "CUTTEXT") && !g_str_has_prefix (line, "POINTER"));
    g_assert_cmpstr (line, ==, "POINTER 0 3 4");
  }

  /* Another X client's copy. */
  if (xclip_path != NULL)
    {
      hangar_clipboard_test_xclip_copy ("clipboard", "von xclip: Ärger über Öl");
      expect_cut_text (&f, "von xclip: Ärger über Öl");
    }

  /* An empty text is a cut text of no bytes. */
  gdk_clipboard_set_text (f.clipboard, "");
  {
    g_autofree char *line = next_cut_text (&f);

    g_assert_cmpstr (line, ==, "len=0 fnv=cbf29ce484222325 hex=");
  }

  /* 64 KiB of Latin-1 (about 100 KiB of UTF-8 on the client), the most Hangar sends, arrives
   * whole. */
  {
    g_autoptr(GByteArray) latin1 = g_byte_array_new ();
    g_autoptr(GString) utf8 = g_string_new (NULL);
    g_autofree char *want = NULL;
    g_autofree char *line = NULL;

    for (guint i = 0; i < 64 * 1024; i++)
      {
        guint8 byte = 0x20 + i % 0xe0;

        g_byte_array_append (latin1, &byte, 1);
        g_string_append_unichar (utf8, byte);
      }
    gdk_clipboard_set_text (f.clipboard, utf8->str);
    line = next_cut_text (&f);
    want = digest (latin1->data, latin1->len);
    g_assert_cmpstr (line, ==, want);
  }

  /* A byte more is not sent (gvnc 1.3.1 would corrupt the stream, see hangar-vnc-session.c):
   * said in a message; the connection stays, and the next copy is the next cut text. */
  {
    g_autofree char *huge = g_strnfill (64 * 1024 + 1, 'x');
    guint handler = g_log_set_handler ("hangar-vnc-session", G_LOG_LEVEL_MESSAGE, message_cb, &f);

    gdk_clipboard_set_text (f.clipboard, huge);
    WAIT_FOR (f.not_sent == 1);
    g_log_remove_handler ("hangar-vnc-session", handler);
    gdk_clipboard_set_text (f.clipboard, "after the big one");
    expect_cut_text (&f, "after the big one");
    g_assert_cmpint (hangar_console_session_get_state (HANGAR_CONSOLE_SESSION (f.session)), ==,
                     HANGAR_CONSOLE_STATE_CONNECTED);
  }

  /* Server → client: Latin-1 becomes UTF-8 on the client clipboard, for us and for other X
   * clients. */
  {
    g_autofree char *bytes = latin1_hex (SERVER_TEXT);
    g_autofree char *command = g_strconcat ("cuttext ", bytes, NULL);

    server_command (f.server, command);
    wait_clipboard (&f, SERVER_TEXT);
    g_assert_cmpuint (f.guest_grabs, ==, 1);
    if (xclip_path != NULL)
      {
        g_autofree char *pasted = hangar_clipboard_test_xclip_paste ("clipboard");

        g_assert_cmpstr (pasted, ==, SERVER_TEXT);
      }
  }

  /* No echo: the server's text did not go back to it; the next cut text is the next copy. */
  gdk_clipboard_set_text (f.clipboard, "barrier");
  expect_cut_text (&f, "barrier");

  /* An empty server clipboard leaves the client's as it is. */
  server_command (f.server, "cuttext");
  server_barrier (&f);
  {
    g_autofree char *text = hangar_clipboard_test_read_text (f.clipboard);

    g_assert_cmpstr (text, ==, "barrier");
  }

  /* 512 KiB from the server: every Latin-1 character from the space on. */
  {
    g_autoptr(GString) want = g_string_new (NULL);

    for (guint i = 0; i < 512 * 1024; i++)
      g_string_append_unichar (want, 0x20 + i % 0xe0);
    server_command (f.server, "cuttext-pattern 524288");
    wait_clipboard (&f, want->str);
  }

  fixture_close (&f);
}

/* A server that sends each client cut text back to its clients: our own text is not taken
 * as the guest's. */
static void
test_echo (void)
{
  const char *args[] = { "--echo-cut-text", NULL };
  Fixture f = { 0 };
  GdkContentProvider *ours;

  /* Sent as soon as the connection is up. */
  gdk_clipboard_set_text (gdk_display_get_clipboard (gdk_display_get_default ()), "echo: Bäume");
  fixture_open (&f, args);
  ours = gdk_clipboard_get_content (f.clipboard);
  g_assert_nonnull (ours);
  expect_cut_text (&f, "echo: Bäume");
  g_free (server_next (f.server, "ECHOED"));
  server_barrier (&f);

  g_assert_cmpuint (f.guest_grabs, ==, 0);
  g_assert_true (gdk_clipboard_get_content (f.clipboard) == ours);

  fixture_close (&f);
}

/* QEMU (known by its desktop name) takes UTF-8: it hands the bytes to a UTF-8 guest agent. */
static void
test_qemu_name (void)
{
  const char *args[] = { "--name", "QEMU (hangar-test)", NULL };
  Fixture f = { 0 };
  g_autofree char *line = NULL;
  g_autofree char *want = NULL;

  gdk_clipboard_set_text (gdk_display_get_clipboard (gdk_display_get_default ()), QEMU_TEXT);
  fixture_open (&f, args);
  line = next_cut_text (&f);
  want = hex ((const guint8 *) QEMU_TEXT, strlen (QEMU_TEXT));
  g_assert_cmpstr (strstr (line, " hex=") + 5, ==, want);

  fixture_close (&f);
}

/* Availability follows the connection: after it is up, until it ends, and each change is said. */
static void
test_available (void)
{
  Fixture f = { 0 };

  fixture_open (&f, NULL);
  g_assert_true (available (&f));
  g_assert_cmpuint (f.available_changes, ==, 1);
  hangar_console_session_close (HANGAR_CONSOLE_SESSION (f.session));
  WAIT_FOR (!available (&f));
  g_assert_cmpuint (f.available_changes, ==, 2);

  fixture_close (&f);
}

/* QEMU 7.2's VNC server with a qemu-vdagent chardev and our agent in the guest (tests/guest):
 * plain cut text reaches the guest, as UTF-8; the guest's copies never come back. */

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_qemu_agent (void)
{
  g_autoptr(GSubprocess) guard = NULL;
  g_autoptr(GSubprocess) qemu = NULL;
  g_autofree char *dir = hangar_qemu_test_make_dir ("vnc-clip", &guard);
  g_autofree char *vnc_sock = g_build_filename (dir, "vnc.sock", NULL);
  g_autofree char *vnc_arg = g_strdup_printf ("unix:%s", vnc_sock);
  g_autofree char *kernel = NULL;
  g_autofree char *received = NULL;
  g_autoptr(HangarVncSession) session = NULL;
  g_autoptr(GtkWidget) display = NULL;
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  Fixture counts = { 0 };
  gint64 end;
  guint tick;

  if (!hangar_qemu_test_make_agent_guest (dir, &kernel))
    return;

  /* The guest's serial output is a file: wake the main loop now and then to look at it. */
  tick = g_timeout_add (20, tick_cb, NULL);
  {
    const char *display_args[] = { "-vga", "std", "-vnc", vnc_arg, NULL };

    qemu = hangar_qemu_test_start_agent_guest (dir, kernel, display_args,
                                               "qemu-vdagent,id=vdagent,name=vdagent,clipboard=on");
  }

  session = hangar_vnc_session_new ();
  g_signal_connect (session, "guest-clipboard-grab", G_CALLBACK (guest_grab_cb), &counts);
  display = g_object_ref_sink (hangar_display_new ());
  hangar_clipboard_bridge_attach (HANGAR_DISPLAY (display));
  hangar_display_set_session (HANGAR_DISPLAY (display), HANGAR_CONSOLE_SESSION (session));
  gdk_clipboard_set_text (clipboard, QEMU_TEXT);
  hangar_qemu_test_session_open_fd (HANGAR_CONSOLE_SESSION (session), hangar_qemu_test_connect_unix (vnc_sock));

  /* Client → guest: the agent got the client's text, exactly. */
  WAIT_FOR ((g_free (received), received = hangar_clipboard_test_agent_text (dir, "received", 0, 0)) != NULL);
  g_assert_cmpstr (received, ==, QEMU_TEXT);

  /* Guest → client: the agent copied its answer in the guest; QEMU does not pass it to a
   * client without the extended clipboard. Nothing can be waited for, so look for a second. */
  WAIT_FOR (hangar_qemu_test_serial_has (dir, "HANGAR-AGENT grabbed"));
  end = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (counts.guest_grabs, ==, 0);
  {
    g_autofree char *text = hangar_clipboard_test_read_text (clipboard);

    g_assert_cmpstr (text, ==, QEMU_TEXT);
  }

  hangar_qemu_test_session_close (HANGAR_CONSOLE_SESSION (session));
  hangar_display_set_session (HANGAR_DISPLAY (display), NULL);
  g_signal_handlers_disconnect_by_data (session, &counts);
  hangar_qemu_test_kill (&qemu);
  hangar_qemu_test_drop_dir (&dir, &guard);
  g_source_remove (tick);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *qemu = g_find_program_in_path ("qemu-system-x86_64");
  int ret;

  if (!hangar_test_start_xvfb ())
    {
      g_print ("1..0 # SKIP needs Xvfb\n");
      return 0;
    }
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/display/vnc-clipboard/both-ways", test_both_ways);
  g_test_add_func ("/display/vnc-clipboard/echo", test_echo);
  g_test_add_func ("/display/vnc-clipboard/qemu-name", test_qemu_name);
  g_test_add_func ("/display/vnc-clipboard/available", test_available);
  if (g_getenv ("HANGAR_TEST_AGENT") != NULL && qemu != NULL)
    g_test_add_func ("/display/vnc-clipboard/qemu-agent", test_qemu_agent);

  ret = g_test_run ();
  hangar_test_stop_xvfb ();
  return ret;
}
