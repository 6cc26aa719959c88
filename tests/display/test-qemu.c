/* test-qemu.c: HangarDisplay on QEMU's own VNC server, with a boot-sector guest that echoes
 * the scancodes it receives on its serial port.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * QEMU (TCG) serves VNC on a UNIX socket, as libvirt's virDomainOpenGraphicsFD would hand us;
 * we connect through an fd. Keys are typed with xdotool into a private Xvfb, with the US and
 * the German client layout: the guest must see exactly the physical keys pressed (scancode
 * set 1, as the guest's keyboard controller reports them). The picture is compared pixel by
 * pixel with QEMU's own screendump.
 */

#include "config.h"

#include <gdk/x11/gdkx.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "hangar-display-private.h"
#include "hangar-qemu-test-utils.h"
#include "hangar-test-server.h"
#include "hangar-spice-session.h"
#include "hangar-vnc-session.h"

typedef struct
{
  char             *dir;
  GSubprocess      *qemu;
  gboolean          spice;
  /* SPICE on a UNIX socket, every channel on its own fd (the virDomainOpenGraphicsFD way). */
  gboolean          spice_fds;
  guint             n_fd_requests;
  HangarConsoleSession *session;
  GtkWindow        *window;
  HangarDisplay    *display;
  gulong            xid;
} Fixture;

/* A TCP port nobody listens on right now (SPICE in QEMU listens on TCP or a path). */
static guint
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
count_fd_request_cb (HangarSpiceSession *session,
                     guint               request,
                     Fixture            *f)
{
  f->n_fd_requests++;
}

static void
fixture_open (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *vnc = NULL;
  g_autofree char *qmp = NULL;
  g_autofree char *image = g_test_build_filename (G_TEST_DIST, "display", "data", "echo-boot.img", NULL);
  g_autofree char *vnc_arg = NULL;
  g_autofree char *serial_arg = NULL;
  g_autofree char *qmp_arg = NULL;
  g_autofree char *drive_arg = NULL;
  g_autoptr(GSubprocessLauncher) launcher = hangar_qemu_test_launcher ();
  guint port = 0;
  int fd = -1;

  f->dir = g_dir_make_tmp ("hangar-test-qemu-XXXXXX", &error);
  g_assert_no_error (error);
  serial = g_build_filename (f->dir, "serial.log", NULL);
  vnc = g_build_filename (f->dir, "vnc.sock", NULL);
  qmp = g_build_filename (f->dir, "qmp.sock", NULL);
  vnc_arg = g_strdup_printf ("unix:%s", vnc);
  serial_arg = g_strdup_printf ("file:%s", serial);
  qmp_arg = g_strdup_printf ("unix:%s,server=on,wait=off", qmp);
  drive_arg = g_strdup_printf ("file=%s,format=raw,if=floppy,readonly=on", image);

  if (f->spice)
    {
      g_autofree char *spice_arg = NULL;
      g_autofree char *spice_sock = g_build_filename (f->dir, "spice.sock", NULL);

      port = free_port ();
      if (f->spice_fds)
        spice_arg = g_strdup_printf ("unix=on,addr=%s,disable-ticketing=on", spice_sock);
      else
        spice_arg = g_strdup_printf ("port=%u,addr=127.0.0.1,disable-ticketing=on", port);
      f->qemu = g_subprocess_launcher_spawn (launcher, &error,
                                  "qemu-system-x86_64", "-machine", "pc,accel=tcg", "-m", "32",
                                  "-nodefaults", "-vga", "qxl", "-display", "none",
                                  "-spice", spice_arg, "-serial", serial_arg, "-qmp", qmp_arg,
                                  "-drive", drive_arg, NULL);
      g_assert_no_error (error);
      WAIT_FOR (hangar_qemu_test_serial_has (f->dir, "READY"));
      f->session = HANGAR_CONSOLE_SESSION (hangar_spice_session_new ());
      if (f->spice_fds)
        {
          g_signal_connect (f->session, "channel-fd-needed", G_CALLBACK (count_fd_request_cb), f);
          hangar_qemu_test_serve_channel_fds (f->session, spice_sock);
          fd = hangar_qemu_test_connect_unix (spice_sock);
        }
    }
  else
    {
      f->qemu = g_subprocess_launcher_spawn (launcher, &error,
                                  "qemu-system-x86_64", "-machine", "pc,accel=tcg", "-m", "16",
                                  "-nodefaults", "-vga", "std", "-display", "none",
                                  "-vnc", vnc_arg, "-serial", serial_arg, "-qmp", qmp_arg,
                                  "-drive", drive_arg, NULL);
      g_assert_no_error (error);
      WAIT_FOR (g_file_test (vnc, G_FILE_TEST_EXISTS) &&
                hangar_qemu_test_serial_has (f->dir, "READY"));

      /* A UNIX socket fd, as virDomainOpenGraphicsFD hands it over. */
      fd = hangar_qemu_test_connect_unix (vnc);
      f->session = HANGAR_CONSOLE_SESSION (hangar_vnc_session_new ());
    }
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_decorated (f->window, FALSE);
  gtk_window_set_default_size (f->window, 720, 400);
  f->display = HANGAR_DISPLAY (hangar_display_new ());
  hangar_display_set_scale_to_fit (f->display, FALSE);
  hangar_display_set_session (f->display, f->session);
  gtk_window_set_child (f->window, GTK_WIDGET (f->display));
  gtk_window_present (f->window);

  if (f->spice && !f->spice_fds)
    g_assert_true (hangar_console_session_open_host (f->session, "127.0.0.1", port, &error));
  else
    g_assert_true (hangar_console_session_open_fd (f->session, fd, &error));
  g_assert_no_error (error);
  WAIT_FOR (hangar_console_session_get_state (f->session) == HANGAR_CONSOLE_STATE_CONNECTED ||
            hangar_console_session_get_state (f->session) == HANGAR_CONSOLE_STATE_DISCONNECTED);
  g_assert_cmpint (hangar_console_session_get_state (f->session), ==, HANGAR_CONSOLE_STATE_CONNECTED);
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (f->display)));
  f->xid = gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (f->window)));
}

