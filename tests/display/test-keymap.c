/* test-keymap.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <linux/input-event-codes.h>

#include "hangar-keymap.h"

/* GDK hardware keycodes on evdev X servers and Wayland are Linux codes + 8. */
#define KC(linux_code) ((linux_code) + 8)

typedef struct
{
  guint linux_code;
  guint qnum;
  guint xtkbd;
} Row;

static void
check_rows (const Row *rows,
            gsize      n_rows)
{
  for (gsize i = 0; i < n_rows; i++)
    {
      g_test_message ("linux code %u", rows[i].linux_code);
      g_assert_cmphex (hangar_keymap_keycode_to_qnum (KC (rows[i].linux_code)), ==, rows[i].qnum);
      g_assert_cmphex (hangar_keymap_keycode_to_xtkbd (KC (rows[i].linux_code)), ==, rows[i].xtkbd);
      g_assert_cmphex (hangar_keymap_qnum_to_xtkbd (rows[i].qnum), ==, rows[i].xtkbd);
    }
}

static void
test_letters (void)
{
  static const Row rows[] = {
    { KEY_A, 0x1e, 0x1e }, { KEY_Q, 0x10, 0x10 }, { KEY_W, 0x11, 0x11 }, { KEY_M, 0x32, 0x32 },
    { KEY_1, 0x02, 0x02 }, { KEY_0, 0x0b, 0x0b }, { KEY_SPACE, 0x39, 0x39 },
    { KEY_ENTER, 0x1c, 0x1c }, { KEY_ESC, 0x01, 0x01 }, { KEY_TAB, 0x0f, 0x0f },
    { KEY_BACKSPACE, 0x0e, 0x0e },
  };

  check_rows (rows, G_N_ELEMENTS (rows));
}

static void
test_modifiers (void)
{
  static const Row rows[] = {
    { KEY_LEFTSHIFT, 0x2a, 0x2a }, { KEY_RIGHTSHIFT, 0x36, 0x36 },
    { KEY_LEFTCTRL, 0x1d, 0x1d }, { KEY_RIGHTCTRL, 0x9d, 0x11d },
    { KEY_LEFTALT, 0x38, 0x38 }, { KEY_RIGHTALT, 0xb8, 0x138 }, /* AltGr */
    { KEY_LEFTMETA, 0xdb, 0x15b }, { KEY_RIGHTMETA, 0xdc, 0x15c },
    { KEY_CAPSLOCK, 0x3a, 0x3a }, { KEY_NUMLOCK, 0x45, 0x45 }, { KEY_COMPOSE, 0xdd, 0x15d },
  };

  check_rows (rows, G_N_ELEMENTS (rows));
}

static void
test_level3_shift (void)
{
  /* Linux code 84 is XKB's virtual <LVL3> key (X keycode 92), which xdotool and on-screen
   * keyboards press for ISO_Level3_Shift (AltGr). keycodemapdb maps it to SysRq (0x54): the
   * guest must get Right Alt (E0 38) instead, the same as the physical AltGr key. */
  static const Row rows[] = {
    { 84, 0xb8, 0x138 },
  };

  check_rows (rows, G_N_ELEMENTS (rows));
  g_assert_cmphex (hangar_keymap_keycode_to_qnum (92), ==, hangar_keymap_keycode_to_qnum (KC (KEY_RIGHTALT)));
  g_assert_cmphex (hangar_keymap_keycode_to_xtkbd (92), ==, hangar_keymap_keycode_to_xtkbd (KC (KEY_RIGHTALT)));
  /* The real SysRq key keeps its own scancode. */
  g_assert_cmphex (hangar_keymap_keycode_to_qnum (KC (KEY_SYSRQ)), ==, 0x54);
}

static void
test_navigation (void)
{
  /* E0-prefixed keys: qnum 0x80 | low 7 bits, SPICE 0x100 | low 7 bits. */
  static const Row rows[] = {
    { KEY_UP, 0xc8, 0x148 }, { KEY_DOWN, 0xd0, 0x150 }, { KEY_LEFT, 0xcb, 0x14b },
    { KEY_RIGHT, 0xcd, 0x14d }, { KEY_HOME, 0xc7, 0x147 }, { KEY_END, 0xcf, 0x14f },
    { KEY_PAGEUP, 0xc9, 0x149 }, { KEY_PAGEDOWN, 0xd1, 0x151 }, { KEY_INSERT, 0xd2, 0x152 },
    { KEY_DELETE, 0xd3, 0x153 }, { KEY_SYSRQ, 0x54, 0x54 }, { KEY_PAUSE, 0xc6, 0x146 },
  };

  check_rows (rows, G_N_ELEMENTS (rows));
}

