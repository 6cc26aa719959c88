/* test-vnc.c: HangarDisplay + HangarVncSession against hangar-test-vnc-server.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gtk/gtk.h>
#include <linux/input-event-codes.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hangar-display-error.h"
#include "hangar-display-private.h"
#include "hangar-test-pattern.h"
#include "hangar-test-server.h"
#include "hangar-vnc-session.h"

#define KC(linux_code) ((linux_code) + 8)

typedef struct
{
  TestServer       *server;
  HangarVncSession *session;
  GtkWindow        *window;
  HangarDisplay    *display;
  char             *password;
  guint             n_credentials;
} Fixture;

static void
credentials_cb (HangarConsoleSession *session,
                gboolean              need_username,
                gboolean              need_password,
                Fixture              *f)
{
  g_assert_false (need_username);
  g_assert_true (need_password);
  f->n_credentials++;
  hangar_console_session_set_credentials (session, NULL, f->password);
}

static HangarConsoleState
state_of (Fixture *f)
{
  return hangar_console_session_get_state (HANGAR_CONSOLE_SESSION (f->session));
}

/* Starts a server with @args and connects a session and a display in a window to it. */
static void
fixture_open (Fixture            *f,
              const char * const *args,
              const char         *password,
              int                 window_width,
              int                 window_height)
{
  g_autoptr(GError) error = NULL;
  int fd;

  f->server = server_start (args);
  f->session = hangar_vnc_session_new ();
  f->password = g_strdup (password);
  g_signal_connect (f->session, "credentials-needed", G_CALLBACK (credentials_cb), f);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_decorated (f->window, FALSE);
  gtk_window_set_default_size (f->window, window_width, window_height);
  f->display = HANGAR_DISPLAY (hangar_display_new ());
  hangar_display_set_session (f->display, HANGAR_CONSOLE_SESSION (f->session));
  gtk_window_set_child (f->window, GTK_WIDGET (f->display));
  gtk_window_present (f->window);

  fd = f->server->client_fd;
  f->server->client_fd = -1;
  g_assert_true (hangar_console_session_open_fd (HANGAR_CONSOLE_SESSION (f->session), fd, &error));
  g_assert_no_error (error);
}

static void
fixture_close (Fixture *f)
{
  if (f->session != NULL)
    hangar_console_session_close (HANGAR_CONSOLE_SESSION (f->session));
  g_clear_pointer (&f->window, gtk_window_destroy);
  server_stop (g_steal_pointer (&f->server));
  if (f->session != NULL)
    g_assert_finalize_object (g_steal_pointer (&f->session));
  g_clear_pointer (&f->password, g_free);
}

static gboolean
framebuffer_shows (Fixture *f,
                   guint    width,
                   guint    height,
                   int      pattern)
{
  HangarFramebuffer *fb = hangar_console_session_get_framebuffer (HANGAR_CONSOLE_SESSION (f->session));
  const guint8 *data;
  gsize stride;

  if (fb == NULL || hangar_framebuffer_get_width (fb) != width || hangar_framebuffer_get_height (fb) != height)
    return FALSE;

  data = hangar_framebuffer_get_data (fb);
  stride = hangar_framebuffer_get_stride (fb);
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        const guint8 *p = data + y * stride + x * 4;

        if ((guint32) ((p[2] << 16) | (p[1] << 8) | p[0]) != hangar_test_pattern_pixel (pattern, x, y))
          return FALSE;
      }
  return TRUE;
}

/* Renders the display widget the way GTK draws it (snapshot → window renderer → texture) and
 * checks every guest pixel. @rect_rgb >= 0: a rectangle of that colour over the pattern. */
static void
assert_rendered (Fixture *f,
                 guint    width,
                 guint    height,
                 int      pattern,
                 const GdkRectangle *rect,
                 guint32  rect_rgb)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guint8 *pixels = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (f->window));
  int ww = gtk_widget_get_width (GTK_WIDGET (f->display));
  int wh = gtk_widget_get_height (GTK_WIDGET (f->display));
  double scale, ox, oy;

  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (f->display)));
  /* gvnc writes a rectangle's pixels before it emits its update (from an idle), so the pixels
   * can be there before the damage: let pending emissions run. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
  hangar_display_get_view (f->display, &scale, &ox, &oy);
  g_assert_cmpfloat (scale, ==, 1.0);
  g_assert_cmpint (ww, >=, width);
  if (g_strcmp0 (g_getenv ("GSK_RENDERER"), "cairo") == 0)
    g_assert_true (GSK_IS_CAIRO_RENDERER (renderer));
  g_test_message ("rendering with %s", G_OBJECT_TYPE_NAME (renderer));
  g_assert_cmpint (wh, >=, height);

  /* What GTK calls to draw the widget (a GtkWidgetPaintable only shows what was drawn last). */
  GTK_WIDGET_GET_CLASS (f->display)->snapshot (GTK_WIDGET (f->display), snapshot);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, ww, wh));
  pixels = g_malloc ((gsize) ww * wh * 4);
  gdk_texture_download (texture, pixels, ww * 4);

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        const guint8 *p = pixels + ((gsize) (y + (int) oy) * ww + (x + (int) ox)) * 4;
        guint32 got = (p[2] << 16) | (p[1] << 8) | p[0];
        guint32 want = hangar_test_pattern_pixel (pattern, x, y);

        if (rect != NULL && x >= rect->x && y >= rect->y &&
            x < rect->x + rect->width && y < rect->y + rect->height)
          want = rect_rgb;
        if (got != want)
          g_error ("rendered pixel (%u, %u): got %06x, want %06x (renderer %s)",
                   x, y, got, want, G_OBJECT_TYPE_NAME (renderer));
      }
}

