/* hangar-keymap.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

guint hangar_keymap_keycode_to_qnum  (guint keycode);
guint hangar_keymap_keycode_to_xtkbd (guint keycode);
guint hangar_keymap_qnum_to_xtkbd    (guint qnum);

G_END_DECLS
