/* hangar-keymap.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-keymap"

#include "config.h"

#include "hangar-keymap.h"
#include "hangar-keymap-table.h"

/* GDK hands us hardware keycodes. On Wayland and on X servers with evdev XKB keycodes (Xorg,
 * Xvfb and Xwayland on Debian 12) they are the Linux evdev code plus 8. Other X keycode sets
 * (xfree86 "kbd", XQuartz, XWin) are not supported: Hangar runs on Linux desktops only. */
#define EVDEV_OFFSET 8

/* Linux code 84 has no physical key: XKB's evdev keycodes call it <LVL3> (X keycode 92) and
 * bind ISO_Level3_Shift to it, so xdotool, XTEST on-screen keyboards and input methods press it
 * for AltGr. keycodemapdb gives it SysRq's scancode (0x54), which made the guest see Print
 * Screen (E0 2A E0 37) instead of AltGr; we send Right Alt (AltGr on a PC keyboard) instead. */
#define EVDEV_LVL3 84
#define QNUM_RIGHT_ALT 0xb8

/**
 * hangar_keymap_keycode_to_qnum:
 * @keycode: a GDK hardware keycode (evdev code + 8)
 *
 * Returns: the QEMU key number ("qnum": XT set 1, 0xE0-prefixed keys as 0x80 | code) of the
 *   physical key, or 0 if the key has none.
 */
guint
hangar_keymap_keycode_to_qnum (guint keycode)
{
  guint code;

  if (keycode < EVDEV_OFFSET)
    return 0;

  code = keycode - EVDEV_OFFSET;
  if (code == EVDEV_LVL3)
    return QNUM_RIGHT_ALT;
  if (code >= G_N_ELEMENTS (hangar_keymap_evdev_to_qnum))
    return 0;

  return hangar_keymap_evdev_to_qnum[code];
}

/**
 * hangar_keymap_keycode_to_xtkbd:
 * @keycode: a GDK hardware keycode (evdev code + 8)
 *
 * Returns: the SPICE scancode (XT set 1, 0xE0-prefixed keys as 0x100 | code), or 0.
 */
guint
hangar_keymap_keycode_to_xtkbd (guint keycode)
{
  guint code;

  if (keycode < EVDEV_OFFSET)
    return 0;

  code = keycode - EVDEV_OFFSET;
  if (code == EVDEV_LVL3)
    return hangar_keymap_qnum_to_xtkbd (QNUM_RIGHT_ALT);
  if (code >= G_N_ELEMENTS (hangar_keymap_evdev_to_xtkbd))
    return 0;

  return hangar_keymap_evdev_to_xtkbd[code];
}

/**
 * hangar_keymap_qnum_to_xtkbd:
 * @qnum: a QEMU key number
 *
 * Returns: the SPICE scancode of the same key (0x80 | code becomes 0x100 | code; the
 *   Hanja/Hangeul keys, whose qnums 0x71/0x72 stand for the one-byte codes 0xF1/0xF2, map back).
 */
guint
hangar_keymap_qnum_to_xtkbd (guint qnum)
{
  if (qnum == 0x71 || qnum == 0x72)
    return qnum | 0x80;
  if (qnum & 0x80)
    return 0x100 | (qnum & 0x7f);
  return qnum;
}
