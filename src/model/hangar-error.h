/* hangar-error.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HANGAR_ERROR (hangar_error_quark ())

/**
 * HangarError:
 * @HANGAR_ERROR_FAILED: something failed that has no better code
 * @HANGAR_ERROR_LIBVIRT: libvirt reported an error; the message is libvirt's, with our context
 * @HANGAR_ERROR_DISCONNECTED: the connection to the daemon is gone (or went while the call ran)
 * @HANGAR_ERROR_PERMISSION_DENIED: the daemon refused us for lack of rights
 * @HANGAR_ERROR_NOT_FOUND: the object (domain, volume…) no longer exists
 * @HANGAR_ERROR_INVALID_URI: a connection URI that does not parse or names no known driver
 * @HANGAR_ERROR_INVALID_INPUT: a value the user typed is not acceptable
 * @HANGAR_ERROR_TIMED_OUT: the daemon did not answer in time
 */
typedef enum
{
  HANGAR_ERROR_FAILED,
  HANGAR_ERROR_LIBVIRT,
  HANGAR_ERROR_DISCONNECTED,
  HANGAR_ERROR_PERMISSION_DENIED,
  HANGAR_ERROR_NOT_FOUND,
  HANGAR_ERROR_INVALID_URI,
  HANGAR_ERROR_INVALID_INPUT,
  HANGAR_ERROR_TIMED_OUT,
} HangarError;

GQuark  hangar_error_quark        (void);
GError *hangar_error_from_libvirt (const char *what) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