static void
wait_connected (Fixture *f)
{
  WAIT_FOR (state_of (f) == HANGAR_CONSOLE_STATE_CONNECTED ||
            state_of (f) == HANGAR_CONSOLE_STATE_DISCONNECTED);
  g_assert_cmpint (state_of (f), ==, HANGAR_CONSOLE_STATE_CONNECTED);
  g_assert_null (hangar_console_session_get_error (HANGAR_CONSOLE_SESSION (f->session)));
}

static void
test_render (void)
{
  const char *args[] = { "--size", "600x400", "--pattern", "0", NULL };
  HangarFramebufferNodes kinds[] = { HANGAR_FRAMEBUFFER_NODES_CAIRO, HANGAR_FRAMEBUFFER_NODES_TEXTURE,
                                     HANGAR_FRAMEBUFFER_NODES_AUTO };
  Fixture f = { 0 };

  fixture_open (&f, args, NULL, 700, 500);
  hangar_display_set_scale_to_fit (f.display, FALSE);
  wait_connected (&f);
  WAIT_FOR (framebuffer_shows (&f, 600, 400, 0));
  WAIT_FOR (gtk_widget_get_width (GTK_WIDGET (f.display)) >= 600);

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      hangar_display_set_nodes (f.display, kinds[k]);
      assert_rendered (&f, 600, 400, 0, NULL, 0);
    }

  /* The guest changes its whole picture. */
  server_command (f.server, "pattern 1");
  WAIT_FOR (framebuffer_shows (&f, 600, 400, 1));
  assert_rendered (&f, 600, 400, 1, NULL, 0);

  fixture_close (&f);
}

static void
test_small_update (void)
{
  const char *args[] = { "--size", "640x480", "--pattern", "2", NULL };
  GdkRectangle rect = { 300, 10, 20, 12 };
  HangarFramebuffer *fb;
  guint64 built, patches;
  Fixture f = { 0 };

  fixture_open (&f, args, NULL, 700, 520);
  hangar_display_set_scale_to_fit (f.display, FALSE);
  hangar_display_set_nodes (f.display, HANGAR_FRAMEBUFFER_NODES_CAIRO);
  wait_connected (&f);
  WAIT_FOR (framebuffer_shows (&f, 640, 480, 2));
  WAIT_FOR (gtk_widget_get_width (GTK_WIDGET (f.display)) >= 640);
  assert_rendered (&f, 640, 480, 2, NULL, 0);

  fb = hangar_console_session_get_framebuffer (HANGAR_CONSOLE_SESSION (f.session));
  built = hangar_framebuffer_get_tiles_built (fb);
  patches = hangar_framebuffer_get_patches_built (fb);
  server_command (f.server, "rect 300 10 20 12 123456");
  WAIT_FOR (hangar_framebuffer_get_n_dirty (fb) > 0);
  /* The update lies inside one tile: no tile's node is rebuilt, the tile gets one patch. */
  g_assert_cmpuint (hangar_framebuffer_get_n_dirty (fb), ==, 1);
  assert_rendered (&f, 640, 480, 2, &rect, 0x123456);
  g_assert_cmpuint (hangar_framebuffer_get_tiles_built (fb) - built, ==, 0);
  g_assert_cmpuint (hangar_framebuffer_get_patches_built (fb) - patches, ==, 1);

  fixture_close (&f);
}

static void
test_resize (void)
{
  const char *args[] = { "--size", "600x400", "--pattern", "0", NULL };
  Fixture f = { 0 };

  fixture_open (&f, args, NULL, 800, 800);
  hangar_display_set_scale_to_fit (f.display, FALSE);
  wait_connected (&f);
  WAIT_FOR (framebuffer_shows (&f, 600, 400, 0));

  server_command (f.server, "resize 300 700 2");
  WAIT_FOR (framebuffer_shows (&f, 300, 700, 2));
  WAIT_FOR (gtk_widget_get_height (GTK_WIDGET (f.display)) >= 700);
  assert_rendered (&f, 300, 700, 2, NULL, 0);

  server_command (f.server, "resize 513 257 1");
  WAIT_FOR (framebuffer_shows (&f, 513, 257, 1));
  assert_rendered (&f, 513, 257, 1, NULL, 0);
  g_assert_cmpint (state_of (&f), ==, HANGAR_CONSOLE_STATE_CONNECTED);

  fixture_close (&f);
}

typedef struct
{
  guint       keycode;
  guint       keyval;
  const char *expected_down;
  const char *expected_up;
} KeyCase;

