/* hangar-test-agent.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The whole user space of the clipboard test guest: PID 1 of an initramfs, linked statically.
 *
 * It mounts devtmpfs and sysfs, loads the virtio modules listed in /modules (one path a line,
 * in load order; written by make-initramfs.py), finds the virtio-serial port named
 * com.redhat.spice.0 and speaks the guest side of the SPICE agent protocol on it
 * (spice-protocol's vd_agent.h): it announces clipboard-by-demand, clipboard-selection and
 * monitors-config, and
 *
 *  - when the client grabs a selection with UTF-8 text, asks for the text and prints it;
 *  - after it received a text, grabs the same selection itself with GUEST_PREFIX + that text
 *    and answers the client's request for it;
 *  - prints each monitors config it receives (it announces VD_AGENT_CAP_MONITORS_CONFIG) as
 *    "monitors n=N flags=F 0=WxH+X+Y …";
 *  - once, on receiving the text REOPEN_COMMAND, closes the port and opens it again half a
 *    second later (the agent restarting, as the client sees it).
 *
 * Everything it sees is printed on the serial console (ttyS0) as one line each,
 * "HANGAR-AGENT <event> key=value…", texts in hex so the bytes survive the tty (texts over
 * 4 KiB only as their length and 64-bit FNV-1a hash). */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <spice/vd_agent.h>

#define GUEST_PREFIX "Grüße vom Gast ✓ "
#define REOPEN_COMMAND "hangar-test-agent: reopen"
#define MAX_MESSAGE (4 * 1024 * 1024)
#define MAX_HEX 4096
#define N_SELECTIONS 3

static FILE *serial;
static int reopened;

/* The text this guest owns per selection (after its own grab), or NULL. */
static char  *owned[N_SELECTIONS];
static size_t owned_len[N_SELECTIONS];

static void say (const char *format, ...) __attribute__ ((format (printf, 1, 2)));

static void
say (const char *format,
     ...)
{
  va_list args;
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  fprintf (serial, "HANGAR-AGENT ");
  va_start (args, format);
  vfprintf (serial, format, args);
  va_end (args);
  fprintf (serial, " uptime=%ld.%03ld\n", (long) now.tv_sec, now.tv_nsec / 1000000);
  fflush (serial);
}

static void
say_text (const char    *event,
          unsigned       selection,
          const uint8_t *data,
          size_t         len)
{
  uint64_t fnv = 14695981039346656037ull;
  char *hex;

  for (size_t i = 0; i < len; i++)
    fnv = (fnv ^ data[i]) * 1099511628211ull;
  if (len > MAX_HEX)
    {
      say ("%s selection=%u len=%zu fnv=%016llx", event, selection, len, (unsigned long long) fnv);
      return;
    }
  hex = malloc (len * 2 + 1);
  for (size_t i = 0; i < len; i++)
    sprintf (hex + i * 2, "%02x", data[i]);
  hex[len * 2] = '\0';
  say ("%s selection=%u len=%zu fnv=%016llx hex=%s", event, selection, len, (unsigned long long) fnv, hex);
  free (hex);
}

static void
halt (void)
{
  fflush (serial);
  sync ();
  reboot (RB_POWER_OFF);
  for (;;)
    pause ();
}

