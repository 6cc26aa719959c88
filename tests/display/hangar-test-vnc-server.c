/* hangar-test-vnc-server.c: a VNC server on libvncserver for the display tests.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Serves known pictures (hangar-test-pattern.h) and prints every input event on stdout:
 *   READY <width> <height>       the server is up
 *   PORT <port>                  (with --listen) the TCP port it listens on
 *   EXTKEY <down> <keysym> <qnum>  a QEMU extended key event (pseudo-encoding -258, done by hand:
 *                                 libvncserver 0.9.14 has the message struct but no server side)
 *   KEY <down> <keysym>           a plain RFB key event
 *   POINTER <mask> <x> <y>        a pointer event
 *   SIZE <width> <height>         the client asked for a desktop size (ExtendedDesktopSize)
 *   LEDS <n>                     (with --leds) the LED state sent to the client (QEMU's LED state
 *                                 pseudo-encoding -261: 1 Scroll, 2 Num, 4 Caps Lock); like a
 *                                 guest, the server toggles a lock when its key goes down
 *   CUTTEXT len=<n> fnv=<h> [hex=<bytes>]  the client's cut text (ClientCutText): its length,
 *                                 FNV-1a 64 hash, and its bytes in hex up to 4 KiB
 *   ECHOED                       (with --echo-cut-text) the client's cut text was sent back to it
 *   DONE <command>                a stdin command was carried out
 *   GONE                          the client went away (the server exits)
 * Commands on stdin, one a line:
 *   pattern <n>                  serve picture n
 *   resize <width> <height> [n]  change the desktop size (picture n, default the current one)
 *   rect <x> <y> <w> <h> <rrggbb>  fill a rectangle
 *   leds <n>                     the guest's LEDs change (sent if the client asked for them)
 *   cuttext [hex]                send ServerCutText with these bytes (none: an empty one)
 *   cuttext-pattern <n>          send ServerCutText of n bytes: byte i is 0x20 + i % 0xe0
 *   quit
 * Options: --fd N (serve the client on socket N), --listen (pick a free TCP port),
 *   --size WxH, --pattern N, --password PW, --no-ext-key, --leds N (offer LED state, start
 *   with N), --name NAME (the desktop name), --echo-cut-text (send each client cut text back, as
 *   servers that share it with all their clients do).
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rfb/rfb.h>

#include "hangar-test-pattern.h"

static rfbScreenInfoPtr screen;
static char *framebuffer;
static size_t framebuffer_size;
static int pattern;
static int with_ext_key = 1;
static int client_gone;
/* The "guest's" LED state, or -1 without --leds; the client that asked for LED state. */
static int leds = -1;
static rfbClientPtr leds_client;
static int echo_cut_text;

#define ENCODING_QEMU_LED_STATE ((uint32_t) -261)

static char *
alloc_framebuffer (int width,
                   int height,
                   size_t *size)
{
  /* mmap: a 16384×16384 desktop is 1 GiB of untouched, lazily mapped zero pages. */
  void *mem;

  *size = (size_t) (width > 0 ? width : 1) * (height > 0 ? height : 1) * 4;
  mem = mmap (NULL, *size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED)
    {
      perror ("mmap");
      exit (1);
    }
  return mem;
}

static void
put_pixel (int x,
           int y,
           uint32_t rgb)
{
  /* The server's native format: 32 bpp, red in the lowest byte. */
  uint32_t *p = (uint32_t *) (framebuffer + ((size_t) y * screen->width + x) * 4);

  *p = ((rgb >> 16) & 0xff) | (rgb & 0xff00) | ((rgb & 0xff) << 16);
}

static void
paint (int x0,
       int y0,
       int w,
       int h,
       int picture)
{
  /* Huge desktops stay black: they exist to be refused by the client. */
  if ((size_t) screen->width * screen->height > 64u * 1024 * 1024)
    return;

  for (int y = y0; y < y0 + h && y < screen->height; y++)
    for (int x = x0; x < x0 + w && x < screen->width; x++)
      put_pixel (x, y, hangar_test_pattern_pixel (picture, x, y));
  rfbMarkRectAsModified (screen, x0, y0, x0 + w, y0 + h);
}