static void
fixture_close (Fixture *f)
{
  hangar_console_session_close (f->session);
  g_clear_pointer (&f->window, gtk_window_destroy);
  hangar_qemu_test_kill (&f->qemu);
  g_assert_finalize_object (g_steal_pointer (&f->session));

  hangar_qemu_test_remove_dir (f->dir);
  g_clear_pointer (&f->dir, g_free);
}

/* Asks QEMU for a screendump (PPM) over QMP; returns its pixels as 0xRRGGBB. */
static guint32 *
screendump (Fixture *f,
            int     *width,
            int     *height)
{
  g_autofree char *qmp = g_build_filename (f->dir, "qmp.sock", NULL);
  g_autofree char *ppm = g_build_filename (f->dir, "screen.ppm", NULL);
  g_autofree char *command = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (qmp);
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *out;
  gsize length;
  guint32 *pixels;
  const guint8 *p;
  int maxval, offset = 0;

  g_unlink (ppm);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  command = g_strdup_printf ("{\"execute\":\"qmp_capabilities\"}\n"
                             "{\"execute\":\"screendump\",\"arguments\":{\"filename\":\"%s\"}}\n", ppm);
  g_output_stream_write_all (out, command, strlen (command), NULL, NULL, &error);
  g_assert_no_error (error);
  /* Greeting, capabilities answer, screendump answer; QMP may put events (a guest reset, a
   * display change) between them at any time, and an event is not the answer. */
  for (guint i = 0; i < 3;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (strstr (line, "\"event\"") != NULL)
        continue;
      g_assert_null (strstr (line, "\"error\""));
      i++;
    }

  g_assert_true (g_file_get_contents (ppm, &contents, &length, &error));
  g_assert_cmpint (sscanf (contents, "P6 %d %d %d%n", width, height, &maxval, &offset), ==, 3);
  g_assert_cmpint (maxval, ==, 255);
  p = (const guint8 *) contents + offset + 1;
  g_assert_cmpuint (length - (offset + 1), ==, (gsize) *width * *height * 3);
  pixels = g_new (guint32, (gsize) *width * *height);
  for (int i = 0; i < *width * *height; i++, p += 3)
    pixels[i] = (p[0] << 16) | (p[1] << 8) | p[2];
  return pixels;
}

