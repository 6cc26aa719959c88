/* hangar-test-pattern.h: the pictures the test VNC server serves, shared with the tests.
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdint.h>

/* Returns 0xRRGGBB for pixel (x, y) of picture @pattern. Every picture changes at every pixel
 * boundary somewhere, so an off-by-one in scaling, offsets or tiles shows up. */
static inline uint32_t
hangar_test_pattern_pixel (int pattern,
                           int x,
                           int y)
{
  switch (pattern)
    {
    case 0: /* gradients with a fine grid */
      return ((uint32_t) (x & 0xff) << 16) | ((uint32_t) (y & 0xff) << 8) |
             (((x / 7 + y / 5) & 1) ? 0xc0 : 0x30);
    case 1: /* 1-pixel checkerboard in two colours, 8-pixel blocks in a third */
      if (((x >> 3) + (y >> 3)) % 3 == 0)
        return 0x2050e0;
      return ((x + y) & 1) ? 0xffffff : 0x000000;
    case 2: /* diagonal stripes */
      return ((x + 2 * y) % 11) < 5 ? 0xe02040 : 0x10c030;
    default:
      return (uint32_t) pattern & 0xffffff;
    }
}
