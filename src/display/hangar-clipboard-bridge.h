/* hangar-clipboard-bridge.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "hangar-console-session.h"
#include "hangar-display.h"

G_BEGIN_DECLS

#define HANGAR_TYPE_CLIPBOARD_BRIDGE (hangar_clipboard_bridge_get_type ())

G_DECLARE_FINAL_TYPE (HangarClipboardBridge, hangar_clipboard_bridge, HANGAR, CLIPBOARD_BRIDGE, GObject)

HangarClipboardBridge *hangar_clipboard_bridge_new         (GdkClipboard          *clipboard,
                                                            GdkClipboard          *primary);
HangarClipboardBridge *hangar_clipboard_bridge_attach      (HangarDisplay         *display);
HangarConsoleSession  *hangar_clipboard_bridge_get_session (HangarClipboardBridge *self);
void                   hangar_clipboard_bridge_set_session (HangarClipboardBridge *self,
                                                            HangarConsoleSession  *session);

G_END_DECLS