static gboolean
framebuffer_equals_screendump (Fixture *f)
{
  HangarFramebuffer *fb = hangar_console_session_get_framebuffer (f->session);
  g_autofree guint32 *pixels = NULL;
  int width, height;
  guint mismatches = 0;

  /* Let pending updates arrive, then compare with what QEMU shows now. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  pixels = screendump (f, &width, &height);
  for (guint i = 0; i < 20; i++)
    {
      g_usleep (10000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }

  if (fb == NULL || hangar_framebuffer_get_width (fb) != width || hangar_framebuffer_get_height (fb) != height)
    return FALSE;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *q = hangar_framebuffer_get_data (fb) + y * hangar_framebuffer_get_stride (fb) + x * 4;

        if ((guint32) ((q[2] << 16) | (q[1] << 8) | q[0]) != pixels[y * width + x])
          mismatches++;
      }
  g_test_message ("%dx%d: %u pixels differ", width, height, mismatches);
  return mismatches == 0;
}

static void
assert_same_picture (Fixture *f)
{
  gboolean same = FALSE;

  /* The text cursor blinks: a few tries find a moment when both pictures agree. */
  for (guint attempt = 0; attempt < 15 && !same; attempt++)
    same = framebuffer_equals_screendump (f);
  g_assert_true (same);
}

static void
test_picture (gconstpointer data)
{
  Fixture f = { .spice = GPOINTER_TO_INT (data) };

  fixture_open (&f);
  assert_same_picture (&f);
  fixture_close (&f);
}

static gsize
serial_length (Fixture *f)
{
  g_autofree char *contents = hangar_qemu_test_read_serial (f->dir);

  return strlen (contents);
}

static void expect_since (Fixture    *f,
                          gsize       before,
                          const char *expected);

/* Types with xdotool and checks that the guest reports exactly @expected (its scancodes, one
 * per line) and nothing else. */
static void
type_and_expect (Fixture    *f,
                 const char *keys,
                 const char *expected)
{
  gsize before = serial_length (f);
  g_autofree char *command = g_strdup_printf ("xdotool key --delay 30 %s", keys);

  hangar_test_run (command);
  expect_since (f, before, expected);
}

