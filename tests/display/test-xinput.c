/* test-xinput.c: real X key and pointer events (xdotool, XTEST) into HangarDisplay.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs its own Xvfb, because it changes the keyboard layout (setxkbmap de) and the input focus,
 * which would disturb other tests sharing the suite's X server. Events travel the whole way:
 * XTEST → X server → GDK → the display's capture-phase key controller and legacy pointer
 * controller → gvnc → hangar-test-vnc-server, which prints what arrived.
 */

#include "config.h"

#include <gdk/x11/gdkx.h>
#include <gtk/gtk.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hangar-display-private.h"
#include "hangar-test-server.h"
#include "hangar-vnc-session.h"

#define run hangar_test_run

typedef struct
{
  TestServer       *server;
  HangarVncSession *session;
  GtkWindow        *window;
  HangarDisplay    *display;
  gulong            xid;
} Fixture;

static void
fixture_open_with (Fixture            *f,
                   const char * const *args)
{
  g_autoptr(GError) error = NULL;
  int fd;

  f->server = server_start (args);
  f->session = hangar_vnc_session_new ();
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_decorated (f->window, FALSE);
  gtk_window_set_default_size (f->window, 320, 240);
  f->display = HANGAR_DISPLAY (hangar_display_new ());
  hangar_display_set_scale_to_fit (f->display, FALSE);
  hangar_display_set_session (f->display, HANGAR_CONSOLE_SESSION (f->session));
  gtk_window_set_child (f->window, GTK_WIDGET (f->display));
  gtk_window_present (f->window);

  fd = f->server->client_fd;
  f->server->client_fd = -1;
  g_assert_true (hangar_console_session_open_fd (HANGAR_CONSOLE_SESSION (f->session), fd, &error));
  WAIT_FOR (hangar_console_session_get_state (HANGAR_CONSOLE_SESSION (f->session)) ==
            HANGAR_CONSOLE_STATE_CONNECTED);
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (f->display)));
  f->xid = gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (f->window)));
}

static void
fixture_open (Fixture *f)
{
  const char *args[] = { "--size", "320x240", NULL };

  fixture_open_with (f, args);
}

static void
fixture_focus (Fixture *f)
{
  g_autofree char *focus = g_strdup_printf ("xdotool windowfocus --sync %lu", f->xid);

  /* No window manager: give the X focus ourselves, then the display takes the keyboard. */
  run (focus);
  WAIT_FOR (gtk_window_is_active (f->window));
  gtk_widget_grab_focus (GTK_WIDGET (f->display));
  WAIT_FOR (hangar_display_get_grabbed (f->display));
}

static void
fixture_close (Fixture *f)
{
  hangar_console_session_close (HANGAR_CONSOLE_SESSION (f->session));
  g_clear_pointer (&f->window, gtk_window_destroy);
  server_stop (g_steal_pointer (&f->server));
  g_assert_finalize_object (g_steal_pointer (&f->session));
}

/* Types @keys with xdotool and checks the QEMU key events that reach the server. */
static void
type_and_expect (Fixture            *f,
                 const char         *keys,
                 const char * const *expected)
{
  g_autofree char *command = g_strdup_printf ("xdotool key --delay 20 %s", keys);

  run (command);
  for (guint i = 0; expected[i] != NULL; i++)
    server_expect (f->server, expected[i]);
}

static void
test_us_layout (void)
{
  const char *expected[] = {
    "EXTKEY 1 0x61 0x1e", "EXTKEY 0 0x61 0x1e",             /* a */
    "EXTKEY 1 0x7a 0x2c", "EXTKEY 0 0x7a 0x2c",             /* z */
    "EXTKEY 1 0x79 0x15", "EXTKEY 0 0x79 0x15",             /* y */
    /* Shift+1: xdotool lets go of Shift first; 1 still goes up as "!", the keysym of its press. */
    "EXTKEY 1 0xffe1 0x2a", "EXTKEY 1 0x21 0x2", "EXTKEY 0 0xffe1 0x2a", "EXTKEY 0 0x21 0x2",
    "EXTKEY 1 0xff52 0xc8", "EXTKEY 0 0xff52 0xc8",         /* Up */
    "EXTKEY 1 0xff8d 0x9c", "EXTKEY 0 0xff8d 0x9c",         /* KP_Enter */
    "EXTKEY 1 0xffbe 0x3b", "EXTKEY 0 0xffbe 0x3b",         /* F1 */
    "EXTKEY 1 0xffc8 0x57", "EXTKEY 0 0xffc8 0x57",         /* F11: the guest's, not fullscreen */
    NULL,
  };
  Fixture f = { 0 };

  run ("setxkbmap us");
  fixture_open (&f);
  fixture_focus (&f);
  type_and_expect (&f, "a z y shift+1 Up KP_Enter F1 F11", expected);
  fixture_close (&f);
}