static int
write_all (int         fd,
           const void *data,
           size_t      len)
{
  const uint8_t *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

static int
read_all (int     fd,
          void   *data,
          size_t  len)
{
  uint8_t *p = data;

  while (len > 0)
    {
      ssize_t n = read (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

/* One agent message, cut into chunks of at most VD_AGENT_MAX_DATA_SIZE bytes of data,
 * each behind a VDIChunkHeader for the client port. Little-endian: the guest is x86. */
static void
send_message (int         port,
              uint32_t    type,
              const void *payload,
              size_t      size)
{
  size_t total = sizeof (VDAgentMessage) + size;
  uint8_t *buffer = malloc (total);
  VDAgentMessage *message = (VDAgentMessage *) buffer;

  message->protocol = VD_AGENT_PROTOCOL;
  message->type = type;
  message->opaque = 0;
  message->size = (uint32_t) size;
  memcpy (buffer + sizeof (VDAgentMessage), payload, size);

  for (size_t done = 0; done < total;)
    {
      VDIChunkHeader chunk;
      size_t n = total - done;

      if (n > VD_AGENT_MAX_DATA_SIZE - sizeof (VDIChunkHeader))
        n = VD_AGENT_MAX_DATA_SIZE - sizeof (VDIChunkHeader);
      chunk.port = VDP_CLIENT_PORT;
      chunk.size = (uint32_t) n;
      if (write_all (port, &chunk, sizeof chunk) < 0 || write_all (port, buffer + done, n) < 0)
        {
          say ("error what=write errno=%d", errno);
          break;
        }
      done += n;
    }
  free (buffer);
}

static void
announce (int      port,
          uint32_t request)
{
  uint8_t payload[sizeof (VDAgentAnnounceCapabilities) + VD_AGENT_CAPS_BYTES] = { 0 };
  VDAgentAnnounceCapabilities *caps = (VDAgentAnnounceCapabilities *) payload;

  caps->request = request;
  VD_AGENT_SET_CAPABILITY (caps->caps, VD_AGENT_CAP_CLIPBOARD_BY_DEMAND);
  VD_AGENT_SET_CAPABILITY (caps->caps, VD_AGENT_CAP_CLIPBOARD_SELECTION);
  VD_AGENT_SET_CAPABILITY (caps->caps, VD_AGENT_CAP_GUEST_LINEEND_LF);
  /* spice-gtk sends monitors configs to any connected agent; this says we take them (dense:
   * without VD_AGENT_CAP_SPARSE_MONITORS_CONFIG only the enabled monitors are listed). */
  VD_AGENT_SET_CAPABILITY (caps->caps, VD_AGENT_CAP_MONITORS_CONFIG);
  send_message (port, VD_AGENT_ANNOUNCE_CAPABILITIES, payload, sizeof payload);
}

/* Clipboard messages start with the selection byte and 3 reserved bytes (we announce
 * VD_AGENT_CAP_CLIPBOARD_SELECTION, and so does every spice-gtk client). */
static void
send_clipboard_message (int            port,
                        uint32_t       type,
                        unsigned       selection,
                        const uint32_t words[],
                        size_t         n_words,
                        const void    *data,
                        size_t         len)
{
  size_t size = 4 + n_words * 4 + len;
  uint8_t *payload = calloc (1, size);

  payload[0] = (uint8_t) selection;
  memcpy (payload + 4, words, n_words * 4);
  if (len > 0)
    memcpy (payload + 4 + n_words * 4, data, len);
  send_message (port, type, payload, size);
  free (payload);
}

/* Returns 1 when the port is to be closed and opened again. */
static int
handle_message (int            port,
                uint32_t       type,
                const uint8_t *data,
                uint32_t       size)
{
  unsigned selection;

  switch (type)
    {
    case VD_AGENT_ANNOUNCE_CAPABILITIES:
      if (size < sizeof (VDAgentAnnounceCapabilities))
        break;
      say ("client-caps request=%u", ((const VDAgentAnnounceCapabilities *) data)->request);
      if (((const VDAgentAnnounceCapabilities *) data)->request)
        announce (port, 0);
      return 0;

    case VD_AGENT_CLIPBOARD_GRAB:
      {
        const uint32_t *types = (const uint32_t *) (data + 4);
        size_t n_types = (size - 4) / 4;
        int text = 0;
        char list[128] = "";

        if (size < 4)
          break;
        selection = data[0];
        for (size_t i = 0; i < n_types && strlen (list) < sizeof list - 12; i++)
          {
            snprintf (list + strlen (list), sizeof list - strlen (list), "%s%u", i ? "," : "", types[i]);
            text |= types[i] == VD_AGENT_CLIPBOARD_UTF8_TEXT;
          }
        say ("grab selection=%u types=%s", selection, list);
        /* The client owns it now. */
        if (selection < N_SELECTIONS)
          {
            free (owned[selection]);
            owned[selection] = NULL;
          }
        if (text)
          {
            uint32_t want = VD_AGENT_CLIPBOARD_UTF8_TEXT;

            send_clipboard_message (port, VD_AGENT_CLIPBOARD_REQUEST, selection, &want, 1, NULL, 0);
          }
        return 0;
      }

    case VD_AGENT_CLIPBOARD:
      {
        uint32_t data_type;

        if (size < 8)
          break;
        selection = data[0];
        memcpy (&data_type, data + 4, 4);
        if (data_type != VD_AGENT_CLIPBOARD_UTF8_TEXT)
          {
            say ("clipboard selection=%u type=%u", selection, data_type);
            return 0;
          }
        say_text ("received", selection, data + 8, size - 8);
        if (!reopened && size - 8 == strlen (REOPEN_COMMAND) &&
            memcmp (data + 8, REOPEN_COMMAND, size - 8) == 0)
          {
            reopened = 1;
            return 1;
          }
        /* Answer with a grab of our own: the text the client asks for next. */
        if (selection < N_SELECTIONS)
          {
            size_t prefix = strlen (GUEST_PREFIX);
            uint32_t offer = VD_AGENT_CLIPBOARD_UTF8_TEXT;

            free (owned[selection]);
            owned_len[selection] = prefix + size - 8;
            owned[selection] = malloc (owned_len[selection]);
            memcpy (owned[selection], GUEST_PREFIX, prefix);
            memcpy (owned[selection] + prefix, data + 8, size - 8);
            send_clipboard_message (port, VD_AGENT_CLIPBOARD_GRAB, selection, &offer, 1, NULL, 0);
            say_text ("grabbed", selection, (const uint8_t *) owned[selection], owned_len[selection]);
          }
        return 0;
      }

    case VD_AGENT_CLIPBOARD_REQUEST:
      {
        uint32_t data_type;

        if (size < 8)
          break;
        selection = data[0];
        memcpy (&data_type, data + 4, 4);
        say ("request selection=%u type=%u", selection, data_type);
        if (selection < N_SELECTIONS && owned[selection] != NULL &&
            data_type == VD_AGENT_CLIPBOARD_UTF8_TEXT)
          {
            send_clipboard_message (port, VD_AGENT_CLIPBOARD, selection, &data_type, 1,
                                    owned[selection], owned_len[selection]);
            say_text ("sent", selection, (const uint8_t *) owned[selection], owned_len[selection]);
          }
        else
          {
            uint32_t none = VD_AGENT_CLIPBOARD_NONE;

            send_clipboard_message (port, VD_AGENT_CLIPBOARD, selection, &none, 1, NULL, 0);
          }
        return 0;
      }

    case VD_AGENT_CLIPBOARD_RELEASE:
      if (size < 4)
        break;
      say ("release selection=%u", data[0]);
      return 0;

    case VD_AGENT_MONITORS_CONFIG:
      {
        VDAgentMonitorsConfig config;
        char list[512] = "";

        if (size < sizeof config)
          break;
        memcpy (&config, data, sizeof config);
        if (config.num_of_monitors > (size - sizeof config) / sizeof (VDAgentMonConfig))
          break;
        /* "i=WxH+X+Y" per monitor, as listed (up to what fits the line). */
        for (uint32_t i = 0; i < config.num_of_monitors && strlen (list) < sizeof list - 64; i++)
          {
            VDAgentMonConfig monitor;

            memcpy (&monitor, data + sizeof config + i * sizeof monitor, sizeof monitor);
            snprintf (list + strlen (list), sizeof list - strlen (list), " %u=%ux%u%+d%+d", i,
                      monitor.width, monitor.height, monitor.x, monitor.y);
          }
        say ("monitors n=%u flags=%u%s", config.num_of_monitors, config.flags, list);
        return 0;
      }

    case VD_AGENT_CLIENT_DISCONNECTED:
      say ("client-disconnected");
      for (unsigned i = 0; i < N_SELECTIONS; i++)
        {
          free (owned[i]);
          owned[i] = NULL;
        }
      return 0;

    default:
      say ("message type=%u size=%u", type, size);
      return 0;
    }

  say ("error what=short-message type=%u size=%u", type, size);
  return 0;
}

static void
load_modules (void)
{
  FILE *list = fopen ("/modules", "r");
  char path[512];

  if (list == NULL)
    return;
  while (fgets (path, sizeof path, list) != NULL)
    {
      int fd;

      path[strcspn (path, "\n")] = '\0';
      if (path[0] == '\0')
        continue;
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0 || (syscall (SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST))
        say ("error what=module path=%s errno=%d", path, errno);
      if (fd >= 0)
        close (fd);
    }
  fclose (list);
}

/* /dev/virtio-ports/<name> is made by udev, which this guest has not: look the name up in sysfs. */
static int
open_agent_port (void)
{
  for (int tries = 0; tries < 200; tries++)
    {
      DIR *dir = opendir ("/sys/class/virtio-ports");
      struct dirent *entry;

      while (dir != NULL && (entry = readdir (dir)) != NULL)
        {
          char path[300];
          char name[64] = "";
          FILE *file;

          if (entry->d_name[0] == '.')
            continue;
          snprintf (path, sizeof path, "/sys/class/virtio-ports/%s/name", entry->d_name);
          file = fopen (path, "r");
          if (file == NULL)
            continue;
          if (fgets (name, sizeof name, file) == NULL)
            name[0] = '\0';
          fclose (file);
          name[strcspn (name, "\n")] = '\0';
          if (strcmp (name, "com.redhat.spice.0") == 0)
            {
              int fd;

              snprintf (path, sizeof path, "/dev/%s", entry->d_name);
              fd = open (path, O_RDWR | O_CLOEXEC);
              if (fd >= 0)
                {
                  closedir (dir);
                  say ("port path=%s", path);
                  return fd;
                }
            }
        }
      if (dir != NULL)
        closedir (dir);
      usleep (50000);
    }
  return -1;
}

int
main (void)
{
  static uint8_t message[MAX_MESSAGE];
  size_t have = 0;
  int port;

  mkdir ("/dev", 0755);
  mkdir ("/sys", 0755);
  mount ("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  mount ("sysfs", "/sys", "sysfs", 0, NULL);

  serial = fopen ("/dev/ttyS0", "w");
  if (serial == NULL)
    serial = stderr;

  say ("start");
  load_modules ();
  port = open_agent_port ();
  if (port < 0)
    {
      say ("error what=no-port");
      halt ();
    }

  announce (port, 1);
  say ("ready");

  for (;;)
    {
      VDIChunkHeader chunk;

      if (read_all (port, &chunk, sizeof chunk) < 0)
        {
          say ("error what=read errno=%d", errno);
          halt ();
        }
      if (chunk.size > sizeof message - have)
        {
          say ("error what=too-big size=%u", chunk.size);
          halt ();
        }
      if (read_all (port, message + have, chunk.size) < 0)
        {
          say ("error what=read errno=%d", errno);
          halt ();
        }
      have += chunk.size;

      /* Chunks carry a byte stream of messages; handle every complete one. */
      while (have >= sizeof (VDAgentMessage))
        {
          VDAgentMessage header;
          size_t total;

          memcpy (&header, message, sizeof header);
          total = sizeof header + header.size;
          if (header.protocol != VD_AGENT_PROTOCOL || total > sizeof message)
            {
              say ("error what=bad-message protocol=%u size=%u", header.protocol, header.size);
              halt ();
            }
          if (have < total)
            break;
          if (handle_message (port, header.type, message + sizeof header, header.size))
            {
              /* The agent "restarts": the client sees it go and come back. */
              say ("closing");
              close (port);
              usleep (500000);
              port = open_agent_port ();
              if (port < 0)
                {
                  say ("error what=no-port");
                  halt ();
                }
              announce (port, 1);
              say ("ready");
              have = 0;
              break;
            }
          memmove (message, message + total, have - total);
          have -= total;
        }
    }
}
