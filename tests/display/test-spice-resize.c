/* test-spice-resize.c: resizing the guest to the view over SPICE, against QEMU's SPICE server
 * and a guest agent of ours.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The guest is the clipboard test guest (tests/guest): its agent announces
 * VD_AGENT_CAP_MONITORS_CONFIG and prints every monitors config it receives on its serial port
 * as "HANGAR-AGENT monitors n=N flags=F 0=WxH+X+Y". A HangarDisplay with a HangarSpiceSession
 * sits in a GtkWindow on a private Xvfb; the window is resized and the guest must be asked for
 * exactly the display's size in device pixels (also at GDK_SCALE=2), once per settled size,
 * and never with resize-guest off. Skips when no kernel is installed.
 */

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "hangar-clipboard-test-utils.h"
#include "hangar-display.h"
#include "hangar-qemu-test-utils.h"
#include "hangar-spice-session.h"
#include "hangar-test-server.h"

typedef HangarQemuTestSpice Fixture;

/* Runs the main loop until @n agent lines start with @prefix (the serial log grows without a
 * main-loop event, so this polls). */
static void
wait_agent_lines (Fixture    *f,
                  const char *prefix,
                  guint       n)
{
  gint64 end = g_get_monotonic_time () + TIMEOUT_SECONDS * G_USEC_PER_SEC;

  while (hangar_clipboard_test_count_agent_lines (f->dir, prefix) < n)
    {
      if (g_get_monotonic_time () > end)
        g_error ("timed out waiting for %u agent lines \"%s\"", n, prefix);
      hangar_qemu_test_wait_ms (20);
    }
}

/* The @index-th "monitors" line of the agent, from "n=" up to its uptime. */
static char *
agent_monitors (Fixture *f,
                guint    index)
{
  g_autofree char *contents = hangar_qemu_test_read_serial (f->dir);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
  const char *prefix = "HANGAR-AGENT monitors ";
  guint seen = 0;

  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, prefix) && seen++ == index)
        {
          const char *end = strstr (line, " uptime=");

          g_assert_nonnull (end);
          return g_strndup (line + strlen (prefix), end - line - strlen (prefix));
        }
    }
  return NULL;
}

/* QEMU with a SPICE server on a UNIX socket, the test guest and its agent port; connected. */
static gboolean
fixture_open (Fixture *f)
{
  if (!hangar_qemu_test_spice_open (f, "resize", TRUE))
    return FALSE;
  /* The client announces its capabilities to the agent once it sees it. */
  wait_agent_lines (f, "client-caps", 1);
  return TRUE;
}

/* Resizes @window and waits until @display has taken a new size of @width×@height. */
static void
resize_window (GtkWindow *window,
               GtkWidget *display,
               int        width,
               int        height)
{
  gtk_window_set_default_size (window, width, height);
  WAIT_FOR (gtk_widget_get_width (display) == width && gtk_widget_get_height (display) == height);
}

/* What the agent must have received for the display's current size: one monitor, in device
 * pixels, at the origin. Flags: USE_POS | PHYSICAL_SIZE (spice-gtk's). */
static char *
expected_monitors (GtkWidget *display)
{
  int sf = gtk_widget_get_scale_factor (display);

  return g_strdup_printf ("n=1 flags=3 0=%dx%d+0+0",
                          gtk_widget_get_width (display) * sf, gtk_widget_get_height (display) * sf);
}

static void
test_agent (void)
{
  Fixture f = { 0 };
  GtkWidget *window;
  GtkWidget *display;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *want = NULL;
  int sf;

  if (!fixture_open (&f))
    return;

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 480, 360);
  display = hangar_display_new ();
  hangar_display_set_session (HANGAR_DISPLAY (display), f.session);
  gtk_window_set_child (GTK_WINDOW (window), display);
  gtk_window_present (GTK_WINDOW (window));
  WAIT_FOR (gtk_widget_get_mapped (display) && gtk_widget_get_width (display) == 480);
  /* 1 on Xvfb; 2 with GDK_SCALE=2 (the spice-resize-hidpi run). Every size here fits the
   * private Xvfb's 1024×768 screen at scale 2. */
  sf = gtk_widget_get_scale_factor (display);
  g_assert_cmpint (sf, ==, g_strcmp0 (g_getenv ("GDK_SCALE"), "2") == 0 ? 2 : 1);

  /* Off (the default): mapping and a resize ask the guest for nothing. */
  g_assert_false (hangar_display_get_resize_guest (HANGAR_DISPLAY (display)));
  resize_window (GTK_WINDOW (window), display, 460, 340);
  hangar_qemu_test_wait_ms (2000);
  g_assert_cmpuint (hangar_clipboard_test_count_agent_lines (f.dir, "monitors"), ==, 0);

  /* On: the guest is asked for the size the view has now. */
  hangar_display_set_resize_guest (HANGAR_DISPLAY (display), TRUE);
  wait_agent_lines (&f, "monitors", 1);
  first = agent_monitors (&f, 0);
  g_test_message ("agent: monitors %s", first);
  want = expected_monitors (display);
  g_assert_cmpstr (first, ==, want);
  g_free (want);
  want = g_strdup_printf ("n=1 flags=3 0=%dx%d+0+0", 460 * sf, 340 * sf);
  g_assert_cmpstr (first, ==, want);

  /* A new size, reached in a few steps (a drag), each step as soon as the last one is laid out
   * (no sleeps: only a stall of over 500 ms between two allocations could split them): one
   * request, for the last size. */
  resize_window (GTK_WINDOW (window), display, 380, 290);
  resize_window (GTK_WINDOW (window), display, 400, 305);
  resize_window (GTK_WINDOW (window), display, 420, 318);
  wait_agent_lines (&f, "monitors", 2);
  second = agent_monitors (&f, 1);
  g_test_message ("agent: monitors %s", second);
  g_clear_pointer (&want, g_free);
  want = expected_monitors (display);
  g_assert_cmpstr (second, ==, want);
  g_free (want);
  want = g_strdup_printf ("n=1 flags=3 0=%dx%d+0+0", 420 * sf, 318 * sf);
  g_assert_cmpstr (second, ==, want);
  /* Nothing more follows once the size has settled (spice-gtk's own 1 s timer included). */
  hangar_qemu_test_wait_ms (2000);
  g_assert_cmpuint (hangar_clipboard_test_count_agent_lines (f.dir, "monitors"), ==, 2);

  /* Off again: resizing asks nothing any more, not even a request already pending. */
  resize_window (GTK_WINDOW (window), display, 440, 330);
  hangar_display_set_resize_guest (HANGAR_DISPLAY (display), FALSE);
  resize_window (GTK_WINDOW (window), display, 360, 270);
  hangar_qemu_test_wait_ms (2000);
  g_assert_cmpuint (hangar_clipboard_test_count_agent_lines (f.dir, "monitors"), ==, 2);
  g_assert_cmpint (hangar_console_session_get_state (f.session), ==, HANGAR_CONSOLE_STATE_CONNECTED);

  gtk_window_destroy (GTK_WINDOW (window));
  hangar_qemu_test_spice_close (&f);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (!hangar_qemu_test_init (&argc, &argv, NULL))
    return 0;

  g_test_add_func ("/display/spice-resize/agent", test_agent);

  ret = g_test_run ();
  hangar_test_stop_xvfb ();
  return ret;
}
