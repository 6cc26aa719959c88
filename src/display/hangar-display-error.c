/* hangar-display-error.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hangar-display-error.h"

G_DEFINE_QUARK (hangar-display-error-quark, hangar_display_error)
