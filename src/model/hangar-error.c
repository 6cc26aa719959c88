/* hangar-error.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-error"

#include "config.h"

#include <glib/gi18n.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "hangar-error.h"

G_DEFINE_QUARK (hangar-error-quark, hangar_error)

static HangarError
code_from_libvirt (const virError *err)
{
  switch (err->code)
    {
    case VIR_ERR_NO_CONNECT:
    case VIR_ERR_RPC:
    case VIR_ERR_INVALID_CONN:
      return HANGAR_ERROR_DISCONNECTED;

    case VIR_ERR_SYSTEM_ERROR:
      /* Also a local failure, such as a missing disk file; only the wire means a lost daemon. */
      if (err->domain == VIR_FROM_RPC || err->domain == VIR_FROM_REMOTE)
        return HANGAR_ERROR_DISCONNECTED;
      return HANGAR_ERROR_LIBVIRT;

    case VIR_ERR_AUTH_FAILED:
    case VIR_ERR_AUTH_CANCELLED:
    case VIR_ERR_AUTH_UNAVAILABLE:
    case VIR_ERR_ACCESS_DENIED:
    case VIR_ERR_OPERATION_DENIED:
      return HANGAR_ERROR_PERMISSION_DENIED;

    case VIR_ERR_NO_DOMAIN:
    case VIR_ERR_NO_STORAGE_VOL:
    case VIR_ERR_NO_STORAGE_POOL:
    case VIR_ERR_NO_NETWORK:
    case VIR_ERR_NO_DOMAIN_SNAPSHOT:
      return HANGAR_ERROR_NOT_FOUND;

    case VIR_ERR_INVALID_ARG:
    case VIR_ERR_NO_SUPPORT:
      return HANGAR_ERROR_LIBVIRT;

    default:
      return HANGAR_ERROR_LIBVIRT;
    }
}

/**
 * hangar_error_from_libvirt:
 * @what: (nullable): what we were doing, as a sentence fragment ("Could not start “web”")
 *
 * Turns the calling thread's last libvirt error into a #GError. libvirt errors are per
 * thread, so call this in the thread where the call failed.
 *
 * Returns: (transfer full): a new error, never %NULL
 */
GError *
hangar_error_from_libvirt (const char *what)
{
  virErrorPtr err = virGetLastError ();
  const char *message;
  HangarError code;

  if (err == NULL)
    {
      code = HANGAR_ERROR_FAILED;
      message = _("libvirt reported no reason");
    }
  else
    {
      code = code_from_libvirt (err);
      message = err->message != NULL ? err->message : _("libvirt reported no reason");
    }

  if (what != NULL)
    return g_error_new (HANGAR_ERROR, code, "%s: %s", what, message);
  return g_error_new_literal (HANGAR_ERROR, code, message);
}
