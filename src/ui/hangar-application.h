/* hangar-application.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HANGAR_TYPE_APPLICATION (hangar_application_get_type ())

G_DECLARE_FINAL_TYPE (HangarApplication, hangar_application, HANGAR, APPLICATION, AdwApplication)

HangarApplication *hangar_application_new (void) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
