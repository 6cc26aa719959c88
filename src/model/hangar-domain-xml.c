/* hangar-domain-xml.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-domain-xml"

#include "config.h"

#include <glib/gi18n.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "hangar-error.h"
#include "hangar-machine-private.h"

/* Reading what the UI shows from a domain's XML. Pure functions: the workers call them on XML
 * they fetched, and the unit tests call them on fixture files. */

#define LIBOSINFO_NS "http://libosinfo.org/xmlns/libvirt/domain/1.0"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlXPathContext, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlXPathObject, xmlXPathFreeObject)

/* The string value of the first node @expr selects (relative to @node if given), or NULL. */
static char *
xpath_string (xmlXPathContext *ctx,
              xmlNode         *node,
              const char      *expr)
{
  g_autoptr(xmlXPathObject) obj = NULL;
  xmlChar *content;
  char *ret;

  ctx->node = node != NULL ? node : xmlDocGetRootElement (ctx->doc);
  obj = xmlXPathEvalExpression ((const xmlChar *) expr, ctx);
  if (obj == NULL || obj->nodesetval == NULL || obj->nodesetval->nodeNr == 0)
    return NULL;

  content = xmlNodeGetContent (obj->nodesetval->nodeTab[0]);
  if (content == NULL)
    return NULL;

  ret = g_strdup ((const char *) content);
  xmlFree (content);

  return ret;
}

static xmlXPathObject *
xpath_nodes (xmlXPathContext *ctx,
             const char      *expr)
{
  xmlXPathObject *obj;

  ctx->node = xmlDocGetRootElement (ctx->doc);
  obj = xmlXPathEvalExpression ((const xmlChar *) expr, ctx);
  if (obj != NULL && obj->nodesetval == NULL)
    g_clear_pointer (&obj, xmlXPathFreeObject);

  return obj;
}