/* Checks that the guest reported exactly @expected since its serial log was @before long. */
static void
expect_since (Fixture    *f,
              gsize       before,
              const char *expected)
{
  g_autofree char *contents = NULL;

  {
    gint64 deadline = g_get_monotonic_time () + TIMEOUT_SECONDS * G_USEC_PER_SEC;

    /* On timeout the comparison below shows what did arrive. */
    while (serial_length (f) < before + strlen (expected) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
  }
  /* Anything more would come right after; give it a moment. */
  for (guint i = 0; i < 20; i++)
    {
      g_usleep (10000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  contents = hangar_qemu_test_read_serial (f->dir);
  g_assert_cmpstr (contents + before, ==, expected);
}

static void
focus (Fixture *f)
{
  g_autofree char *command = g_strdup_printf ("xdotool windowfocus --sync %lu", f->xid);

  hangar_test_run (command);
  WAIT_FOR (gtk_window_is_active (f->window));
  gtk_widget_grab_focus (GTK_WIDGET (f->display));
  WAIT_FOR (hangar_display_get_grabbed (f->display));
}

static void
test_keys_us (gconstpointer data)
{
  Fixture f = { .spice = GPOINTER_TO_INT (data) != 0, .spice_fds = GPOINTER_TO_INT (data) == 2 };

  hangar_test_run ("setxkbmap us");
  fixture_open (&f);
  focus (&f);
  /* a; z; Shift+1 (xdotool releases Shift first); Up and keypad Enter (E0 prefix); F12. */
  if (f.spice_fds)
    {
      /* Display, inputs and cursor each asked for a socket of their own. */
      g_assert_cmpuint (f.n_fd_requests, >=, 3);
      assert_same_picture (&f);
    }
  /* One key at a time: the guest's PS/2 queue holds 16 bytes, and a slow TCG guest under a
   * loaded test run could otherwise lose the tail of a burst (QEMU drops when it is full). */
  type_and_expect (&f, "a", "1e\n9e\n");
  type_and_expect (&f, "z", "2c\nac\n");
  type_and_expect (&f, "shift+1", "2a\n02\naa\n82\n");
  type_and_expect (&f, "Up", "e0\n48\ne0\nc8\n");
  type_and_expect (&f, "KP_Enter", "e0\n1c\ne0\n9c\n");
  type_and_expect (&f, "F12", "58\nd8\n");
  fixture_close (&f);
}

static void
test_keys_german (gconstpointer data)
{
  Fixture f = { .spice = GPOINTER_TO_INT (data) };

  hangar_test_run ("setxkbmap de");
  fixture_open (&f);
  focus (&f);
  /* On a German keyboard z and y swap places, ß sits on the US minus key and < on the ISO
   * key: the guest gets those physical keys. */
  type_and_expect (&f, "z", "15\n95\n");
  type_and_expect (&f, "y", "2c\nac\n");
  type_and_expect (&f, "ssharp", "0c\n8c\n");
  type_and_expect (&f, "less", "56\nd6\n");
  type_and_expect (&f, "odiaeresis", "27\na7\n");
  /* @ is AltGr+Q: xdotool presses ISO_Level3_Shift on XKB's virtual <LVL3> key (X keycode 92),
   * which must reach the guest as Right Alt (E0 38), not SysRq (E0 2A E0 37). */
  type_and_expect (&f, "at", "e0\n38\n10\ne0\nb8\n90\n");
  fixture_close (&f);
  hangar_test_run ("setxkbmap us");
}

static void
test_lock_keys (gconstpointer data)
{
  Fixture f = { .spice = GPOINTER_TO_INT (data) };
  gsize before;

  hangar_test_run ("setxkbmap us");
  fixture_open (&f);
  /* The client has Caps Lock on, the guest (QEMU's keyboard LEDs) not: taking the keyboard
   * presses and releases Caps Lock in the guest, once (VNC: our key events after QEMU's LED
   * state; SPICE: the server's, after spice_inputs_channel_set_key_locks). */
  focus (&f);
  hangar_display_release_grab (f.display);
  _hangar_display_set_client_locks (f.display, HANGAR_LOCK_CAPS);
  before = serial_length (&f);
  _hangar_display_set_grabbed (f.display, TRUE);
  expect_since (&f, before, "3a\nba\n");
  type_and_expect (&f, "a", "1e\n9e\n");
  fixture_close (&f);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (!hangar_qemu_test_init (&argc, &argv, "xdotool"))
    return 0;

  g_test_add_data_func ("/display/qemu/vnc-picture", GINT_TO_POINTER (FALSE), test_picture);
  g_test_add_data_func ("/display/qemu/vnc-keys-us", GINT_TO_POINTER (FALSE), test_keys_us);
  g_test_add_data_func ("/display/qemu/vnc-keys-german", GINT_TO_POINTER (FALSE), test_keys_german);
  g_test_add_data_func ("/display/qemu/spice-picture", GINT_TO_POINTER (TRUE), test_picture);
  g_test_add_data_func ("/display/qemu/spice-keys-us", GINT_TO_POINTER (TRUE), test_keys_us);
  g_test_add_data_func ("/display/qemu/spice-keys-german", GINT_TO_POINTER (TRUE), test_keys_german);
  g_test_add_data_func ("/display/qemu/spice-fds", GINT_TO_POINTER (2), test_keys_us);
  g_test_add_data_func ("/display/qemu/vnc-lock-keys", GINT_TO_POINTER (FALSE), test_lock_keys);
  g_test_add_data_func ("/display/qemu/spice-lock-keys", GINT_TO_POINTER (TRUE), test_lock_keys);

  ret = g_test_run ();
  hangar_test_stop_xvfb ();
  return ret;
}
