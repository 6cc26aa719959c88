/* test-console-uri.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hangar-console-uri.h"
#include "hangar-display-error.h"

static void
test_good (void)
{
  static const struct {
    const char *uri;
    HangarConsoleProtocol protocol;
    const char *host;
    guint port;
  } cases[] = {
    { "vnc://localhost:5901", HANGAR_CONSOLE_PROTOCOL_VNC, "localhost", 5901 },
    { "vnc://127.0.0.1", HANGAR_CONSOLE_PROTOCOL_VNC, "127.0.0.1", 5900 },
    { "VNC://example.org:1/", HANGAR_CONSOLE_PROTOCOL_VNC, "example.org", 1 },
    { "vnc://[::1]:5902", HANGAR_CONSOLE_PROTOCOL_VNC, "::1", 5902 },
    { "spice://host:5930", HANGAR_CONSOLE_PROTOCOL_SPICE, "host", 5930 },
    { "spice://host?port=5931", HANGAR_CONSOLE_PROTOCOL_SPICE, "host", 5931 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *host = NULL;
      HangarConsoleProtocol protocol;
      guint port;

      g_test_message ("%s", cases[i].uri);
      g_assert_true (hangar_console_uri_parse (cases[i].uri, &protocol, &host, &port, &error));
      g_assert_no_error (error);
      g_assert_cmpint (protocol, ==, cases[i].protocol);
      g_assert_cmpstr (host, ==, cases[i].host);
      g_assert_cmpuint (port, ==, cases[i].port);
    }
}

static void
test_bad (void)
{
  static const char *cases[] = {
    "", "localhost:5900", "vnc:", "vnc://", "vnc://:5900", "http://host:80", "vnc://host:0",
    "vnc://host:70000", "vnc://host:port", "vnc://host:5900/path", "spice://host?port=x",
    "vnc://ho st", "\xff\xfe",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *host = NULL;
      HangarConsoleProtocol protocol;
      guint port;

      g_assert_false (hangar_console_uri_parse (cases[i], &protocol, &host, &port, &error));
      g_assert_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_BAD_URI);
      /* Shown in a label: valid UTF-8 whatever the input. */
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_test_message ("%s", error->message);
      g_assert_null (host);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/display/console-uri/good", test_good);
  g_test_add_func ("/display/console-uri/bad", test_bad);

  return g_test_run ();
}
