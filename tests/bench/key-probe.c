/* key-probe.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A probe for the time from a key event to its write on a console socket, loaded into an
 * unchanged viewer (Hangar, remote-viewer) with LD_PRELOAD by tests/bench/key-latency-bench.py.
 *
 * GDK on X11 takes every event off the X connection with XNextEvent; the probe wraps it and
 * notes the time a key event (core, or XInput2 XI_KeyPress/XI_KeyRelease) comes out of Xlib,
 * which is before GDK turns it into a GdkEvent. It also wraps send, sendto, sendmsg, write and
 * writev, and notes each write on a TCP socket whose peer port is HANGAR_KEY_PROBE_PORT (the VNC
 * or SPICE server's; every SPICE channel uses it). HANGAR_KEY_PROBE_LOG names the file that gets
 * one line per event, times in ns of CLOCK_MONOTONIC:
 *   K <ns> <type>                 a key event left XNextEvent (type 2 press, 3 release)
 *   W <ns> <fd> <bytes> <hex>     a write on the console socket; hex is its first 16 bytes
 * The bench pairs each key with the first write after it that carries a key message.
 *
 * A line is written with a raw write(2) after the time is taken, so the probe's own cost is a
 * few µs added to the figure, never taken from it.
 */

#define _GNU_SOURCE
#include <X11/Xlib.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define XI_KEY_PRESS   2  /* XInput2.h's XI_KeyPress, XI_KeyRelease */
#define XI_KEY_RELEASE 3

static int log_fd = -1;
static int port = -1;
static int xi_opcode = -1;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int (*real_XNextEvent) (Display *, XEvent *);
static ssize_t (*real_send) (int, const void *, size_t, int);
static ssize_t (*real_sendto) (int, const void *, size_t, int, const struct sockaddr *, socklen_t);
static ssize_t (*real_sendmsg) (int, const struct msghdr *, int);
static ssize_t (*real_write) (int, const void *, size_t);
static ssize_t (*real_writev) (int, const struct iovec *, int);

static void
probe_init (void)
{
  const char *path = getenv ("HANGAR_KEY_PROBE_LOG");
  const char *port_text = getenv ("HANGAR_KEY_PROBE_PORT");

  real_XNextEvent = dlsym (RTLD_NEXT, "XNextEvent");
  real_send = dlsym (RTLD_NEXT, "send");
  real_sendto = dlsym (RTLD_NEXT, "sendto");
  real_sendmsg = dlsym (RTLD_NEXT, "sendmsg");
  real_write = dlsym (RTLD_NEXT, "write");
  real_writev = dlsym (RTLD_NEXT, "writev");
  if (path != NULL && port_text != NULL)
    {
      log_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      port = atoi (port_text);
    }
}

static long long
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
log_line (const char *text, size_t len)
{
  /* Not write(): that is wrapped below. */
  syscall (SYS_write, log_fd, text, len);
}

static int
is_console_socket (int fd)
{
  struct sockaddr_storage peer;
  socklen_t len = sizeof peer;

  if (log_fd < 0 || getpeername (fd, (struct sockaddr *) &peer, &len) != 0)
    return 0;
  if (peer.ss_family == AF_INET)
    return ntohs (((struct sockaddr_in *) &peer)->sin_port) == port;
  if (peer.ss_family == AF_INET6)
    return ntohs (((struct sockaddr_in6 *) &peer)->sin6_port) == port;
  return 0;
}

static void
note_write (long long t, int fd, const void *data, size_t len, ssize_t written)
{
  char line[128];
  int saved_errno = errno;
  int n;

  if (written <= 0 || !is_console_socket (fd))
    {
      errno = saved_errno;
      return;
    }
  n = snprintf (line, sizeof line, "W %lld %d %zd ", t, fd, written);
  for (size_t i = 0; i < len && i < 16 && n < (int) sizeof line - 3; i++)
    n += snprintf (line + n, sizeof line - n, "%02x", ((const unsigned char *) data)[i]);
  line[n++] = '\n';
  log_line (line, n);
  errno = saved_errno;
}

int
XNextEvent (Display *display, XEvent *event)
{
  int result;
  int type = 0;

  pthread_once (&once, probe_init);
  result = real_XNextEvent (display, event);
  if (log_fd < 0)
    return result;
  if (event->type == KeyPress || event->type == KeyRelease)
    type = event->type;
  else if (event->type == GenericEvent)
    {
      if (xi_opcode < 0)
        {
          int first_event, first_error;

          if (!XQueryExtension (display, "XInputExtension", &xi_opcode, &first_event, &first_error))
            xi_opcode = 0;
        }
      if (event->xcookie.extension == xi_opcode
          && (event->xcookie.evtype == XI_KEY_PRESS || event->xcookie.evtype == XI_KEY_RELEASE))
        type = event->xcookie.evtype;
    }
  if (type != 0)
    {
      char line[64];
      int n = snprintf (line, sizeof line, "K %lld %d\n", now_ns (), type);

      log_line (line, n);
    }
  return result;
}

ssize_t
send (int fd, const void *data, size_t len, int flags)
{
  long long t;
  ssize_t written;

  pthread_once (&once, probe_init);
  t = now_ns ();
  written = real_send (fd, data, len, flags);
  note_write (t, fd, data, len, written);
  return written;
}

ssize_t
sendto (int fd, const void *data, size_t len, int flags, const struct sockaddr *to, socklen_t to_len)
{
  long long t;
  ssize_t written;

  pthread_once (&once, probe_init);
  t = now_ns ();
  written = real_sendto (fd, data, len, flags, to, to_len);
  note_write (t, fd, data, len, written);
  return written;
}

ssize_t
sendmsg (int fd, const struct msghdr *msg, int flags)
{
  long long t;
  ssize_t written;

  pthread_once (&once, probe_init);
  t = now_ns ();
  written = real_sendmsg (fd, msg, flags);
  if (msg->msg_iovlen > 0)
    note_write (t, fd, msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len, written);
  return written;
}

ssize_t
write (int fd, const void *data, size_t len)
{
  long long t;
  ssize_t written;

  pthread_once (&once, probe_init);
  t = now_ns ();
  written = real_write (fd, data, len);
  note_write (t, fd, data, len, written);
  return written;
}

ssize_t
writev (int fd, const struct iovec *iov, int count)
{
  long long t;
  ssize_t written;

  pthread_once (&once, probe_init);
  t = now_ns ();
  written = real_writev (fd, iov, count);
  if (count > 0)
    note_write (t, fd, iov[0].iov_base, iov[0].iov_len, written);
  return written;
}