static void
test_german_layout (void)
{
  /* xdotool presses the key that gives the symbol in the current layout; the guest must get
   * that physical key: z is where US has Y, and so on. */
  const char *expected[] = {
    "EXTKEY 1 0x7a 0x15", "EXTKEY 0 0x7a 0x15",             /* z: the US Y key */
    "EXTKEY 1 0x79 0x2c", "EXTKEY 0 0x79 0x2c",             /* y: the US Z key */
    "EXTKEY 1 0xdf 0xc", "EXTKEY 0 0xdf 0xc",               /* ß: the US minus key */
    "EXTKEY 1 0x3c 0x56", "EXTKEY 0 0x3c 0x56",             /* <: the ISO 102nd key */
    "EXTKEY 1 0x23 0x2b", "EXTKEY 0 0x23 0x2b",             /* #: the US backslash key */
    "EXTKEY 1 0x2b 0x1b", "EXTKEY 0 0x2b 0x1b",             /* +: the US ] key */
    "EXTKEY 1 0xf6 0x27", "EXTKEY 0 0xf6 0x27",             /* ö: the US semicolon key */
    NULL,
  };
  Fixture f = { 0 };

  run ("setxkbmap de");
  fixture_open (&f);
  fixture_focus (&f);
  type_and_expect (&f, "z y ssharp less numbersign plus odiaeresis", expected);
  fixture_close (&f);
  run ("setxkbmap us");
}

static guint accel_activations;

static void
accel_activated_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       data)
{
  accel_activations++;
}

static void
test_accels_and_release (void)
{
  static const char *accels[] = { "<Control>q", NULL };
  g_autoptr(GtkApplication) app = gtk_application_new ("io.github.hangarvm.HangarXinputTest",
                                                       G_APPLICATION_NON_UNIQUE);
  g_autoptr(GSimpleAction) action = g_simple_action_new ("test-accel", NULL);
  g_autoptr(GError) error = NULL;
  const char *grabbed_keys[] = {
    "EXTKEY 1 0xffe3 0x1d", "EXTKEY 1 0x71 0x10", "EXTKEY 0 0xffe3 0x1d", "EXTKEY 0 0x71 0x10", NULL,
  };
  Fixture f = { 0 };

  run ("setxkbmap us");
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_signal_connect (action, "activate", G_CALLBACK (accel_activated_cb), NULL);
  g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (action));
  gtk_application_set_accels_for_action (app, "app.test-accel", accels);

  fixture_open (&f);
  gtk_window_set_application (f.window, app);
  fixture_focus (&f);

  /* Grabbed: Ctrl+Q is the guest's, the application never sees it. */
  accel_activations = 0;
  type_and_expect (&f, "ctrl+q", grabbed_keys);
  g_assert_cmpuint (accel_activations, ==, 0);

  /* Ctrl+Alt gives the keyboard back; now Ctrl+Q is the application's again. */
  run ("xdotool key ctrl+alt");
  WAIT_FOR (!hangar_display_get_grabbed (f.display));
  server_expect (f.server, "EXTKEY 1 0xffe3 0x1d");
  server_expect (f.server, "EXTKEY 0 0xffe3 0x1d");
  run ("xdotool key ctrl+q");
  WAIT_FOR (accel_activations == 1);

  /* Return takes the keyboard again; nothing typed in between reached the guest. */
  run ("xdotool key Return");
  WAIT_FOR (hangar_display_get_grabbed (f.display));
  run ("xdotool key b");
  {
    g_autofree char *line = server_next (f.server, "EXTKEY");

    g_assert_cmpstr (line, ==, "EXTKEY 1 0x62 0x30");
  }

  gtk_window_set_application (f.window, NULL);
  fixture_close (&f);
}