static xmlDoc *
parse_domain (const char       *xml,
              xmlXPathContext **ctx_out,
              GError          **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  xmlNode *root;

  if (xml == NULL || *xml == '\0')
    {
      g_set_error_literal (error, HANGAR_ERROR, HANGAR_ERROR_FAILED,
                           _("The machine’s description is empty."));
      return NULL;
    }

  doc = xmlReadMemory (xml, strlen (xml), "domain.xml", NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  root = doc != NULL ? xmlDocGetRootElement (doc) : NULL;
  if (root == NULL || g_strcmp0 ((const char *) root->name, "domain") != 0)
    {
      g_set_error_literal (error, HANGAR_ERROR, HANGAR_ERROR_FAILED,
                           _("The machine’s description is not a libvirt domain."));
      return NULL;
    }

  *ctx_out = xmlXPathNewContext (doc);
  xmlXPathRegisterNs (*ctx_out, (const xmlChar *) "osinfo", (const xmlChar *) LIBOSINFO_NS);

  return g_steal_pointer (&doc);
}

/**
 * _hangar_domain_xml_peek:
 * @xml: a domain's XML
 * @title: (out) (transfer full) (nullable): its `<title>`, or %NULL
 * @os_id: (out) (transfer full) (nullable): its libosinfo id, or %NULL
 *
 * Returns: %FALSE if @xml is not a domain
 */
gboolean
_hangar_domain_xml_peek (const char  *xml,
                         char       **title,
                         char       **os_id)
{
  g_autoptr(xmlXPathContext) ctx = NULL;
  g_autoptr(xmlDoc) doc = NULL;

  *title = NULL;
  *os_id = NULL;

  doc = parse_domain (xml, &ctx, NULL);
  if (doc == NULL)
    return FALSE;

  *title = xpath_string (ctx, NULL, "/domain/title");
  *os_id = xpath_string (ctx, NULL, "/domain/metadata/osinfo:libosinfo/osinfo:os/@id");

  return TRUE;
}

static char *
disk_source (xmlXPathContext *ctx,
             xmlNode         *disk)
{
  g_autofree char *pool = NULL;
  g_autofree char *volume = NULL;
  char *path;

  if ((path = xpath_string (ctx, disk, "source/@file")) != NULL ||
      (path = xpath_string (ctx, disk, "source/@dev")) != NULL ||
      (path = xpath_string (ctx, disk, "source/@dir")) != NULL)
    return path;

  pool = xpath_string (ctx, disk, "source/@pool");
  volume = xpath_string (ctx, disk, "source/@volume");
  if (pool != NULL && volume != NULL)
    return g_strdup_printf ("%s/%s", pool, volume);

  return xpath_string (ctx, disk, "source/@name");
}

static void
parse_disks (xmlXPathContext      *ctx,
             HangarMachineDetails *details)
{
  g_autoptr(GPtrArray) disks = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  g_autoptr(xmlXPathObject) obj = xpath_nodes (ctx, "/domain/devices/disk");

  for (int i = 0; obj != NULL && i < obj->nodesetval->nodeNr; i++)
    {
      xmlNode *disk = obj->nodesetval->nodeTab[i];
      g_autofree char *target = xpath_string (ctx, disk, "target/@dev");
      g_autofree char *device = xpath_string (ctx, disk, "@device");
      g_autofree char *type = xpath_string (ctx, disk, "@type");
      g_autofree char *source = disk_source (ctx, disk);
      g_autofree char *shared = xpath_string (ctx, disk, "shareable|readonly");
      gboolean is_disk = device == NULL || g_str_equal (device, "disk");

      if (source == NULL)
        g_ptr_array_add (disks, g_strdup_printf (_("%s: empty"), target ? target : "?"));
      else if (is_disk)
        g_ptr_array_add (disks, g_strdup_printf ("%s: %s", target ? target : "?", source));
      else
        g_ptr_array_add (disks, g_strdup_printf ("%s: %s (%s)", target ? target : "?", source, device));

      /* Only plain, unshared disks of files or block devices are candidates for deletion: never
       * an installer ISO, a shared image or a network volume. */
      if (source != NULL && is_disk && shared == NULL &&
          (type == NULL || g_str_equal (type, "file") || g_str_equal (type, "block")))
        g_ptr_array_add (paths, g_steal_pointer (&source));
    }

  details->disks = (char **) g_ptr_array_steal (disks, NULL);
  details->disk_paths = (char **) g_ptr_array_steal (paths, NULL);
}

static void
parse_networks (xmlXPathContext      *ctx,
                HangarMachineDetails *details)
{
  g_autoptr(GPtrArray) nets = g_ptr_array_new_null_terminated (2, g_free, TRUE);
  g_autoptr(xmlXPathObject) obj = xpath_nodes (ctx, "/domain/devices/interface");

  for (int i = 0; obj != NULL && i < obj->nodesetval->nodeNr; i++)
    {
      xmlNode *iface = obj->nodesetval->nodeTab[i];
      g_autofree char *type = xpath_string (ctx, iface, "@type");
      g_autofree char *source = NULL;
      g_autofree char *model = xpath_string (ctx, iface, "model/@type");
      g_autofree char *mac = xpath_string (ctx, iface, "mac/@address");
      GString *str = g_string_new (type ? type : "interface");

      if ((source = xpath_string (ctx, iface, "source/@network")) != NULL ||
          (source = xpath_string (ctx, iface, "source/@bridge")) != NULL ||
          (source = xpath_string (ctx, iface, "source/@dev")) != NULL)
        g_string_append_printf (str, " %s", source);

      if (model != NULL && mac != NULL)
        g_string_append_printf (str, " (%s, %s)", model, mac);
      else if (model != NULL || mac != NULL)
        g_string_append_printf (str, " (%s)", model ? model : mac);

      g_ptr_array_add (nets, g_string_free (str, FALSE));
    }

  details->networks = (char **) g_ptr_array_steal (nets, NULL);
}

static char *
parse_graphics (xmlXPathContext *ctx)
{
  g_autoptr(xmlXPathObject) obj = xpath_nodes (ctx, "/domain/devices/graphics");
  GString *str = NULL;

  for (int i = 0; obj != NULL && i < obj->nodesetval->nodeNr; i++)
    {
      g_autofree char *type = xpath_string (ctx, obj->nodesetval->nodeTab[i], "@type");
      g_autofree char *upper = NULL;

      if (type == NULL)
        continue;

      upper = g_ascii_strup (type, -1);
      if (str == NULL)
        str = g_string_new (upper);
      else
        g_string_append_printf (str, ", %s", upper);
    }

  return str != NULL ? g_string_free (str, FALSE) : NULL;
}

/* Where the first <graphics> listens: what a console needs when it cannot use
 * virDomainOpenGraphicsFD (a remote connection). */
static void
parse_graphics_address (xmlXPathContext      *ctx,
                        HangarMachineDetails *details)
{
  g_autoptr(xmlXPathObject) obj = xpath_nodes (ctx, "/domain/devices/graphics");
  g_autofree char *port = NULL;
  g_autofree char *listen_type = NULL;
  xmlNode *graphics;
  gint64 value;

  details->graphics_port = -1;
  if (obj == NULL || obj->nodesetval == NULL || obj->nodesetval->nodeNr == 0)
    return;

  graphics = obj->nodesetval->nodeTab[0];
  details->graphics_type = xpath_string (ctx, graphics, "@type");
  port = xpath_string (ctx, graphics, "@port");
  if (port != NULL && g_ascii_string_to_signed (port, 10, 1, 65535, &value, NULL))
    details->graphics_port = (int) value;

  listen_type = xpath_string (ctx, graphics, "listen[1]/@type");
  if (g_strcmp0 (listen_type, "socket") == 0 || g_strcmp0 (listen_type, "none") == 0)
    {
      details->graphics_port = -1;
      /* A unix socket on the host (path filled in by the daemon while it runs). */
      if (g_strcmp0 (listen_type, "socket") == 0)
        details->graphics_socket = xpath_string (ctx, graphics, "listen[1]/@socket");
      return;
    }
  if (details->graphics_port < 0)
    details->graphics_socket = xpath_string (ctx, graphics, "@socket");
  details->graphics_listen = xpath_string (ctx, graphics, "listen[@type='address']/@address");
  if (details->graphics_listen == NULL)
    details->graphics_listen = xpath_string (ctx, graphics, "@listen");
}

/**
 * _hangar_machine_details_parse:
 * @xml: a domain's XML
 * @error: where a parse failure goes
 *
 * Returns: (transfer full): the details, with n_snapshots 0 (that needs the daemon)
 */
HangarMachineDetails *
_hangar_machine_details_parse (const char  *xml,
                               GError     **error)
{
  g_autoptr(HangarMachineDetails) details = NULL;
  g_autoptr(xmlXPathContext) ctx = NULL;
  g_autoptr(xmlDoc) doc = NULL;
  g_autofree char *nvram = NULL;
  g_autofree char *loader = NULL;

  doc = parse_domain (xml, &ctx, error);
  if (doc == NULL)
    return NULL;

  details = g_new0 (HangarMachineDetails, 1);
  parse_disks (ctx, details);
  parse_networks (ctx, details);
  details->graphics = parse_graphics (ctx);
  parse_graphics_address (ctx, details);
  details->os_id = xpath_string (ctx, NULL, "/domain/metadata/osinfo:libosinfo/osinfo:os/@id");
  details->arch = xpath_string (ctx, NULL, "/domain/os/type/@arch");
  details->emulator_type = xpath_string (ctx, NULL, "/domain/@type");

  /* A declared NVRAM file, or UEFI firmware (which gets one on first start). */
  nvram = xpath_string (ctx, NULL, "/domain/os/nvram");
  loader = xpath_string (ctx, NULL, "/domain/os/loader/@type");
  details->has_nvram = nvram != NULL || g_strcmp0 (loader, "pflash") == 0;

  return g_steal_pointer (&details);
}