static void
send_leds (void)
{
  rfbFramebufferUpdateMsg msg = { .type = rfbFramebufferUpdate, .nRects = htons (1) };
  rfbFramebufferUpdateRectHeader rect = { .encoding = htonl (ENCODING_QEMU_LED_STATE) };
  uint8_t state = leds;

  if (leds_client == NULL || leds < 0)
    return;

  if (rfbWriteExact (leds_client, (char *) &msg, sz_rfbFramebufferUpdateMsg) < 0 ||
      rfbWriteExact (leds_client, (char *) &rect, sz_rfbFramebufferUpdateRectHeader) < 0 ||
      rfbWriteExact (leds_client, (char *) &state, 1) < 0)
    return;
  printf ("LEDS %d\n", leds);
  fflush (stdout);
}

/* What a guest does with a lock key: toggle the lock, then tell the client its LEDs. */
static void
lock_key (int down,
          unsigned keysym,
          unsigned qnum)
{
  int bit = 0;

  if (!down || leds < 0)
    return;
  if (qnum == 0x3a || keysym == 0xffe5)
    bit = 4;
  else if (qnum == 0x45 || keysym == 0xff7f)
    bit = 2;
  else if (qnum == 0x46 || keysym == 0xff14)
    bit = 1;
  if (bit == 0)
    return;

  leds ^= bit;
  send_leds ();
}

static void
key_cb (rfbBool down,
        rfbKeySym keysym,
        rfbClientPtr cl)
{
  printf ("KEY %d 0x%x\n", down ? 1 : 0, (unsigned) keysym);
  fflush (stdout);
  lock_key (down, keysym, 0);
}

static void
pointer_cb (int mask,
            int x,
            int y,
            rfbClientPtr cl)
{
  printf ("POINTER %d %d %d\n", mask, x, y);
  fflush (stdout);
  rfbDefaultPtrAddEvent (mask, x, y, cl);
}

static int
set_desktop_size_cb (int width,
                     int height,
                     int num_screens,
                     struct rfbExtDesktopScreen *screens,
                     rfbClientPtr cl)
{
  printf ("SIZE %d %d\n", width, height);
  fflush (stdout);
  return rfbExtDesktopSize_ResizeProhibited;
}

static void
cut_text_cb (char *text,
             int len,
             rfbClientPtr cl)
{
  uint64_t fnv = 14695981039346656037ull;

  for (int i = 0; i < len; i++)
    fnv = (fnv ^ (unsigned char) text[i]) * 1099511628211ull;
  printf ("CUTTEXT len=%d fnv=%016llx", len, (unsigned long long) fnv);
  if (len <= 4096)
    {
      printf (" hex=");
      for (int i = 0; i < len; i++)
        printf ("%02x", (unsigned char) text[i]);
    }
  printf ("\n");
  fflush (stdout);

  if (echo_cut_text)
    {
      rfbSendServerCutText (screen, text, len);
      printf ("ECHOED\n");
      fflush (stdout);
    }
}

/* "cuttext <hex>": the bytes; "cuttext-pattern <n>": n bytes of every Latin-1 character from
 * the space on. */
static void
send_cut_text (const char *hex,
               long        pattern_len)
{
  size_t len = pattern_len >= 0 ? (size_t) pattern_len : strlen (hex) / 2;
  char *text = malloc (len + 1);

  for (size_t i = 0; i < len; i++)
    {
      unsigned byte = 0x20 + i % 0xe0;

      if (pattern_len < 0)
        sscanf (hex + 2 * i, "%2x", &byte);
      text[i] = (char) byte;
    }
  text[len] = '\0';
  rfbSendServerCutText (screen, text, (int) len);
  free (text);
}

static void
client_gone_cb (rfbClientPtr cl)
{
  printf ("GONE\n");
  fflush (stdout);
  client_gone = 1;
  if (cl == leds_client)
    leds_client = NULL;
}

static enum rfbNewClientAction
new_client_cb (rfbClientPtr cl)
{
  cl->clientGoneHook = client_gone_cb;
  printf ("CLIENT\n");
  fflush (stdout);
  return RFB_CLIENT_ACCEPT;
}

/* The QEMU extended key event pseudo-encoding. The client asks for it in SetEncodings; we
 * acknowledge with an empty rectangle of that encoding (as QEMU does), after which the client
 * sends message type 255, subtype 0. And QEMU's LED state pseudo-encoding (with --leds). */