/* Skips the motion events that lead up to a click. */
static void
expect_after_motion (Fixture    *f,
                     const char *expected)
{
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *line = server_next (f->server, "POINTER");

      if (g_strcmp0 (line, expected) == 0)
        return;
      g_assert_true (g_str_has_prefix (line, "POINTER 0 "));
    }
  g_error ("never got %s", expected);
}

static void
test_click_and_pointer (void)
{
  Fixture f = { 0 };
  g_autofree char *move = NULL;
  double scale, ox, oy;

  fixture_open (&f);
  run ("xdotool mousemove 1000 700");
  WAIT_FOR (gtk_widget_get_width (GTK_WIDGET (f.display)) > 0);
  hangar_display_get_view (f.display, &scale, &ox, &oy);

  /* A real click at window pixel (ox + 50, oy + 60): the guest gets (50, 60) and the console
   * takes the keyboard. */
  move = g_strdup_printf ("xdotool windowfocus --sync %lu mousemove --window %lu %d %d click 1",
                          f.xid, f.xid, (int) ox + 50, (int) oy + 60);
  run (move);
  expect_after_motion (&f, "POINTER 1 50 60");
  server_expect (f.server, "POINTER 0 50 60");
  WAIT_FOR (hangar_display_get_grabbed (f.display));

  run ("xdotool click 3");
  server_expect (f.server, "POINTER 4 50 60");
  server_expect (f.server, "POINTER 0 50 60");
  run ("xdotool click 4");
  server_expect (f.server, "POINTER 8 50 60");
  server_expect (f.server, "POINTER 0 50 60");

  fixture_close (&f);
}

static void
test_lock_keys (void)
{
  /* The server plays a guest with QEMU's LED state, all locks off. */
  const char *args[] = { "--size", "320x240", "--leds", "0", NULL };
  Fixture f = { 0 };

  fixture_open_with (&f, args);
  server_expect (f.server, "LEDS 0");
  fixture_focus (&f);

  /* Caps Lock goes on in the X server while the console has let go of the keyboard (Ctrl+Alt):
   * the key stays in the application; GDK's keyboard device sees the lock. */
  hangar_display_release_grab (f.display);
  run ("xdotool key Caps_Lock");
  WAIT_FOR (_hangar_display_get_client_locks (f.display) == HANGAR_LOCK_CAPS);

  /* Taking the keyboard again turns the guest's Caps Lock on: one press and release. */
  _hangar_display_set_grabbed (f.display, TRUE);
  {
    g_autofree char *line = server_next (f.server, "EXTKEY");

    g_assert_cmpstr (line, ==, "EXTKEY 1 0xffe5 0x3a");
  }
  server_expect (f.server, "LEDS 4");
  server_expect (f.server, "EXTKEY 0 0xffe5 0x3a");

  /* Caps Lock pressed while the guest has the keyboard: it reaches the guest once, both sides
   * go off together and nothing is sent to "fix" it; then a plain a. */
  run ("xdotool key --delay 20 Caps_Lock a");
  server_expect (f.server, "EXTKEY 1 0xffe5 0x3a");
  server_expect (f.server, "LEDS 0");
  server_expect (f.server, "EXTKEY 0 0xffe5 0x3a");
  server_expect (f.server, "EXTKEY 1 0x61 0x1e");
  server_expect (f.server, "EXTKEY 0 0x61 0x1e");
  WAIT_FOR (_hangar_display_get_client_locks (f.display) == 0);

  fixture_close (&f);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (!hangar_test_start_xvfb ())
    {
      g_print ("1..0 # SKIP no Xvfb\n");
      return 0;
    }

  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/display/xinput/us-layout", test_us_layout);
  g_test_add_func ("/display/xinput/german-layout", test_german_layout);
  g_test_add_func ("/display/xinput/accels-and-release", test_accels_and_release);
  g_test_add_func ("/display/xinput/click-and-pointer", test_click_and_pointer);
  g_test_add_func ("/display/xinput/lock-keys", test_lock_keys);

  ret = g_test_run ();
  hangar_test_stop_xvfb ();
  return ret;
}
