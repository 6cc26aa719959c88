/* hangar-display-error.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HANGAR_DISPLAY_ERROR (hangar_display_error_quark ())

typedef enum
{
  HANGAR_DISPLAY_ERROR_FAILED,
  HANGAR_DISPLAY_ERROR_BAD_URI,
  HANGAR_DISPLAY_ERROR_BAD_SIZE,
  HANGAR_DISPLAY_ERROR_CONNECT,
  HANGAR_DISPLAY_ERROR_CLOSED,
  HANGAR_DISPLAY_ERROR_AUTH_FAILED,
  HANGAR_DISPLAY_ERROR_AUTH_UNSUPPORTED,
} HangarDisplayError;

GQuark hangar_display_error_quark (void);

G_END_DECLS