static void
press_and_release (Fixture       *f,
                   const KeyCase *key)
{
  g_assert_true (_hangar_display_key_event (f->display, TRUE, key->keyval, key->keycode, 0));
  server_expect (f->server, key->expected_down);
  g_assert_true (_hangar_display_key_event (f->display, FALSE, key->keyval, key->keycode, 0));
  server_expect (f->server, key->expected_up);
}

static void
open_grabbed (Fixture            *f,
              const char * const *args)
{
  fixture_open (f, args, NULL, 400, 300);
  wait_connected (f);
  WAIT_FOR (framebuffer_shows (f, 320, 240, 0));
  _hangar_display_set_grabbed (f->display, TRUE);
  g_assert_true (hangar_display_get_grabbed (f->display));
}

static void
test_keys (void)
{
  /* Keyvals as a German layout would give them; the numbers must be the physical keys'. */
  static const KeyCase keys[] = {
    { KC (KEY_A), GDK_KEY_a, "EXTKEY 1 0x61 0x1e", "EXTKEY 0 0x61 0x1e" },
    { KC (KEY_Z), GDK_KEY_y, "EXTKEY 1 0x79 0x2c", "EXTKEY 0 0x79 0x2c" },
    { KC (KEY_Y), GDK_KEY_z, "EXTKEY 1 0x7a 0x15", "EXTKEY 0 0x7a 0x15" },
    { KC (KEY_GRAVE), GDK_KEY_dead_circumflex, "EXTKEY 1 0xfe52 0x29", "EXTKEY 0 0xfe52 0x29" },
    { KC (KEY_102ND), GDK_KEY_less, "EXTKEY 1 0x3c 0x56", "EXTKEY 0 0x3c 0x56" },
    { KC (KEY_MINUS), GDK_KEY_ssharp, "EXTKEY 1 0xdf 0xc", "EXTKEY 0 0xdf 0xc" },
    { KC (KEY_LEFTSHIFT), GDK_KEY_Shift_L, "EXTKEY 1 0xffe1 0x2a", "EXTKEY 0 0xffe1 0x2a" },
    { KC (KEY_RIGHTCTRL), GDK_KEY_Control_R, "EXTKEY 1 0xffe4 0x9d", "EXTKEY 0 0xffe4 0x9d" },
    { KC (KEY_RIGHTALT), GDK_KEY_ISO_Level3_Shift, "EXTKEY 1 0xfe03 0xb8", "EXTKEY 0 0xfe03 0xb8" },
    { KC (KEY_LEFTMETA), GDK_KEY_Super_L, "EXTKEY 1 0xffeb 0xdb", "EXTKEY 0 0xffeb 0xdb" },
    { KC (KEY_UP), GDK_KEY_Up, "EXTKEY 1 0xff52 0xc8", "EXTKEY 0 0xff52 0xc8" },
    { KC (KEY_DELETE), GDK_KEY_Delete, "EXTKEY 1 0xffff 0xd3", "EXTKEY 0 0xffff 0xd3" },
    { KC (KEY_KPENTER), GDK_KEY_KP_Enter, "EXTKEY 1 0xff8d 0x9c", "EXTKEY 0 0xff8d 0x9c" },
    { KC (KEY_KP7), GDK_KEY_KP_Home, "EXTKEY 1 0xff95 0x47", "EXTKEY 0 0xff95 0x47" },
    { KC (KEY_F1), GDK_KEY_F1, "EXTKEY 1 0xffbe 0x3b", "EXTKEY 0 0xffbe 0x3b" },
    { KC (KEY_F12), GDK_KEY_F12, "EXTKEY 1 0xffc9 0x58", "EXTKEY 0 0xffc9 0x58" },
    { KC (KEY_TAB), GDK_KEY_ISO_Left_Tab, "EXTKEY 1 0xff09 0xf", "EXTKEY 0 0xff09 0xf" },
  };
  const char *args[] = { "--size", "320x240", NULL };
  Fixture f = { 0 };

  open_grabbed (&f, args);
  g_assert_true (hangar_console_session_get_state (HANGAR_CONSOLE_SESSION (f.session)) ==
                 HANGAR_CONSOLE_STATE_CONNECTED);
  {
    gboolean ext;

    g_object_get (f.session, "has-ext-keys", &ext, NULL);
    g_assert_true (ext);
  }

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    press_and_release (&f, &keys[i]);

  /* Autorepeat (press, press, release) reaches the guest as press, release, press, release. */
  _hangar_display_key_event (f.display, TRUE, GDK_KEY_a, KC (KEY_A), 0);
  _hangar_display_key_event (f.display, TRUE, GDK_KEY_a, KC (KEY_A), 0);
  _hangar_display_key_event (f.display, FALSE, GDK_KEY_a, KC (KEY_A), 0);
  server_expect (f.server, "EXTKEY 1 0x61 0x1e");
  server_expect (f.server, "EXTKEY 0 0x61 0x1e");
  server_expect (f.server, "EXTKEY 1 0x61 0x1e");
  server_expect (f.server, "EXTKEY 0 0x61 0x1e");

  /* The release carries the keyval of the press, even if the layout changed it meanwhile. */
  _hangar_display_key_event (f.display, TRUE, GDK_KEY_q, KC (KEY_Q), 0);
  _hangar_display_key_event (f.display, FALSE, GDK_KEY_at, KC (KEY_Q), 0);
  server_expect (f.server, "EXTKEY 1 0x71 0x10");
  server_expect (f.server, "EXTKEY 0 0x71 0x10");

  fixture_close (&f);
}

