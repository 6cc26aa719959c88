/* console-bench-animator.c: changes an X screen 30 times a second for tests/bench/console-bench.sh.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: console-bench-animator full|box SECONDS
 *   full: every pixel of the 1920×1080 screen changes every frame (two pictures that differ in
 *         every pixel, each with a moving gradient, alternate)
 *   box:  a 96×24 box changes every frame, like typing
 * Prints "frames N" at the end. Build: cc -O2 console-bench-animator.c -lX11 -lXext
 * Usage with a third argument HOLD: keeps the last frame on screen HOLD seconds more before it
 * exits (for checking that a viewer shows the last frame).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main (int   argc,
      char *argv[])
{
  XSetWindowAttributes attrs = { .override_redirect = True, .background_pixel = 0 };
  XShmSegmentInfo shm = { 0 };
  Display *dpy;
  Window win;
  XImage *image;
  GC gc;
  int full, width, height, box_w = 96, box_h = 24;
  double seconds, start, next;
  long frames = 0;

  if ((argc != 3 && argc != 4) || (strcmp (argv[1], "full") != 0 && strcmp (argv[1], "box") != 0))
    {
      fprintf (stderr, "usage: %s full|box SECONDS [HOLD]\n", argv[0]);
      return 2;
    }
  full = strcmp (argv[1], "full") == 0;
  seconds = atof (argv[2]);

  dpy = XOpenDisplay (NULL);
  if (dpy == NULL)
    return 1;
  width = DisplayWidth (dpy, DefaultScreen (dpy));
  height = DisplayHeight (dpy, DefaultScreen (dpy));
  win = XCreateWindow (dpy, DefaultRootWindow (dpy), 0, 0, width, height, 0, CopyFromParent,
                       InputOutput, CopyFromParent, CWOverrideRedirect | CWBackPixel, &attrs);
  XMapRaised (dpy, win);
  gc = XCreateGC (dpy, win, 0, NULL);

  image = XShmCreateImage (dpy, DefaultVisual (dpy, DefaultScreen (dpy)), 24, ZPixmap, NULL, &shm,
                           full ? width : box_w, full ? height : box_h);
  shm.shmid = shmget (IPC_PRIVATE, image->bytes_per_line * image->height, IPC_CREAT | 0600);
  shm.shmaddr = image->data = shmat (shm.shmid, NULL, 0);
  shm.readOnly = False;
  XShmAttach (dpy, &shm);
  shmctl (shm.shmid, IPC_RMID, NULL);
  XSync (dpy, False);

  start = next = now ();
  while (now () - start < seconds)
    {
      unsigned *row;

      /* Every pixel differs from the previous frame: the two phases are complementary. */
      for (int y = 0; y < image->height; y++)
        {
          row = (unsigned *) (image->data + (size_t) y * image->bytes_per_line);
          for (int x = 0; x < image->width; x++)
            {
              unsigned v = ((x + frames * 5) & 0xff) << 16 | ((y + frames * 3) & 0xff) << 8 | ((x ^ y) & 0xff);

              row[x] = (frames & 1) ? ~v & 0xffffff : v;
            }
        }
      XShmPutImage (dpy, win, gc, image, 0, 0, full ? 0 : 200, full ? 0 : 300,
                    image->width, image->height, False);
      XSync (dpy, False);
      frames++;

      next += 1.0 / 30;
      while (now () < next)
        {
          struct timespec ts = { 0, (long) ((next - now ()) * 1e9) };

          if (ts.tv_nsec > 0)
            nanosleep (&ts, NULL);
        }
    }

  printf ("frames %ld\n", frames);
  fflush (stdout);
  if (argc == 4)
    {
      struct timespec hold = { (time_t) atof (argv[3]), 0 };

      nanosleep (&hold, NULL);
    }
  XShmDetach (dpy, &shm);
  XCloseDisplay (dpy);
  return 0;
}