static void
test_layout_keys (void)
{
  /* Physical keys whose symbols differ between layouts: the number is the key's, whatever the
   * client layout (German Z/Y swap, ^ and <> keys, JIS keys). */
  static const Row rows[] = {
    { KEY_Y, 0x15, 0x15 }, { KEY_Z, 0x2c, 0x2c },
    { KEY_GRAVE, 0x29, 0x29 },       /* ` on US, ^ on German */
    { KEY_102ND, 0x56, 0x56 },       /* the ISO key: <> on German */
    { KEY_MINUS, 0x0c, 0x0c },       /* ß on German */
    { KEY_EQUAL, 0x0d, 0x0d }, { KEY_LEFTBRACE, 0x1a, 0x1a },   /* ´ and Ü on German */
    { KEY_SEMICOLON, 0x27, 0x27 }, { KEY_APOSTROPHE, 0x28, 0x28 }, /* Ö and Ä */
    { KEY_BACKSLASH, 0x2b, 0x2b }, { KEY_SLASH, 0x35, 0x35 },
    { KEY_RO, 0x73, 0x73 }, { KEY_YEN, 0x7d, 0x7d },
    { KEY_HANGEUL, 0x72, 0xf2 }, { KEY_HANJA, 0x71, 0xf1 },
  };

  check_rows (rows, G_N_ELEMENTS (rows));
}

static void
test_keypad (void)
{
  static const Row rows[] = {
    { KEY_KP0, 0x52, 0x52 }, { KEY_KP1, 0x4f, 0x4f }, { KEY_KP5, 0x4c, 0x4c },
    { KEY_KP9, 0x49, 0x49 }, { KEY_KPDOT, 0x53, 0x53 }, { KEY_KPPLUS, 0x4e, 0x4e },
    { KEY_KPMINUS, 0x4a, 0x4a }, { KEY_KPASTERISK, 0x37, 0x37 },
    { KEY_KPSLASH, 0xb5, 0x135 }, { KEY_KPENTER, 0x9c, 0x11c },
  };

  check_rows (rows, G_N_ELEMENTS (rows));
}

static void
test_function_keys (void)
{
  static const Row rows[] = {
    { KEY_F1, 0x3b, 0x3b }, { KEY_F2, 0x3c, 0x3c }, { KEY_F10, 0x44, 0x44 },
    { KEY_F11, 0x57, 0x57 }, { KEY_F12, 0x58, 0x58 },
  };

  check_rows (rows, G_N_ELEMENTS (rows));
}

static void
test_out_of_range (void)
{
  g_assert_cmpuint (hangar_keymap_keycode_to_qnum (0), ==, 0);
  g_assert_cmpuint (hangar_keymap_keycode_to_qnum (7), ==, 0);
  g_assert_cmpuint (hangar_keymap_keycode_to_qnum (KC (KEY_RESERVED)), ==, 0);
  g_assert_cmpuint (hangar_keymap_keycode_to_qnum (100000), ==, 0);
  g_assert_cmpuint (hangar_keymap_keycode_to_xtkbd (G_MAXUINT), ==, 0);
}

static void
test_table_is_injective (void)
{
  /* No two physical keys may send the same number, or the guest could not tell them apart. */
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  for (guint code = 1; code < 0x300; code++)
    {
      guint qnum = hangar_keymap_keycode_to_qnum (KC (code));

      /* Linux code 84 (<LVL3>, no physical key) deliberately sends Right Alt: see level3-shift. */
      if (qnum == 0 || code == 84)
        continue;
      g_assert_false (g_hash_table_contains (seen, GUINT_TO_POINTER (qnum)));
      g_hash_table_add (seen, GUINT_TO_POINTER (qnum));
    }
  /* keycodemapdb maps well over 200 Linux keys to XT scancodes. */
  g_assert_cmpuint (g_hash_table_size (seen), >, 200);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/display/keymap/letters", test_letters);
  g_test_add_func ("/display/keymap/modifiers", test_modifiers);
  g_test_add_func ("/display/keymap/level3-shift", test_level3_shift);
  g_test_add_func ("/display/keymap/navigation", test_navigation);
  g_test_add_func ("/display/keymap/layout-keys", test_layout_keys);
  g_test_add_func ("/display/keymap/keypad", test_keypad);
  g_test_add_func ("/display/keymap/function-keys", test_function_keys);
  g_test_add_func ("/display/keymap/out-of-range", test_out_of_range);
  g_test_add_func ("/display/keymap/injective", test_table_is_injective);

  return g_test_run ();
}