static void
test_keys_without_ext_key_event (void)
{
  const char *args[] = { "--size", "320x240", "--no-ext-key", NULL };
  KeyCase a = { KC (KEY_A), GDK_KEY_a, "KEY 1 0x61", "KEY 0 0x61" };
  KeyCase tab = { KC (KEY_TAB), GDK_KEY_ISO_Left_Tab, "KEY 1 0xff09", "KEY 0 0xff09" };
  Fixture f = { 0 };
  gboolean ext = TRUE;

  open_grabbed (&f, args);
  g_object_get (f.session, "has-ext-keys", &ext, NULL);
  g_assert_false (ext);
  press_and_release (&f, &a);
  press_and_release (&f, &tab);

  fixture_close (&f);
}

static void
test_release_on_ungrab (void)
{
  const char *args[] = { "--size", "320x240", NULL };
  Fixture f = { 0 };

  open_grabbed (&f, args);

  /* Shift and a held, then the focus goes: both come up in the guest, last pressed first. */
  _hangar_display_key_event (f.display, TRUE, GDK_KEY_Shift_L, KC (KEY_LEFTSHIFT), 0);
  _hangar_display_key_event (f.display, TRUE, GDK_KEY_A, KC (KEY_A), GDK_SHIFT_MASK);
  server_expect (f.server, "EXTKEY 1 0xffe1 0x2a");
  server_expect (f.server, "EXTKEY 1 0x41 0x1e");
  hangar_display_release_grab (f.display);
  g_assert_false (hangar_display_get_grabbed (f.display));
  server_expect (f.server, "EXTKEY 0 0x41 0x1e");
  server_expect (f.server, "EXTKEY 0 0xffe1 0x2a");

  /* Not grabbed: keys are the application's. */
  g_assert_false (_hangar_display_key_event (f.display, TRUE, GDK_KEY_b, KC (KEY_B), 0));
  g_assert_false (_hangar_display_key_event (f.display, FALSE, GDK_KEY_b, KC (KEY_B), 0));

  /* Ctrl+Alt gives the keyboard back: Ctrl goes to the guest and is released, Alt does not. */
  _hangar_display_set_grabbed (f.display, TRUE);
  _hangar_display_key_event (f.display, TRUE, GDK_KEY_Control_L, KC (KEY_LEFTCTRL), 0);
  server_expect (f.server, "EXTKEY 1 0xffe3 0x1d");
  g_assert_true (_hangar_display_key_event (f.display, TRUE, GDK_KEY_Alt_L, KC (KEY_LEFTALT),
                                            GDK_CONTROL_MASK));
  g_assert_false (hangar_display_get_grabbed (f.display));
  server_expect (f.server, "EXTKEY 0 0xffe3 0x1d");

  /* Unmapping releases too. */
  _hangar_display_set_grabbed (f.display, TRUE);
  _hangar_display_key_event (f.display, TRUE, GDK_KEY_Alt_L, KC (KEY_LEFTALT), 0);
  server_expect (f.server, "EXTKEY 1 0xffe9 0x38");
  gtk_widget_set_visible (GTK_WIDGET (f.window), FALSE);
  server_expect (f.server, "EXTKEY 0 0xffe9 0x38");
  g_assert_false (hangar_display_get_grabbed (f.display));

  /* The next key goes out first: nothing else was sent while ungrabbed. */
  gtk_widget_set_visible (GTK_WIDGET (f.window), TRUE);
  _hangar_display_set_grabbed (f.display, TRUE);
  _hangar_display_key_event (f.display, TRUE, GDK_KEY_c, KC (KEY_C), 0);
  {
    g_autofree char *line = server_next (f.server, "EXTKEY");

    g_assert_cmpstr (line, ==, "EXTKEY 1 0x63 0x2e");
  }

  fixture_close (&f);
}

/* The next key event the server saw is a plain C: no lock key went out before it. */
static void
expect_no_lock_keys (Fixture *f)
{
  g_autofree char *line = NULL;

  _hangar_display_key_event (f->display, TRUE, GDK_KEY_c, KC (KEY_C), 0);
  _hangar_display_key_event (f->display, FALSE, GDK_KEY_c, KC (KEY_C), 0);
  line = server_next (f->server, "EXTKEY");
  g_assert_cmpstr (line, ==, "EXTKEY 1 0x63 0x2e");
  server_expect (f->server, "EXTKEY 0 0x63 0x2e");
}

static void
count_cb (gpointer  instance,
          guint    *count)
{
  (*count)++;
}

