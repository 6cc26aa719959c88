/* hangar-console-uri.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-console-uri"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hangar-console-uri.h"
#include "hangar-display-error.h"

/* GUri reports an explicit port 0 as "no port"; catch "HOST:0" ourselves. */
static gboolean
has_zero_port (const char *uri)
{
  const char *authority = strstr (uri, "://");
  const char *end, *colon;

  if (authority == NULL)
    return FALSE;
  authority += 3;
  end = authority + strcspn (authority, "/?#");
  colon = g_strrstr_len (authority, end - authority, ":");
  /* No colon, an empty port, or the colon of an IPv6 literal ("[::1]"). */
  if (colon == NULL || colon + 1 == end || memchr (colon, ']', end - colon) != NULL)
    return FALSE;
  for (const char *p = colon + 1; p < end; p++)
    if (*p != '0')
      return FALSE;
  return TRUE;
}

/**
 * hangar_console_uri_parse:
 * @uri: `vnc://HOST[:PORT]` or `spice://HOST[:PORT]` (IPv6 hosts in brackets; for SPICE also
 *   `spice://HOST?port=N`, as remote-viewer writes it)
 * @protocol: (out): the protocol
 * @host: (out) (transfer full): the host name or address
 * @port: (out): the TCP port (5900 when none is given)
 *
 * Returns: %FALSE with %HANGAR_DISPLAY_ERROR_BAD_URI and a message for people when @uri is
 *   not a console address
 */
gboolean
hangar_console_uri_parse (const char             *uri,
                          HangarConsoleProtocol  *protocol,
                          char                  **host,
                          guint                  *port,
                          GError                **error)
{
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *shown = NULL;
  const char *scheme, *path, *query;
  int parsed_port;

  g_return_val_if_fail (uri != NULL, FALSE);
  g_return_val_if_fail (protocol != NULL && host != NULL && port != NULL, FALSE);

  /* The messages end up in labels and window titles, which must be valid UTF-8. */
  shown = g_utf8_make_valid (uri, -1);
  parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, &local_error);
  if (parsed == NULL)
    {
      g_set_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_BAD_URI,
                   _("“%s” is not a console address (%s). Use vnc://HOST:PORT or spice://HOST:PORT."),
                   shown, local_error->message);
      return FALSE;
    }

  scheme = g_uri_get_scheme (parsed);
  if (g_ascii_strcasecmp (scheme, "vnc") == 0)
    *protocol = HANGAR_CONSOLE_PROTOCOL_VNC;
  else if (g_ascii_strcasecmp (scheme, "spice") == 0)
    *protocol = HANGAR_CONSOLE_PROTOCOL_SPICE;
  else
    {
      g_set_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_BAD_URI,
                   _("“%s” is not a console address: Hangar opens vnc:// and spice:// addresses."),
                   shown);
      return FALSE;
    }

  if (g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0')
    {
      g_set_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_BAD_URI,
                   _("“%s” names no host. Use %s://HOST:PORT."), shown, scheme);
      return FALSE;
    }

  for (const char *p = g_uri_get_host (parsed); *p != '\0'; p++)
    {
      /* Names, IPv4 and IPv6 addresses (with a zone). */
      if (!g_ascii_isalnum (*p) && strchr ("-._:%", *p) == NULL)
        {
          g_set_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_BAD_URI,
                       _("“%s” is not a console address: the host name “%s” is not valid."),
                       shown, g_uri_get_host (parsed));
          return FALSE;
        }
    }

  path = g_uri_get_path (parsed);
  if (path != NULL && *path != '\0' && g_strcmp0 (path, "/") != 0)
    {
      g_set_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_BAD_URI,
                   _("“%s” has a path; a console address is only %s://HOST:PORT."), shown, scheme);
      return FALSE;
    }

  parsed_port = g_uri_get_port (parsed);
  if (parsed_port == -1 && has_zero_port (uri))
    parsed_port = 0;
  query = g_uri_get_query (parsed);
  if (parsed_port == -1 && query != NULL && *protocol == HANGAR_CONSOLE_PROTOCOL_SPICE)
    {
      g_autoptr(GHashTable) params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
      const char *value = params != NULL ? g_hash_table_lookup (params, "port") : NULL;
      guint64 number;

      if (value != NULL && g_ascii_string_to_unsigned (value, 10, 1, 65535, &number, NULL))
        parsed_port = number;
      else if (value != NULL)
        parsed_port = 0;
    }
  if (parsed_port == 0 || parsed_port > 65535)
    {
      g_set_error (error, HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_BAD_URI,
                   _("“%s” has no valid port (1 to 65535)."), shown);
      return FALSE;
    }

  *host = g_strdup (g_uri_get_host (parsed));
  *port = parsed_port == -1 ? 5900 : (guint) parsed_port;
  return TRUE;
}
