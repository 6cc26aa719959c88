/* test-base-session.c: HangarBaseSession, the state both console sessions share, through a
 * minimal subclass.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "hangar-base-session.h"

#define TEST_TYPE_SESSION (test_session_get_type ())
G_DECLARE_FINAL_TYPE (TestSession, test_session, TEST, SESSION, HangarBaseSession)

struct _TestSession
{
  HangarBaseSession parent_instance;
};

G_DEFINE_FINAL_TYPE (TestSession, test_session, HANGAR_TYPE_BASE_SESSION)

static void
test_session_class_init (TestSessionClass *klass)
{
}

static void
test_session_init (TestSession *self)
{
}

/* Notifications per property, and guest-locks-changed emissions. */
typedef struct
{
  guint state;
  guint framebuffer;
  guint cursor;
  guint absolute_pointer;
  guint error;
  guint locks;
} Counts;

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           Counts     *counts)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "state"))
    counts->state++;
  else if (g_str_equal (name, "framebuffer"))
    counts->framebuffer++;
  else if (g_str_equal (name, "cursor"))
    counts->cursor++;
  else if (g_str_equal (name, "absolute-pointer"))
    counts->absolute_pointer++;
  else if (g_str_equal (name, "error"))
    counts->error++;
}

static void
locks_cb (HangarConsoleSession *session,
          Counts               *counts)
{
  counts->locks++;
}

static HangarBaseSession *
new_session (Counts *counts)
{
  HangarBaseSession *session = g_object_new (TEST_TYPE_SESSION, NULL);

  g_signal_connect (session, "notify", G_CALLBACK (notify_cb), counts);
  g_signal_connect (session, "guest-locks-changed", G_CALLBACK (locks_cb), counts);
  return session;
}

static void
test_defaults (void)
{
  Counts counts = { 0 };
  HangarBaseSession *session = new_session (&counts);
  HangarConsoleSession *console = HANGAR_CONSOLE_SESSION (session);
  gboolean ext = TRUE;

  g_assert_true (HANGAR_IS_CONSOLE_SESSION (session));
  g_assert_cmpint (hangar_console_session_get_state (console), ==, HANGAR_CONSOLE_STATE_DISCONNECTED);
  g_assert_null (hangar_console_session_get_framebuffer (console));
  g_assert_null (hangar_console_session_get_error (console));
  g_assert_true (hangar_console_session_get_absolute_pointer (console));
  g_object_get (session, "has-ext-keys", &ext, NULL);
  g_assert_false (ext);
  /* A protocol without a clipboard: the optional calls say so and do nothing. */
  g_assert_false (hangar_console_session_clipboard_available (console, HANGAR_CLIPBOARD_SELECTION_CLIPBOARD));
  hangar_console_session_clipboard_grab (console, HANGAR_CLIPBOARD_SELECTION_CLIPBOARD);
  g_assert_finalize_object (session);
}

/* Each property notifies once per real change, and only then. */
static void
test_notify (void)
{
  Counts counts = { 0 };
  HangarBaseSession *session = new_session (&counts);
  g_autoptr(GError) error = NULL;
  g_autoptr(HangarFramebuffer) fb = hangar_framebuffer_new (10, 20, &error);
  g_autoptr(GdkCursor) cursor = gdk_cursor_new_from_name ("none", NULL);

  g_assert_no_error (error);
  hangar_base_session_set_state (session, HANGAR_CONSOLE_STATE_DISCONNECTED);
  g_assert_cmpuint (counts.state, ==, 0);
  hangar_base_session_begin (session);
  g_assert_cmpint (hangar_base_session_get_state (session), ==, HANGAR_CONSOLE_STATE_CONNECTING);
  g_assert_cmpuint (counts.state, ==, 1);
  g_assert_cmpuint (counts.error, ==, 0);
  hangar_base_session_set_state (session, HANGAR_CONSOLE_STATE_CONNECTED);
  hangar_base_session_set_state (session, HANGAR_CONSOLE_STATE_CONNECTED);
  g_assert_cmpuint (counts.state, ==, 2);

  hangar_base_session_set_framebuffer (session, fb);
  hangar_base_session_set_framebuffer (session, fb);
  g_assert_cmpuint (counts.framebuffer, ==, 1);
  g_assert_true (hangar_base_session_get_framebuffer (session) == fb);

  hangar_base_session_set_absolute_pointer (session, TRUE);
  g_assert_cmpuint (counts.absolute_pointer, ==, 0);
  hangar_base_session_set_absolute_pointer (session, FALSE);
  hangar_base_session_set_absolute_pointer (session, FALSE);
  g_assert_cmpuint (counts.absolute_pointer, ==, 1);

  /* Every cursor the guest sends is news. */
  hangar_base_session_set_cursor (session, cursor);
  hangar_base_session_set_cursor (session, cursor);
  g_assert_cmpuint (counts.cursor, ==, 2);

  g_assert_finalize_object (session);
}