static void
test_lock_keys (void)
{
  guint reports = 0;
  /* The server plays a guest with QEMU's LED state: all locks off at first. */
  const char *args[] = { "--size", "320x240", "--leds", "0", NULL };
  Fixture f = { 0 };

  fixture_open (&f, args, NULL, 400, 300);
  g_signal_connect (f.session, "guest-locks-changed", G_CALLBACK (count_cb), &reports);
  /* The client has Caps Lock and Num Lock on. */
  _hangar_display_set_client_locks (f.display, HANGAR_LOCK_CAPS | HANGAR_LOCK_NUM);
  server_expect (f.server, "LEDS 0");
  wait_connected (&f);

  /* Taking the keyboard: the guest's locks follow the client's (a press and a release of each
   * lock key that differs), the guest reports its new LEDs, and nothing more is sent. */
  _hangar_display_set_grabbed (f.display, TRUE);
  server_expect (f.server, "EXTKEY 1 0xffe5 0x3a");
  server_expect (f.server, "LEDS 4");
  server_expect (f.server, "EXTKEY 0 0xffe5 0x3a");
  server_expect (f.server, "EXTKEY 1 0xff7f 0x45");
  server_expect (f.server, "LEDS 6");
  server_expect (f.server, "EXTKEY 0 0xff7f 0x45");
  expect_no_lock_keys (&f);

  /* The guest changes its LEDs by itself (Scroll Lock only, as after a reboot): it is put back. */
  server_command (f.server, "leds 1");
  server_expect (f.server, "EXTKEY 1 0xffe5 0x3a");
  server_expect (f.server, "LEDS 5");
  server_expect (f.server, "EXTKEY 0 0xffe5 0x3a");
  server_expect (f.server, "EXTKEY 1 0xff7f 0x45");
  server_expect (f.server, "LEDS 7");
  server_expect (f.server, "EXTKEY 0 0xff7f 0x45");
  server_expect (f.server, "EXTKEY 1 0xff14 0x46");
  server_expect (f.server, "LEDS 6");
  server_expect (f.server, "EXTKEY 0 0xff14 0x46");
  expect_no_lock_keys (&f);

  /* Without the keyboard, the guest's locks are its own business ... */
  hangar_display_release_grab (f.display);
  reports = 0;
  server_command (f.server, "leds 0");
  WAIT_FOR (reports > 0);
  /* ... until the console takes the keyboard again; the client meanwhile has Caps Lock only. */
  _hangar_display_set_client_locks (f.display, HANGAR_LOCK_CAPS);
  _hangar_display_set_grabbed (f.display, TRUE);
  {
    g_autofree char *line = server_next (f.server, "EXTKEY");

    g_assert_cmpstr (line, ==, "EXTKEY 1 0xffe5 0x3a");
  }
  server_expect (f.server, "LEDS 4");
  server_expect (f.server, "EXTKEY 0 0xffe5 0x3a");
  expect_no_lock_keys (&f);

  /* Same state on both sides: taking the keyboard sends nothing. */
  hangar_display_release_grab (f.display);
  _hangar_display_set_grabbed (f.display, TRUE);
  expect_no_lock_keys (&f);

  fixture_close (&f);
}

static void
test_lock_keys_unknown (void)
{
  /* A server without the LED state pseudo-encoding: the guest's locks are unknown, so none is
   * toggled blind. */
  const char *args[] = { "--size", "320x240", NULL };
  Fixture f = { 0 };

  fixture_open (&f, args, NULL, 400, 300);
  _hangar_display_set_client_locks (f.display,
                                    HANGAR_LOCK_CAPS | HANGAR_LOCK_NUM | HANGAR_LOCK_SCROLL);
  wait_connected (&f);
  _hangar_display_set_grabbed (f.display, TRUE);
  expect_no_lock_keys (&f);

  fixture_close (&f);
}

static void
test_send_keys (void)
{
  const char *args[] = { "--size", "320x240", NULL };
  static const guint ctrl_alt_del[] = { 0x1d, 0x38, 0xd3 };
  static const guint ctrl_alt_f2[] = { 0x1d, 0x38, 0x3c };
  Fixture f = { 0 };

  open_grabbed (&f, args);
  hangar_display_send_keys (f.display, ctrl_alt_del, G_N_ELEMENTS (ctrl_alt_del));
  server_expect (f.server, "EXTKEY 1 0xffe3 0x1d");
  server_expect (f.server, "EXTKEY 1 0xffe9 0x38");
  server_expect (f.server, "EXTKEY 1 0xffff 0xd3");
  server_expect (f.server, "EXTKEY 0 0xffff 0xd3");
  server_expect (f.server, "EXTKEY 0 0xffe9 0x38");
  server_expect (f.server, "EXTKEY 0 0xffe3 0x1d");
  hangar_display_send_keys (f.display, ctrl_alt_f2, G_N_ELEMENTS (ctrl_alt_f2));
  server_expect (f.server, "EXTKEY 1 0xffe3 0x1d");
  server_expect (f.server, "EXTKEY 1 0xffe9 0x38");
  server_expect (f.server, "EXTKEY 1 0xffbf 0x3c");
  server_expect (f.server, "EXTKEY 0 0xffbf 0x3c");

  fixture_close (&f);
}

static void
expect_pointer (Fixture *f,
                int      mask,
                int      x,
                int      y)
{
  g_autofree char *expected = g_strdup_printf ("POINTER %d %d %d", mask, x, y);

  server_expect (f->server, expected);
}