static int ext_key_encodings[] = {
  (int) rfbEncodingQemuExtendedKeyEvent,
  (int) ENCODING_QEMU_LED_STATE,
  0
};

static rfbBool
ext_key_new_client (rfbClientPtr cl,
                    void **data)
{
  return TRUE;
}

static rfbBool
ext_key_enable (rfbClientPtr cl,
                void **data,
                int encoding)
{
  rfbFramebufferUpdateMsg msg = { .type = rfbFramebufferUpdate, .nRects = htons (1) };
  rfbFramebufferUpdateRectHeader rect = { .encoding = htonl (rfbEncodingQemuExtendedKeyEvent) };

  if ((uint32_t) encoding == ENCODING_QEMU_LED_STATE)
    {
      /* As QEMU: the current state as soon as the client asks for it. */
      if (leds < 0)
        return FALSE;
      leds_client = cl;
      send_leds ();
      return TRUE;
    }

  if ((uint32_t) encoding != rfbEncodingQemuExtendedKeyEvent || !with_ext_key)
    return FALSE;

  if (rfbWriteExact (cl, (char *) &msg, sz_rfbFramebufferUpdateMsg) < 0 ||
      rfbWriteExact (cl, (char *) &rect, sz_rfbFramebufferUpdateRectHeader) < 0)
    return FALSE;
  return TRUE;
}

static rfbBool
ext_key_handle (rfbClientPtr cl,
                void *data,
                const rfbClientToServerMsg *message)
{
  rfbQemuExtendedKeyEventMsg msg;

  if (message->type != rfbQemuEvent)
    return FALSE;

  if (rfbReadExact (cl, ((char *) &msg) + 1, sz_rfbQemuExtendedKeyEventMsg - 1) <= 0)
    {
      rfbCloseClient (cl);
      return TRUE;
    }
  if (msg.subtype != 0)
    {
      fprintf (stderr, "unknown QEMU message subtype %d\n", msg.subtype);
      rfbCloseClient (cl);
      return TRUE;
    }

  printf ("EXTKEY %d 0x%x 0x%x\n", ntohs (msg.down) ? 1 : 0,
          (unsigned) ntohl (msg.keysym), (unsigned) ntohl (msg.keycode));
  fflush (stdout);
  lock_key (ntohs (msg.down) != 0, ntohl (msg.keysym), ntohl (msg.keycode));
  return TRUE;
}

static rfbProtocolExtension ext_key_extension = {
  .newClient = ext_key_new_client,
  .pseudoEncodings = ext_key_encodings,
  .enablePseudoEncoding = ext_key_enable,
  .handleMessage = ext_key_handle,
};

static void
resize (int width,
        int height,
        int picture)
{
  char *old = framebuffer;
  size_t old_size = framebuffer_size;

  framebuffer = alloc_framebuffer (width, height, &framebuffer_size);
  rfbNewFramebuffer (screen, framebuffer, width, height, 8, 3, 4);
  munmap (old, old_size);
  pattern = picture;
  paint (0, 0, width, height, pattern);
}

static void
run_command (char *line)
{
  int a, b, c, d;
  long n;
  unsigned rgb;

  line[strcspn (line, "\r\n")] = '\0';
  if (sscanf (line, "pattern %d", &a) == 1)
    {
      pattern = a;
      paint (0, 0, screen->width, screen->height, pattern);
    }
  else if (sscanf (line, "resize %d %d %d", &a, &b, &c) == 3)
    resize (a, b, c);
  else if (sscanf (line, "resize %d %d", &a, &b) == 2)
    resize (a, b, pattern);
  else if (sscanf (line, "rect %d %d %d %d %x", &a, &b, &c, &d, &rgb) == 5)
    {
      for (int y = b; y < b + d && y < screen->height; y++)
        for (int x = a; x < a + c && x < screen->width; x++)
          put_pixel (x, y, rgb);
      rfbMarkRectAsModified (screen, a, b, a + c, b + d);
    }
  else if (sscanf (line, "leds %d", &a) == 1)
    {
      leds = a;
      send_leds ();
    }
  else if (sscanf (line, "cuttext-pattern %ld", &n) == 1 && n >= 0)
    send_cut_text (NULL, n);
  else if (strncmp (line, "cuttext", 7) == 0 && (line[7] == '\0' || line[7] == ' '))
    send_cut_text (line[7] == ' ' ? line + 8 : "", -1);
  else if (strcmp (line, "quit") == 0)
    exit (0);
  else
    {
      fprintf (stderr, "unknown command: %s\n", line);
      return;
    }

  printf ("DONE %s\n", line);
  fflush (stdout);
}

