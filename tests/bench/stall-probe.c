/* stall-probe.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A probe for main-loop stalls, loaded into an unchanged program with LD_PRELOAD by
 * tests/bench/startup-bench.py. When HANGAR_STALL_LOG names a file, it adds a 10 ms timeout to
 * the default main context and records the longest gap between two of its dispatches: a gap much
 * longer than 10 ms means the main loop was blocked (a long handler, or a blocking call) for that
 * long. The file is rewritten at each new maximum, so the program can be killed at any time.
 *
 * The file holds these lines, all in milliseconds since the probe was loaded:
 *   first_dispatch_ms  when the main loop first ran (start-up before the loop is not a stall)
 *   max_gap_ms         the longest time between two dispatches after that
 *   max_gap_at_ms      when that gap ended
 *   gap_ms G at_ms T   one line for each of the first MAX_GAPS gaps longer than GAP_REPORT_MS
 *
 * SIGUSR1 starts the figures again (the bench sends it before it scrolls, to see only the gaps of
 * scrolling, not those of start-up).
 *
 * It costs 100 wake-ups a second, so it never runs in the timing and idle measurements.
 */

#include <glib.h>
#include <signal.h>

#define GAP_REPORT_MS 30
#define MAX_GAPS      64

static char *log_path;
static gint64 gaps[MAX_GAPS][2];  /* (gap, end) in µs since start_us */
static guint n_gaps;
static gint64 start_us;
static gint64 first_us = -1;
static gint64 last_us;
static gint64 max_gap_us;
static gint64 max_gap_at_us;
static volatile sig_atomic_t reset_wanted;

static void
write_report (void)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_string_append_printf (text, "first_dispatch_ms %.1f\nmax_gap_ms %.1f\nmax_gap_at_ms %.1f\n",
                          (first_us - start_us) / 1000.0,
                          max_gap_us / 1000.0,
                          max_gap_at_us / 1000.0);
  for (guint i = 0; i < n_gaps; i++)
    g_string_append_printf (text, "gap_ms %.1f at_ms %.1f\n", gaps[i][0] / 1000.0, gaps[i][1] / 1000.0);
  g_file_set_contents (log_path, text->str, text->len, NULL);
}

static gboolean
tick_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (reset_wanted)
    {
      reset_wanted = 0;
      max_gap_us = max_gap_at_us = 0;
      n_gaps = 0;
      last_us = now;
      write_report ();
      return G_SOURCE_CONTINUE;
    }

  if (first_us < 0)
    {
      first_us = now;
      write_report ();
    }
  else
    {
      gint64 gap = now - last_us;
      gboolean changed = FALSE;

      if (gap > GAP_REPORT_MS * 1000 && n_gaps < MAX_GAPS)
        {
          gaps[n_gaps][0] = gap;
          gaps[n_gaps][1] = now - start_us;
          n_gaps++;
          changed = TRUE;
        }
      if (gap > max_gap_us)
        {
          max_gap_us = gap;
          max_gap_at_us = now - start_us;
          changed = TRUE;
        }
      if (changed)
        write_report ();
    }
  last_us = now;

  return G_SOURCE_CONTINUE;
}

static void
reset_handler (int signum)
{
  reset_wanted = 1;
}

__attribute__((constructor)) static void
stall_probe_init (void)
{
  const char *path = g_getenv ("HANGAR_STALL_LOG");

  if (path == NULL || *path == '\0')
    return;

  log_path = g_strdup (path);
  start_us = g_get_monotonic_time ();
  g_timeout_add (10, tick_cb, NULL);
  signal (SIGUSR1, reset_handler);
}