static void
test_pointer_1to1 (void)
{
  const char *args[] = { "--size", "320x240", NULL };
  double scale, ox, oy;
  Fixture f = { 0 };

  fixture_open (&f, args, NULL, 400, 300);
  hangar_display_set_scale_to_fit (f.display, FALSE);
  wait_connected (&f);
  WAIT_FOR (gtk_widget_get_width (GTK_WIDGET (f.display)) == 400);
  hangar_display_get_view (f.display, &scale, &ox, &oy);
  g_assert_cmpfloat (scale, ==, 1.0);
  g_assert_cmpfloat (ox, ==, 40.0);
  g_assert_cmpfloat (oy, ==, 30.0);

  _hangar_display_button_event (f.display, TRUE, GDK_BUTTON_PRIMARY, ox + 10.5, oy + 20.5);
  expect_pointer (&f, 1, 10, 20);
  /* A press grabs the keyboard. */
  g_assert_true (hangar_display_get_grabbed (f.display));
  _hangar_display_motion_event (f.display, ox + 319.9, oy + 0.0);
  expect_pointer (&f, 1, 319, 0);
  /* Outside the guest while dragging: clamped to its edge. */
  _hangar_display_motion_event (f.display, ox + 400, oy - 5);
  expect_pointer (&f, 1, 319, 0);
  _hangar_display_button_event (f.display, FALSE, GDK_BUTTON_PRIMARY, ox + 400, oy - 5);
  expect_pointer (&f, 0, 319, 0);
  _hangar_display_button_event (f.display, TRUE, GDK_BUTTON_MIDDLE, ox + 1, oy + 239.5);
  expect_pointer (&f, 2, 1, 239);
  _hangar_display_button_event (f.display, TRUE, GDK_BUTTON_SECONDARY, ox + 1, oy + 239.5);
  expect_pointer (&f, 6, 1, 239);
  _hangar_display_button_event (f.display, FALSE, GDK_BUTTON_MIDDLE, ox + 1, oy + 239.5);
  expect_pointer (&f, 4, 1, 239);
  _hangar_display_button_event (f.display, FALSE, GDK_BUTTON_SECONDARY, ox + 1, oy + 239.5);
  expect_pointer (&f, 0, 1, 239);

  /* Wheel steps: a press and release of buttons 4/5 (6/7 sideways). */
  _hangar_display_scroll_event (f.display, GDK_SCROLL_UP, ox + 5, oy + 6);
  expect_pointer (&f, 8, 5, 6);
  expect_pointer (&f, 0, 5, 6);
  _hangar_display_scroll_event (f.display, GDK_SCROLL_DOWN, ox + 5, oy + 6);
  expect_pointer (&f, 16, 5, 6);
  expect_pointer (&f, 0, 5, 6);
  _hangar_display_scroll_event (f.display, GDK_SCROLL_LEFT, ox + 5, oy + 6);
  expect_pointer (&f, 32, 5, 6);
  expect_pointer (&f, 0, 5, 6);
  _hangar_display_scroll_event (f.display, GDK_SCROLL_RIGHT, ox + 5, oy + 6);
  expect_pointer (&f, 64, 5, 6);
  expect_pointer (&f, 0, 5, 6);

  fixture_close (&f);
}

static void
check_scaled_mapping (Fixture *f,
                      guint    fb_width,
                      guint    fb_height)
{
  static const guint columns[] = { 0, 1, 2, 99, 100, 255, 256, 318, 319 };
  double scale, ox, oy;

  hangar_display_get_view (f->display, &scale, &ox, &oy);
  g_test_message ("scale %.4f offset %.2f,%.2f", scale, ox, oy);

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      guint gx = MIN (columns[i], fb_width - 1);
      guint gy = MIN (columns[i], fb_height - 1);
      int rx, ry;

      /* The centre of a guest pixel on screen maps back to that pixel. */
      g_assert_true (hangar_display_widget_to_guest (f->display, ox + (gx + 0.5) * scale,
                                                     oy + (gy + 0.5) * scale, &rx, &ry));
      g_assert_cmpint (rx, ==, gx);
      g_assert_cmpint (ry, ==, gy);
    }

  _hangar_display_motion_event (f->display, ox + 100.5 * scale, oy + 50.5 * scale);
  expect_pointer (f, 0, 100, 50);
}

static void
test_pointer_scaled (void)
{
  const char *args[] = { "--size", "320x240", NULL };
  Fixture f = { 0 };
  double scale, ox, oy;

  /* Twice as large, wider than 4:3: scale 2, pillar-boxed. */
  fixture_open (&f, args, NULL, 800, 480);
  wait_connected (&f);
  WAIT_FOR (gtk_widget_get_width (GTK_WIDGET (f.display)) == 800);
  hangar_display_get_view (f.display, &scale, &ox, &oy);
  g_assert_cmpfloat (scale, ==, 2.0);
  g_assert_cmpfloat (ox, ==, 80.0);
  g_assert_cmpfloat (oy, ==, 0.0);
  check_scaled_mapping (&f, 320, 240);

  /* An odd size: scale 0.7, letter-boxed. */
  gtk_window_set_default_size (f.window, 224, 300);
  WAIT_FOR (gtk_widget_get_width (GTK_WIDGET (f.display)) == 224);
  hangar_display_get_view (f.display, &scale, &ox, &oy);
  g_assert_cmpfloat_with_epsilon (scale, 0.7, 1e-9);
  check_scaled_mapping (&f, 320, 240);

  fixture_close (&f);
}