int
main (int   argc,
      char *argv[])
{
  const char *passwords[2] = { NULL, NULL };
  int width = 640, height = 480, fd = -1, listen_tcp = 0;
  const char *name = "hangar-test";
  char line[1024];
  size_t line_len = 0;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--fd") == 0 && i + 1 < argc)
        fd = atoi (argv[++i]);
      else if (strcmp (argv[i], "--listen") == 0)
        listen_tcp = 1;
      else if (strcmp (argv[i], "--size") == 0 && i + 1 < argc)
        sscanf (argv[++i], "%dx%d", &width, &height);
      else if (strcmp (argv[i], "--pattern") == 0 && i + 1 < argc)
        pattern = atoi (argv[++i]);
      else if (strcmp (argv[i], "--password") == 0 && i + 1 < argc)
        passwords[0] = argv[++i];
      else if (strcmp (argv[i], "--no-ext-key") == 0)
        with_ext_key = 0;
      else if (strcmp (argv[i], "--leds") == 0 && i + 1 < argc)
        leds = atoi (argv[++i]);
      else if (strcmp (argv[i], "--name") == 0 && i + 1 < argc)
        name = argv[++i];
      else if (strcmp (argv[i], "--echo-cut-text") == 0)
        echo_cut_text = 1;
      else
        {
          fprintf (stderr, "usage: %s [--fd N | --listen] [--size WxH] [--pattern N] "
                           "[--password PW] [--no-ext-key] [--leds N] [--name NAME] [--echo-cut-text]\n", argv[0]);
          return 2;
        }
    }

  rfbLogEnable (0);
  rfbRegisterProtocolExtension (&ext_key_extension);

  screen = rfbGetScreen (NULL, NULL, width, height, 8, 3, 4);
  if (screen == NULL)
    return 1;
  framebuffer = alloc_framebuffer (width, height, &framebuffer_size);
  screen->frameBuffer = framebuffer;
  screen->desktopName = name;
  screen->alwaysShared = TRUE;
  screen->kbdAddEvent = key_cb;
  screen->ptrAddEvent = pointer_cb;
  screen->setDesktopSizeHook = set_desktop_size_cb;
  screen->setXCutText = cut_text_cb;
  screen->newClientHook = new_client_cb;
  screen->httpDir = NULL;
  if (passwords[0] != NULL)
    {
      screen->authPasswdData = (void *) passwords;
      screen->passwordCheck = rfbCheckPasswordByList;
    }
  if (fd >= 0)
    {
      screen->inetdSock = fd;
      screen->port = 0;
      screen->ipv6port = 0;
    }
  else if (listen_tcp)
    {
      screen->autoPort = TRUE;
      screen->listenInterface = htonl (INADDR_LOOPBACK);
    }
  paint (0, 0, width, height, pattern);

  rfbInitServer (screen);
  printf ("READY %d %d\n", width, height);
  if (listen_tcp)
    printf ("PORT %d\n", screen->port);
  fflush (stdout);

  while (!client_gone && rfbIsActive (screen))
    {
      struct pollfd pfd = { .fd = 0, .events = POLLIN };

      rfbProcessEvents (screen, 5000);
      while (poll (&pfd, 1, 0) > 0)
        {
          ssize_t n;

          if (pfd.revents & (POLLHUP | POLLERR) && !(pfd.revents & POLLIN))
            return 0;
          n = read (0, line + line_len, 1);
          if (n <= 0)
            return 0;
          if (line[line_len] == '\n' || line_len == sizeof line - 2)
            {
              line[line_len + 1] = '\0';
              run_command (line);
              line_len = 0;
            }
          else
            line_len++;
        }
    }

  rfbScreenCleanup (screen);
  return 0;
}