/* The first error of a connection is kept; a new connection forgets it. */
static void
test_errors (void)
{
  Counts counts = { 0 };
  HangarBaseSession *session = new_session (&counts);
  HangarConsoleSession *console = HANGAR_CONSOLE_SESSION (session);
  g_autoptr(GError) error = NULL;

  hangar_base_session_begin (session);
  hangar_base_session_fail (session, HANGAR_DISPLAY_ERROR_AUTH_FAILED, "first %d", 1);
  hangar_base_session_fail (session, HANGAR_DISPLAY_ERROR_CLOSED, "second");
  g_assert_true (hangar_base_session_has_error (session));
  g_assert_error (hangar_console_session_get_error (console), HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_AUTH_FAILED);
  g_assert_cmpstr (hangar_console_session_get_error (console)->message, ==, "first 1");
  g_assert_cmpuint (counts.error, ==, 1);

  hangar_base_session_replace_error (session, g_error_new_literal (HANGAR_DISPLAY_ERROR,
                                                                   HANGAR_DISPLAY_ERROR_FAILED, "better"));
  g_assert_cmpstr (hangar_console_session_get_error (console)->message, ==, "better");
  g_assert_cmpuint (counts.error, ==, 2);

  /* The disconnect keeps the explanation it has. */
  hangar_base_session_disconnected (session);
  g_assert_cmpint (hangar_base_session_get_state (session), ==, HANGAR_CONSOLE_STATE_DISCONNECTED);
  g_assert_cmpstr (hangar_console_session_get_error (console)->message, ==, "better");

  hangar_base_session_begin (session);
  g_assert_false (hangar_base_session_has_error (session));
  g_assert_cmpuint (counts.error, ==, 3);

  /* Without one, the disconnect says whether the screen was ever shown. */
  hangar_base_session_disconnected (session);
  g_assert_error (hangar_console_session_get_error (console), HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CLOSED);
  g_assert_nonnull (strstr (hangar_console_session_get_error (console)->message, "before showing the screen"));
  hangar_base_session_begin (session);
  hangar_base_session_set_state (session, HANGAR_CONSOLE_STATE_CONNECTED);
  hangar_base_session_disconnected (session);
  g_assert_error (hangar_console_session_get_error (console), HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CLOSED);
  g_assert_null (strstr (hangar_console_session_get_error (console)->message, "before showing the screen"));

  /* An open that cannot even start. */
  hangar_base_session_begin (session);
  g_assert_false (hangar_base_session_open_failed (session, &error, "no %s", "socket"));
  g_assert_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CONNECT);
  g_assert_cmpstr (error->message, ==, "no socket");
  g_assert_cmpint (hangar_base_session_get_state (session), ==, HANGAR_CONSOLE_STATE_DISCONNECTED);

  g_assert_finalize_object (session);
}

/* The guest's lock-key reports: its own changes are news, the steps of toggles we asked for are not. */
static void
test_locks (void)
{
  Counts counts = { 0 };
  HangarBaseSession *session = new_session (&counts);

  g_assert_cmpint (hangar_base_session_expected_locks (session, HANGAR_LOCK_NUM), ==, HANGAR_LOCK_NUM);
  hangar_base_session_guest_locks (session, HANGAR_LOCK_NUM);
  g_assert_cmpuint (counts.locks, ==, 1);

  /* We toggle Caps and Num; the guest reports after each key. */
  hangar_base_session_locks_asked (session, HANGAR_LOCK_CAPS);
  g_assert_cmpint (hangar_base_session_expected_locks (session, HANGAR_LOCK_NUM), ==, HANGAR_LOCK_CAPS);
  hangar_base_session_guest_locks (session, HANGAR_LOCK_CAPS | HANGAR_LOCK_NUM);
  g_assert_cmpuint (counts.locks, ==, 1);
  hangar_base_session_guest_locks (session, HANGAR_LOCK_CAPS);
  g_assert_cmpuint (counts.locks, ==, 1);
  g_assert_cmpint (hangar_base_session_expected_locks (session, HANGAR_LOCK_CAPS), ==, HANGAR_LOCK_CAPS);

  /* Confirmed: the next report is the guest's own. */
  hangar_base_session_guest_locks (session, 0);
  g_assert_cmpuint (counts.locks, ==, 2);

  /* A new connection forgets a toggle still unconfirmed. */
  hangar_base_session_locks_asked (session, HANGAR_LOCK_SCROLL);
  hangar_base_session_begin (session);
  g_assert_cmpint (hangar_base_session_expected_locks (session, 0), ==, 0);

  g_assert_finalize_object (session);
}

static void
test_clamp (void)
{
  Counts counts = { 0 };
  HangarBaseSession *session = new_session (&counts);
  g_autoptr(GError) error = NULL;
  g_autoptr(HangarFramebuffer) fb = hangar_framebuffer_new (10, 20, &error);
  int x = -5, y = 30;

  g_assert_no_error (error);
  g_assert_false (hangar_base_session_clamp_to_framebuffer (session, &x, &y));
  hangar_base_session_set_framebuffer (session, fb);
  g_assert_true (hangar_base_session_clamp_to_framebuffer (session, &x, &y));
  g_assert_cmpint (x, ==, 0);
  g_assert_cmpint (y, ==, 19);
  x = 4, y = 5;
  g_assert_true (hangar_base_session_clamp_to_framebuffer (session, &x, &y));
  g_assert_cmpint (x, ==, 4);
  g_assert_cmpint (y, ==, 5);

  g_assert_finalize_object (session);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/display/base-session/defaults", test_defaults);
  g_test_add_func ("/display/base-session/notify", test_notify);
  g_test_add_func ("/display/base-session/errors", test_errors);
  g_test_add_func ("/display/base-session/locks", test_locks);
  g_test_add_func ("/display/base-session/clamp", test_clamp);

  return g_test_run ();
}