static void
test_hidpi (void)
{
  const char *args[] = { "--size", "320x240", NULL };
  Fixture f = { 0 };
  double scale, ox, oy;
  int min, nat, mb, nb;

  fixture_open (&f, args, NULL, 300, 200);
  hangar_display_set_scale_to_fit (f.display, FALSE);
  wait_connected (&f);
  WAIT_FOR (framebuffer_shows (&f, 320, 240, 0));
  if (gtk_widget_get_scale_factor (GTK_WIDGET (f.display)) != 2)
    {
      fixture_close (&f);
      g_test_skip ("run with GDK_SCALE=2");
      return;
    }

  /* 1:1 is one guest pixel per device pixel: 160×120 logical pixels. */
  gtk_widget_measure (GTK_WIDGET (f.display), GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, &mb, &nb);
  g_assert_cmpint (nat, ==, 160);
  WAIT_FOR (gtk_widget_get_width (GTK_WIDGET (f.display)) == 300);
  hangar_display_get_view (f.display, &scale, &ox, &oy);
  g_assert_cmpfloat (scale, ==, 0.5);
  g_assert_cmpfloat (ox, ==, 70.0);
  g_assert_cmpfloat (oy, ==, 40.0);
  check_scaled_mapping (&f, 320, 240);

  fixture_close (&f);
}

static void
test_resize_guest (void)
{
  const char *args[] = { "--size", "320x240", NULL };
  Fixture f = { 0 };

  fixture_open (&f, args, NULL, 500, 300);
  wait_connected (&f);
  g_assert_false (hangar_display_get_resize_guest (f.display));
  hangar_display_set_resize_guest (f.display, TRUE);
  /* Extended desktop size: the guest is asked for the view's size (device pixels). */
  WAIT_FOR (gtk_widget_get_width (GTK_WIDGET (f.display)) == 500);
  server_expect (f.server, "SIZE 500 300");
  gtk_window_set_default_size (f.window, 640, 480);
  server_expect (f.server, "SIZE 640 480");
  /* This server refuses: the view scales the 320×240 guest instead. */
  g_assert_cmpint (state_of (&f), ==, HANGAR_CONSOLE_STATE_CONNECTED);

  fixture_close (&f);
}

static void
test_password (void)
{
  const char *args[] = { "--size", "320x240", "--password", "s3cret", NULL };
  Fixture f = { 0 };

  fixture_open (&f, args, "s3cret", 400, 300);
  wait_connected (&f);
  g_assert_cmpuint (f.n_credentials, ==, 1);
  WAIT_FOR (framebuffer_shows (&f, 320, 240, 0));

  fixture_close (&f);
}

static void
assert_fails (Fixture *f,
              gint     code)
{
  const GError *error;

  WAIT_FOR (state_of (f) == HANGAR_CONSOLE_STATE_DISCONNECTED);
  error = hangar_console_session_get_error (HANGAR_CONSOLE_SESSION (f->session));
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_error ((GError *) error, HANGAR_DISPLAY_ERROR, code);
  /* The widget lives on and shows black. */
  g_assert_false (hangar_display_get_grabbed (f->display));
  gtk_widget_queue_draw (GTK_WIDGET (f->display));
}

static void
test_wrong_password (void)
{
  const char *args[] = { "--size", "320x240", "--password", "s3cret", NULL };
  Fixture f = { 0 };

  fixture_open (&f, args, "wrong", 400, 300);
  assert_fails (&f, HANGAR_DISPLAY_ERROR_AUTH_FAILED);
  g_assert_cmpuint (f.n_credentials, ==, 1);
  g_assert_null (hangar_console_session_get_framebuffer (HANGAR_CONSOLE_SESSION (f.session)));

  fixture_close (&f);
}

static void
test_bad_sizes (void)
{
  const char *sizes[] = { "0x0", "16384x16384" };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      const char *args[] = { "--size", sizes[i], NULL };
      Fixture f = { 0 };

      fixture_open (&f, args, NULL, 400, 300);
      assert_fails (&f, HANGAR_DISPLAY_ERROR_BAD_SIZE);
      fixture_close (&f);
    }
}

static void
test_bad_resize (void)
{
  const char *args[] = { "--size", "320x240", NULL };
  Fixture f = { 0 };

  fixture_open (&f, args, NULL, 400, 300);
  wait_connected (&f);
  WAIT_FOR (framebuffer_shows (&f, 320, 240, 0));
  {
    g_autoptr(GError) error = NULL;
    const char *line = "resize 16384 16384\n";

    g_output_stream_write_all (f.server->input, line, strlen (line), NULL, NULL, &error);
    g_assert_no_error (error);
  }
  assert_fails (&f, HANGAR_DISPLAY_ERROR_BAD_SIZE);
  fixture_close (&f);
}

/* A "server" that answers the version and hangs up, or hangs up at once. */
static void
test_closed_mid_handshake (void)
{
  for (guint variant = 0; variant < 2; variant++)
    {
      g_autoptr(HangarVncSession) session = hangar_vnc_session_new ();
      g_autoptr(GError) error = NULL;
      const GError *session_error;
      int fds[2];

      g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
      if (variant == 0)
        g_assert_cmpint (write (fds[1], "RFB 003.008\n", 12), ==, 12);
      g_assert_true (hangar_console_session_open_fd (HANGAR_CONSOLE_SESSION (session), fds[0], &error));
      g_assert_no_error (error);
      close (fds[1]);

      WAIT_FOR (hangar_console_session_get_state (HANGAR_CONSOLE_SESSION (session)) ==
                HANGAR_CONSOLE_STATE_DISCONNECTED);
      session_error = hangar_console_session_get_error (HANGAR_CONSOLE_SESSION (session));
      g_assert_nonnull (session_error);
      g_test_message ("variant %u: %s", variant, session_error->message);
      g_assert_true (session_error->domain == HANGAR_DISPLAY_ERROR);
      g_assert_null (hangar_console_session_get_framebuffer (HANGAR_CONSOLE_SESSION (session)));
      g_assert_finalize_object (g_steal_pointer (&session));
    }
}

static void
test_accels_off_while_grabbed (void)
{
  const char *args[] = { "--size", "320x240", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  g_autoptr(GtkApplication) app = gtk_application_new ("io.github.hangarvm.HangarTest",
                                                       G_APPLICATION_NON_UNIQUE);
  g_autoptr(GListModel) controllers = NULL;
  g_autoptr(GError) error = NULL;
  GtkEventController *app_shortcuts = NULL;
  Fixture f = { 0 };

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  gtk_application_set_accels_for_action (app, "app.quit", quit_accels);

  fixture_open (&f, args, NULL, 400, 300);
  gtk_window_set_application (f.window, app);
  wait_connected (&f);

  /* GtkApplication's accelerators are a GLOBAL-scope shortcut controller that the window's
   * shortcut manager runs from its capture-phase controller, before any widget sees the key. */
  hangar_display_release_grab (f.display);
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (f.window));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (c), "gtk-shortcut-manager-capture") == 0)
        app_shortcuts = c;
    }
  g_assert_nonnull (app_shortcuts);
  g_assert_cmpint (gtk_event_controller_get_propagation_phase (app_shortcuts), ==, GTK_PHASE_CAPTURE);

  _hangar_display_set_grabbed (f.display, TRUE);
  g_assert_cmpint (gtk_event_controller_get_propagation_phase (app_shortcuts), ==, GTK_PHASE_NONE);
  hangar_display_release_grab (f.display);
  g_assert_cmpint (gtk_event_controller_get_propagation_phase (app_shortcuts), ==, GTK_PHASE_CAPTURE);

  /* A disconnect while grabbed gives them back too. */
  _hangar_display_set_grabbed (f.display, TRUE);
  g_assert_cmpint (gtk_event_controller_get_propagation_phase (app_shortcuts), ==, GTK_PHASE_NONE);
  hangar_console_session_close (HANGAR_CONSOLE_SESSION (f.session));
  WAIT_FOR (state_of (&f) == HANGAR_CONSOLE_STATE_DISCONNECTED);
  g_assert_cmpint (gtk_event_controller_get_propagation_phase (app_shortcuts), ==, GTK_PHASE_CAPTURE);
  g_assert_false (hangar_display_get_grabbed (f.display));

  gtk_window_set_application (f.window, NULL);
  fixture_close (&f);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/display/vnc/render", test_render);
  g_test_add_func ("/display/vnc/small-update", test_small_update);
  g_test_add_func ("/display/vnc/resize", test_resize);
  /* HANGAR_TEST_SUBSET=render: only the rendering tests (run again on the cairo renderer). */
  if (g_strcmp0 (g_getenv ("HANGAR_TEST_SUBSET"), "render") == 0)
    return g_test_run ();

  g_test_add_func ("/display/vnc/keys", test_keys);
  g_test_add_func ("/display/vnc/keys-without-ext-key-event", test_keys_without_ext_key_event);
  g_test_add_func ("/display/vnc/release-on-ungrab", test_release_on_ungrab);
  g_test_add_func ("/display/vnc/send-keys", test_send_keys);
  g_test_add_func ("/display/vnc/lock-keys", test_lock_keys);
  g_test_add_func ("/display/vnc/lock-keys-unknown", test_lock_keys_unknown);
  g_test_add_func ("/display/vnc/pointer-1to1", test_pointer_1to1);
  g_test_add_func ("/display/vnc/pointer-scaled", test_pointer_scaled);
  g_test_add_func ("/display/vnc/hidpi", test_hidpi);
  g_test_add_func ("/display/vnc/resize-guest", test_resize_guest);
  g_test_add_func ("/display/vnc/password", test_password);
  g_test_add_func ("/display/vnc/wrong-password", test_wrong_password);
  g_test_add_func ("/display/vnc/bad-sizes", test_bad_sizes);
  g_test_add_func ("/display/vnc/bad-resize", test_bad_resize);
  g_test_add_func ("/display/vnc/closed-mid-handshake", test_closed_mid_handshake);
  g_test_add_func ("/display/vnc/accels-off-while-grabbed", test_accels_off_while_grabbed);

  return g_test_run ();
}
