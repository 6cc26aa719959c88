/* hangar-display.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-display"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hangar-display-private.h"
#include "hangar-keymap.h"

/* HangarDisplay draws a session's framebuffer and turns GDK input into guest input.
 *
 * Keyboard: while the display has the keyboard focus it "grabs" the keyboard: every key goes to
 * the guest as the QEMU number of the physical key, and the window's capture-phase shortcut
 * controllers (GtkApplication accelerators live there, GLOBAL scope, research/display.md §4) are
 * switched off so they cannot take keys first. Ctrl+Alt releases the grab; so does losing focus.
 * Held keys are released in the guest on every ungrab, unmap and disconnect. */

struct _HangarDisplay
{
  GtkWidget parent_instance;

  /* Owned; signals connected with the widget as data. */
  HangarConsoleSession   *session;
  /* Owned; the session's current framebuffer. */
  HangarFramebuffer      *fb;
  gboolean                scale_to_fit;
  HangarFramebufferNodes  nodes;
  gboolean                grabbed;
  /* Shortcut controllers of the toplevel switched off while grabbed (owned refs). */
  GPtrArray              *disabled_shortcuts;
  HangarButtons           buttons;
  /* Where the pointer last was, in widget coordinates (scroll events have no position). */
  double                  pointer_x;
  double                  pointer_y;
  /* Ask the guest for the widget's size (debounced) when the view changes size. */
  gboolean                resize_guest;
  guint                   resize_id;
  double                  scroll_dx;
  double                  scroll_dy;
  guint64                 n_frames;
  /* Lock keys the tests pretend the client has, or -1 (the keyboard device's). */
  int                     test_locks;
};

G_DEFINE_FINAL_TYPE (HangarDisplay, hangar_display, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SCALE_TO_FIT,
  PROP_NODES,
  PROP_GRABBED,
  PROP_RESIZE_GUEST,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

/* Frames drawn by every display of the process, counted in a file for the benchmark
 * (HANGAR_DISPLAY_FRAME_COUNTER=FILE: 8 bytes, a native-endian count), or NULL. A per-frame debug
 * line cost about 18 K instructions and four system calls a frame, as much as a tenth of a
 * small change's frame, which a viewer being compared with does not pay. */
static volatile guint64 *frame_counter;

static void
map_frame_counter (void)
{
  const char *path = g_getenv ("HANGAR_DISPLAY_FRAME_COUNTER");
  void *map;
  int fd;

  if (path == NULL || *path == '\0')
    return;

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || ftruncate (fd, sizeof (guint64)) != 0)
    {
      g_warning ("Cannot count frames in %s: %s", path, g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return;
    }
  map = mmap (NULL, sizeof (guint64), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED)
    g_warning ("Cannot count frames in %s: %s", path, g_strerror (errno));
  else
    frame_counter = map;
  close (fd);
}

/* The send-key menu's keys, with keysyms for servers that cannot take scancodes. */
static const struct {
  guint qnum;
  guint keyval;
} qnum_keyvals[] = {
  { 0x1d, GDK_KEY_Control_L }, { 0x38, GDK_KEY_Alt_L }, { 0xd3, GDK_KEY_Delete },
  { 0x0e, GDK_KEY_BackSpace }, { 0x54, GDK_KEY_Print }, { 0xb7, GDK_KEY_Print },
  { 0x3b, GDK_KEY_F1 }, { 0x3c, GDK_KEY_F2 }, { 0x3d, GDK_KEY_F3 }, { 0x3e, GDK_KEY_F4 },
  { 0x3f, GDK_KEY_F5 }, { 0x40, GDK_KEY_F6 }, { 0x41, GDK_KEY_F7 }, { 0x42, GDK_KEY_F8 },
  { 0x43, GDK_KEY_F9 }, { 0x44, GDK_KEY_F10 }, { 0x57, GDK_KEY_F11 }, { 0x58, GDK_KEY_F12 },
};

static gboolean
is_connected (HangarDisplay *self)
{
  return self->session != NULL &&
         hangar_console_session_get_state (self->session) == HANGAR_CONSOLE_STATE_CONNECTED;
}

static HangarFramebufferNodes
effective_nodes (HangarDisplay *self)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
  gboolean cairo_renderer = native != NULL && GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (native));

  /* Measured (research/display.md §8): texture nodes cost a per-pixel conversion on every frame
   * under GTK 4.8's cairo renderer; cairo nodes are the cheap path there (live: one node drawing
   * the pixels as they are, see hangar-framebuffer.c), textures on GL. */
  if (self->nodes == HANGAR_FRAMEBUFFER_NODES_AUTO)
    return cairo_renderer ? HANGAR_FRAMEBUFFER_NODES_LIVE : HANGAR_FRAMEBUFFER_NODES_TEXTURE;

  /* Never cairo nodes under GL: GTK 4.8's GL renderer caches a cairo node's raster by the node's
   * address, so a rebuilt tile that reuses a freed node's memory can show the old picture
   * (tests/display/test-framebuffer.c). Without a native (offscreen tests) the caller decides. */
  if ((self->nodes == HANGAR_FRAMEBUFFER_NODES_CAIRO || self->nodes == HANGAR_FRAMEBUFFER_NODES_LIVE) &&
      native != NULL && !cairo_renderer)
    return HANGAR_FRAMEBUFFER_NODES_TEXTURE;

  return self->nodes;
}

/**
 * hangar_display_get_view:
 * @scale: (out): logical pixels per guest pixel
 * @offset_x: (out): where the guest's left edge is, in widget coordinates
 * @offset_y: (out): where the guest's top edge is
 */
void
hangar_display_get_view (HangarDisplay *self,
                         double        *scale,
                         double        *offset_x,
                         double        *offset_y)
{
  double width, height, fb_width, fb_height, s, sf;

  g_return_if_fail (HANGAR_IS_DISPLAY (self));

  *scale = 1.0;
  *offset_x = *offset_y = 0.0;
  if (self->fb == NULL)
    return;

  width = gtk_widget_get_width (GTK_WIDGET (self));
  height = gtk_widget_get_height (GTK_WIDGET (self));
  fb_width = hangar_framebuffer_get_width (self->fb);
  fb_height = hangar_framebuffer_get_height (self->fb);
  sf = gtk_widget_get_scale_factor (GTK_WIDGET (self));

  /* 1:1 means one guest pixel per device pixel, hence 1/scale-factor logical pixels. */
  if (self->scale_to_fit && width > 0 && height > 0)
    s = MIN (width / fb_width, height / fb_height);
  else
    s = 1.0 / sf;

  *scale = s;
  /* Centre, snapped to device pixels so that 1:1 stays sharp. */
  *offset_x = MAX (0.0, floor ((width - fb_width * s) / 2.0 * sf) / sf);
  *offset_y = MAX (0.0, floor ((height - fb_height * s) / 2.0 * sf) / sf);
}

/**
 * hangar_display_widget_to_guest:
 * @x: widget x
 * @y: widget y
 * @guest_x: (out): the guest pixel column under it, clamped to the screen
 * @guest_y: (out): the guest pixel row
 *
 * Returns: %TRUE if the point lies on the guest screen
 */
gboolean
hangar_display_widget_to_guest (HangarDisplay *self,
                                double         x,
                                double         y,
                                int           *guest_x,
                                int           *guest_y)
{
  double scale, ox, oy, gx, gy;
  int fb_width, fb_height;

  g_return_val_if_fail (HANGAR_IS_DISPLAY (self), FALSE);

  *guest_x = *guest_y = 0;
  if (self->fb == NULL)
    return FALSE;

  hangar_display_get_view (self, &scale, &ox, &oy);
  fb_width = hangar_framebuffer_get_width (self->fb);
  fb_height = hangar_framebuffer_get_height (self->fb);
  gx = floor ((x - ox) / scale);
  gy = floor ((y - oy) / scale);
  *guest_x = CLAMP (gx, 0, fb_width - 1);
  *guest_y = CLAMP (gy, 0, fb_height - 1);

  return gx >= 0 && gy >= 0 && gx < fb_width && gy < fb_height;
}

static void
hangar_display_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  HangarDisplay *self = HANGAR_DISPLAY (widget);
  double scale, ox, oy;
  guint64 built, patches;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (self->fb == NULL)
    {
      gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0, 0, 0, 1 },
                                 &GRAPHENE_RECT_INIT (0, 0, width, height));
      return;
    }

  hangar_display_get_view (self, &scale, &ox, &oy);
  /* Black around the guest screen, unless the screen covers the view exactly (a window sized
   * for it, at 1:1): GTK 4.8's cairo renderer draws every node on every frame. */
  if (ox != 0 || oy != 0 || hangar_framebuffer_get_width (self->fb) * scale != width ||
      hangar_framebuffer_get_height (self->fb) * scale != height)
    gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0, 0, 0, 1 },
                               &GRAPHENE_RECT_INIT (0, 0, width, height));
  built = hangar_framebuffer_get_tiles_built (self->fb);
  patches = hangar_framebuffer_get_patches_built (self->fb);
  hangar_framebuffer_snapshot (self->fb, snapshot, effective_nodes (self), scale, ox, oy);
  self->n_frames++;
  if (frame_counter != NULL)
    (*frame_counter)++;
  /* One line a frame when debugging (formatted only then). */
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("Frame %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT " tiles rebuilt, %" G_GUINT64_FORMAT
             " patches (view %dx%d, scale %g, offset %g,%g)",
             self->n_frames, hangar_framebuffer_get_tiles_built (self->fb) - built,
             hangar_framebuffer_get_patches_built (self->fb) - patches, width, height, scale, ox, oy);
}

static void
hangar_display_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  HangarDisplay *self = HANGAR_DISPLAY (widget);
  int sf = gtk_widget_get_scale_factor (widget);
  int size = 0;

  if (self->fb != NULL)
    {
      guint fb_size = orientation == GTK_ORIENTATION_HORIZONTAL
                    ? hangar_framebuffer_get_width (self->fb)
                    : hangar_framebuffer_get_height (self->fb);
      size = (fb_size + sf - 1) / sf;
    }

  /* Scaled, any size will do; 1:1 needs the whole guest (a scrolled window around us scrolls). */
  *minimum = self->scale_to_fit ? MIN (size, 64) : size;
  *natural = MAX (size, 64);
  *minimum_baseline = *natural_baseline = -1;
}

/* Switches the toplevel's capture-phase shortcut controllers off (or back on). */
static void
set_toplevel_shortcuts_enabled (HangarDisplay *self,
                                gboolean       enabled)
{
  g_autoptr(GListModel) controllers = NULL;
  GtkRoot *root;

  if (enabled)
    {
      if (self->disabled_shortcuts == NULL)
        return;
      for (guint i = 0; i < self->disabled_shortcuts->len; i++)
        gtk_event_controller_set_propagation_phase (g_ptr_array_index (self->disabled_shortcuts, i),
                                                    GTK_PHASE_CAPTURE);
      g_clear_pointer (&self->disabled_shortcuts, g_ptr_array_unref);
      return;
    }

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (root == NULL || self->disabled_shortcuts != NULL)
    return;

  self->disabled_shortcuts = g_ptr_array_new_with_free_func (g_object_unref);
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (root));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_SHORTCUT_CONTROLLER (controller) &&
          gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
        {
          gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_NONE);
          g_ptr_array_add (self->disabled_shortcuts, g_steal_pointer (&controller));
        }
    }
}

int
_hangar_display_get_client_locks (HangarDisplay *self)
{
  GdkSeat *seat;
  GdkDevice *keyboard;
  int locks = 0;

  g_return_val_if_fail (HANGAR_IS_DISPLAY (self), 0);

  if (self->test_locks >= 0)
    return self->test_locks;

  seat = gdk_display_get_default_seat (gtk_widget_get_display (GTK_WIDGET (self)));
  keyboard = seat != NULL ? gdk_seat_get_keyboard (seat) : NULL;
  if (keyboard == NULL)
    return 0;

  if (gdk_device_get_caps_lock_state (keyboard))
    locks |= HANGAR_LOCK_CAPS;
  if (gdk_device_get_num_lock_state (keyboard))
    locks |= HANGAR_LOCK_NUM;
  if (gdk_device_get_scroll_lock_state (keyboard))
    locks |= HANGAR_LOCK_SCROLL;
  return locks;
}

void
_hangar_display_set_client_locks (HangarDisplay *self,
                                  int            locks)
{
  g_return_if_fail (HANGAR_IS_DISPLAY (self));

  self->test_locks = locks;
}

/* Caps, Num and Scroll Lock of the guest follow the client's while the guest has the keyboard:
 * when it takes the keyboard, and when the guest reports its state (it may have changed its
 * LEDs, or rebooted). Not when the client's change while grabbed: a lock key pressed then went
 * to the guest as well, and its report follows. */
static void
sync_locks (HangarDisplay *self)
{
  if (self->grabbed && is_connected (self))
    {
      int locks = _hangar_display_get_client_locks (self);

      g_debug ("Lock keys of the client: 0x%x", (guint) locks);
      hangar_console_session_sync_locks (self->session, locks);
    }
}

static void
session_guest_locks_cb (HangarDisplay        *self,
                        HangarConsoleSession *session)
{
  sync_locks (self);
}

void
_hangar_display_set_grabbed (HangarDisplay *self,
                             gboolean       grabbed)
{
  GtkNative *native;

  g_return_if_fail (HANGAR_IS_DISPLAY (self));

  grabbed = !!grabbed && is_connected (self);
  if (self->grabbed == grabbed)
    return;

  self->grabbed = grabbed;
  set_toplevel_shortcuts_enabled (self, !grabbed);

  native = gtk_widget_get_native (GTK_WIDGET (self));
  if (native != NULL && GDK_IS_TOPLEVEL (gtk_native_get_surface (native)))
    {
      GdkToplevel *toplevel = GDK_TOPLEVEL (gtk_native_get_surface (native));

      /* Asks Wayland compositors to pass their own shortcuts (Super, Alt+Tab) to us too. */
      if (grabbed)
        gdk_toplevel_inhibit_system_shortcuts (toplevel, NULL);
      else
        gdk_toplevel_restore_system_shortcuts (toplevel);
    }

  if (!grabbed && self->session != NULL)
    hangar_console_session_release_all_keys (self->session);
  sync_locks (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GRABBED]);
}

/**
 * hangar_display_release_grab:
 *
 * Gives the keyboard back to the application (what Ctrl+Alt does). Keys held in the guest are
 * released.
 */
void
hangar_display_release_grab (HangarDisplay *self)
{
  g_return_if_fail (HANGAR_IS_DISPLAY (self));

  _hangar_display_set_grabbed (self, FALSE);
}

static gboolean
is_ctrl_alt (guint           keyval,
             GdkModifierType state)
{
  switch (keyval)
    {
    case GDK_KEY_Control_L:
    case GDK_KEY_Control_R:
      return (state & GDK_ALT_MASK) != 0;
    case GDK_KEY_Alt_L:
    case GDK_KEY_Alt_R:
    case GDK_KEY_Meta_L:
    case GDK_KEY_Meta_R:
      return (state & GDK_CONTROL_MASK) != 0;
    default:
      return FALSE;
    }
}

gboolean
_hangar_display_key_event (HangarDisplay   *self,
                           gboolean         down,
                           guint            keyval,
                           guint            keycode,
                           GdkModifierType  state)
{
  guint qnum;

  g_return_val_if_fail (HANGAR_IS_DISPLAY (self), FALSE);

  if (!is_connected (self))
    return FALSE;

  if (!self->grabbed)
    {
      /* Focused but released with Ctrl+Alt: keys belong to the app (Tab leaves); Return or
       * space takes the keyboard again. */
      if (down && gtk_widget_has_focus (GTK_WIDGET (self)) &&
          (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_space) &&
          (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) == 0)
        {
          _hangar_display_set_grabbed (self, TRUE);
          return TRUE;
        }
      return FALSE;
    }

  if (down && is_ctrl_alt (keyval, state))
    {
      _hangar_display_set_grabbed (self, FALSE);
      return TRUE;
    }

  qnum = hangar_keymap_keycode_to_qnum (keycode);
  if (qnum == 0)
    {
      g_debug ("No scancode for keycode %u (keyval 0x%x)", keycode, keyval);
      return TRUE;
    }

  hangar_console_session_key (self->session, down, qnum, keyval);
  return TRUE;
}

static gboolean
key_pressed_cb (HangarDisplay         *self,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                GtkEventControllerKey *controller)
{
  return _hangar_display_key_event (self, TRUE, keyval, keycode, state);
}

static void
key_released_cb (HangarDisplay         *self,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 GtkEventControllerKey *controller)
{
  _hangar_display_key_event (self, FALSE, keyval, keycode, state);
}

static void
send_pointer (HangarDisplay *self,
              double         x,
              double         y)
{
  int gx, gy;

  if (!is_connected (self) || self->fb == NULL)
    return;

  hangar_display_widget_to_guest (self, x, y, &gx, &gy);
  hangar_console_session_pointer (self->session, gx, gy, self->buttons);
}

static HangarButtons
button_mask (guint button)
{
  switch (button)
    {
    case GDK_BUTTON_PRIMARY:   return HANGAR_BUTTON_LEFT;
    case GDK_BUTTON_MIDDLE:    return HANGAR_BUTTON_MIDDLE;
    case GDK_BUTTON_SECONDARY: return HANGAR_BUTTON_RIGHT;
    default:                   return 0;
    }
}

void
_hangar_display_button_event (HangarDisplay *self,
                              gboolean       down,
                              guint          button,
                              double         x,
                              double         y)
{
  g_return_if_fail (HANGAR_IS_DISPLAY (self));

  if (down)
    {
      /* A click into the console gives it the keyboard. */
      if (!gtk_widget_has_focus (GTK_WIDGET (self)))
        gtk_widget_grab_focus (GTK_WIDGET (self));
      if (!self->grabbed)
        _hangar_display_set_grabbed (self, TRUE);
      self->buttons |= button_mask (button);
    }
  else
    self->buttons &= ~button_mask (button);

  send_pointer (self, x, y);
}

void
_hangar_display_motion_event (HangarDisplay *self,
                              double         x,
                              double         y)
{
  g_return_if_fail (HANGAR_IS_DISPLAY (self));

  send_pointer (self, x, y);
}

void
_hangar_display_scroll_event (HangarDisplay      *self,
                              GdkScrollDirection  direction,
                              double              x,
                              double              y)
{
  int gx, gy;

  g_return_if_fail (HANGAR_IS_DISPLAY (self));

  if (!is_connected (self) || self->fb == NULL)
    return;

  hangar_display_widget_to_guest (self, x, y, &gx, &gy);
  hangar_console_session_scroll (self->session, gx, gy, self->buttons, direction);
}

static void
smooth_scroll (HangarDisplay *self,
               GdkEvent      *event,
               double         x,
               double         y)
{
  double dx, dy;

  /* Touchpads send fractions of a step; a wheel step goes out per whole unit. */
  gdk_scroll_event_get_deltas (event, &dx, &dy);
  self->scroll_dx += dx;
  self->scroll_dy += dy;
  for (; self->scroll_dy >= 1.0; self->scroll_dy -= 1.0)
    _hangar_display_scroll_event (self, GDK_SCROLL_DOWN, x, y);
  for (; self->scroll_dy <= -1.0; self->scroll_dy += 1.0)
    _hangar_display_scroll_event (self, GDK_SCROLL_UP, x, y);
  for (; self->scroll_dx >= 1.0; self->scroll_dx -= 1.0)
    _hangar_display_scroll_event (self, GDK_SCROLL_RIGHT, x, y);
  for (; self->scroll_dx <= -1.0; self->scroll_dx += 1.0)
    _hangar_display_scroll_event (self, GDK_SCROLL_LEFT, x, y);
}

static gboolean
legacy_event_cb (HangarDisplay            *self,
                 GdkEvent                 *event,
                 GtkEventControllerLegacy *controller)
{
  GdkEventType type = gdk_event_get_event_type (event);
  GtkNative *native;
  double x, y, nx, ny;

  if (type != GDK_BUTTON_PRESS && type != GDK_BUTTON_RELEASE &&
      type != GDK_MOTION_NOTIFY && type != GDK_SCROLL)
    return FALSE;

  /* Event coordinates are relative to the surface; bring them into the widget. Scroll events
   * carry none: they happen where the pointer last was. */
  native = gtk_widget_get_native (GTK_WIDGET (self));
  if (native == NULL)
    return FALSE;
  if (gdk_event_get_position (event, &x, &y))
    {
      gtk_native_get_surface_transform (native, &nx, &ny);
      if (!gtk_widget_translate_coordinates (GTK_WIDGET (native), GTK_WIDGET (self),
                                             x - nx, y - ny, &x, &y))
        return FALSE;
      self->pointer_x = x;
      self->pointer_y = y;
    }
  else
    {
      x = self->pointer_x;
      y = self->pointer_y;
    }

  switch ((int) type)
    {
    case GDK_BUTTON_PRESS:
    case GDK_BUTTON_RELEASE:
      _hangar_display_button_event (self, type == GDK_BUTTON_PRESS,
                                    gdk_button_event_get_button (event), x, y);
      return TRUE;

    case GDK_MOTION_NOTIFY:
      _hangar_display_motion_event (self, x, y);
      return is_connected (self);

    case GDK_SCROLL:
      if (gdk_scroll_event_get_direction (event) == GDK_SCROLL_SMOOTH)
        smooth_scroll (self, event, x, y);
      else
        _hangar_display_scroll_event (self, gdk_scroll_event_get_direction (event), x, y);
      return TRUE;

    default:
      return FALSE;
    }
}

static void
focus_enter_cb (HangarDisplay *self)
{
  _hangar_display_set_grabbed (self, TRUE);
}

static void
focus_leave_cb (HangarDisplay *self)
{
  _hangar_display_set_grabbed (self, FALSE);
  if (self->session != NULL)
    hangar_console_session_release_all_keys (self->session);
}

/**
 * hangar_display_send_keys:
 * @qnums: (array length=n_qnums): QEMU key numbers, pressed in order and released in reverse
 *
 * Sends a key combination the host would otherwise take (Ctrl+Alt+Del, Ctrl+Alt+F1…).
 */
void
hangar_display_send_keys (HangarDisplay *self,
                          const guint   *qnums,
                          guint          n_qnums)
{
  g_return_if_fail (HANGAR_IS_DISPLAY (self));
  g_return_if_fail (qnums != NULL || n_qnums == 0);

  if (!is_connected (self))
    return;

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n_qnums; i++)
      {
        guint qnum = pass == 0 ? qnums[i] : qnums[n_qnums - 1 - i];
        guint keyval = 0;

        for (guint k = 0; k < G_N_ELEMENTS (qnum_keyvals); k++)
          if (qnum_keyvals[k].qnum == qnum)
            keyval = qnum_keyvals[k].keyval;

        hangar_console_session_key (self->session, pass == 0, qnum, keyval);
      }
}

static void
update_cursor (HangarDisplay *self)
{
  g_autoptr(GdkCursor) cursor = NULL;

  if (self->session != NULL && is_connected (self))
    g_object_get (self->session, "cursor", &cursor, NULL);

  gtk_widget_set_cursor (GTK_WIDGET (self), cursor);
}

static void
fb_damaged_cb (HangarDisplay     *self,
               int                x,
               int                y,
               int                width,
               int                height,
               HangarFramebuffer *fb)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
set_framebuffer (HangarDisplay     *self,
                 HangarFramebuffer *fb)
{
  if (self->fb == fb)
    return;

  if (self->fb != NULL)
    g_signal_handlers_disconnect_by_data (self->fb, self);
  g_set_object (&self->fb, fb);
  if (self->fb != NULL)
    g_signal_connect_object (self->fb, "damaged", G_CALLBACK (fb_damaged_cb), self,
                             G_CONNECT_SWAPPED);

  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
session_framebuffer_cb (HangarDisplay        *self,
                        GParamSpec           *pspec,
                        HangarConsoleSession *session)
{
  set_framebuffer (self, hangar_console_session_get_framebuffer (session));
}

static void
session_state_cb (HangarDisplay        *self,
                  GParamSpec           *pspec,
                  HangarConsoleSession *session)
{
  HangarConsoleState state = hangar_console_session_get_state (session);

  if (state == HANGAR_CONSOLE_STATE_CONNECTED)
    {
      /* Connected while we already have the focus: take the keyboard now. */
      if (gtk_widget_has_focus (GTK_WIDGET (self)))
        _hangar_display_set_grabbed (self, TRUE);
    }
  else
    {
      self->buttons = 0;
      if (self->grabbed)
        {
          self->grabbed = FALSE;
          set_toplevel_shortcuts_enabled (self, TRUE);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GRABBED]);
        }
    }

  update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
session_cursor_cb (HangarDisplay        *self,
                   GParamSpec           *pspec,
                   HangarConsoleSession *session)
{
  update_cursor (self);
}

void
hangar_display_set_session (HangarDisplay        *self,
                            HangarConsoleSession *session)
{
  g_return_if_fail (HANGAR_IS_DISPLAY (self));
  g_return_if_fail (session == NULL || HANGAR_IS_CONSOLE_SESSION (session));

  if (self->session == session)
    return;

  _hangar_display_set_grabbed (self, FALSE);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);

  if (session != NULL)
    {
      g_signal_connect_object (session, "notify::framebuffer",
                               G_CALLBACK (session_framebuffer_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (session, "notify::state",
                               G_CALLBACK (session_state_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (session, "notify::cursor",
                               G_CALLBACK (session_cursor_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (session, "guest-locks-changed",
                               G_CALLBACK (session_guest_locks_cb), self, G_CONNECT_SWAPPED);
      set_framebuffer (self, hangar_console_session_get_framebuffer (session));
    }
  else
    set_framebuffer (self, NULL);

  update_cursor (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

/**
 * hangar_display_get_session:
 *
 * Returns: (transfer none) (nullable): the session shown
 */
HangarConsoleSession *
hangar_display_get_session (HangarDisplay *self)
{
  g_return_val_if_fail (HANGAR_IS_DISPLAY (self), NULL);

  return self->session;
}

gboolean
hangar_display_get_scale_to_fit (HangarDisplay *self)
{
  g_return_val_if_fail (HANGAR_IS_DISPLAY (self), FALSE);

  return self->scale_to_fit;
}

void
hangar_display_set_scale_to_fit (HangarDisplay *self,
                                 gboolean       scale_to_fit)
{
  g_return_if_fail (HANGAR_IS_DISPLAY (self));

  scale_to_fit = !!scale_to_fit;
  if (self->scale_to_fit == scale_to_fit)
    return;

  self->scale_to_fit = scale_to_fit;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE_TO_FIT]);
}

HangarFramebufferNodes
hangar_display_get_nodes (HangarDisplay *self)
{
  g_return_val_if_fail (HANGAR_IS_DISPLAY (self), HANGAR_FRAMEBUFFER_NODES_AUTO);

  return self->nodes;
}

/**
 * hangar_display_set_nodes:
 *
 * Forces the render node kind for tiles (%HANGAR_FRAMEBUFFER_NODES_AUTO: by renderer). For
 * tests and benchmarks; the environment variable HANGAR_DISPLAY_NODES=cairo|texture|live sets the
 * default.
 */
void
hangar_display_set_nodes (HangarDisplay          *self,
                          HangarFramebufferNodes  nodes)
{
  g_return_if_fail (HANGAR_IS_DISPLAY (self));

  if (self->nodes == nodes)
    return;

  self->nodes = nodes;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NODES]);
}

gboolean
hangar_display_get_grabbed (HangarDisplay *self)
{
  g_return_val_if_fail (HANGAR_IS_DISPLAY (self), FALSE);

  return self->grabbed;
}

guint64
hangar_display_get_n_frames (HangarDisplay *self)
{
  g_return_val_if_fail (HANGAR_IS_DISPLAY (self), 0);

  return self->n_frames;
}

static void
resize_guest_cb (gpointer data)
{
  HangarDisplay *self = data;
  int sf = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  int width = gtk_widget_get_width (GTK_WIDGET (self)) * sf;
  int height = gtk_widget_get_height (GTK_WIDGET (self)) * sf;

  self->resize_id = 0;
  if (!is_connected (self) || width <= 0 || height <= 0)
    return;

  /* In device pixels, so that the guest is 1:1 on HiDPI screens too. The view keeps scaling
   * when the guest cannot resize (VNC without extended desktop size, SPICE without agent). */
  g_debug ("Asking the guest for %dx%d: %s", width, height,
           hangar_console_session_request_size (self->session, width, height) ? "sent" : "not possible");
}

static void
hangar_display_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  HangarDisplay *self = HANGAR_DISPLAY (widget);

  GTK_WIDGET_CLASS (hangar_display_parent_class)->size_allocate (widget, width, height, baseline);

  /* gtk-vnc waits 500 ms for the window size to settle before asking the guest. */
  if (self->resize_guest && is_connected (self))
    {
      g_clear_handle_id (&self->resize_id, g_source_remove);
      self->resize_id = g_timeout_add_once (500, resize_guest_cb, self);
    }
}

gboolean
hangar_display_get_resize_guest (HangarDisplay *self)
{
  g_return_val_if_fail (HANGAR_IS_DISPLAY (self), FALSE);

  return self->resize_guest;
}

/**
 * hangar_display_set_resize_guest:
 *
 * Whether to ask the guest to take the size of the view whenever it changes.
 */
void
hangar_display_set_resize_guest (HangarDisplay *self,
                                 gboolean       resize_guest)
{
  g_return_if_fail (HANGAR_IS_DISPLAY (self));

  resize_guest = !!resize_guest;
  if (self->resize_guest == resize_guest)
    return;

  self->resize_guest = resize_guest;
  if (resize_guest)
    gtk_widget_queue_allocate (GTK_WIDGET (self));
  else
    g_clear_handle_id (&self->resize_id, g_source_remove);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESIZE_GUEST]);
}

static void
hangar_display_unmap (GtkWidget *widget)
{
  HangarDisplay *self = HANGAR_DISPLAY (widget);

  _hangar_display_set_grabbed (self, FALSE);
  if (self->session != NULL)
    hangar_console_session_release_all_keys (self->session);

  GTK_WIDGET_CLASS (hangar_display_parent_class)->unmap (widget);
}

static void
hangar_display_dispose (GObject *object)
{
  HangarDisplay *self = (HangarDisplay *)object;

  set_toplevel_shortcuts_enabled (self, TRUE);
  g_clear_handle_id (&self->resize_id, g_source_remove);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  set_framebuffer (self, NULL);

  G_OBJECT_CLASS (hangar_display_parent_class)->dispose (object);
}

static void
hangar_display_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HangarDisplay *self = HANGAR_DISPLAY (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_SCALE_TO_FIT:
      g_value_set_boolean (value, self->scale_to_fit);
      break;

    case PROP_NODES:
      g_value_set_int (value, self->nodes);
      break;

    case PROP_GRABBED:
      g_value_set_boolean (value, self->grabbed);
      break;

    case PROP_RESIZE_GUEST:
      g_value_set_boolean (value, self->resize_guest);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_display_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  HangarDisplay *self = HANGAR_DISPLAY (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      hangar_display_set_session (self, g_value_get_object (value));
      break;

    case PROP_SCALE_TO_FIT:
      hangar_display_set_scale_to_fit (self, g_value_get_boolean (value));
      break;

    case PROP_NODES:
      hangar_display_set_nodes (self, g_value_get_int (value));
      break;

    case PROP_RESIZE_GUEST:
      hangar_display_set_resize_guest (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_display_class_init (HangarDisplayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hangar_display_dispose;
  object_class->get_property = hangar_display_get_property;
  object_class->set_property = hangar_display_set_property;

  widget_class->snapshot = hangar_display_snapshot;
  widget_class->measure = hangar_display_measure;
  widget_class->unmap = hangar_display_unmap;
  widget_class->size_allocate = hangar_display_size_allocate;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         HANGAR_TYPE_CONSOLE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCALE_TO_FIT] =
    g_param_spec_boolean ("scale-to-fit", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NODES] =
    g_param_spec_int ("nodes", NULL, NULL,
                      HANGAR_FRAMEBUFFER_NODES_AUTO, HANGAR_FRAMEBUFFER_NODES_LIVE,
                      HANGAR_FRAMEBUFFER_NODES_AUTO,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_GRABBED] =
    g_param_spec_boolean ("grabbed", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RESIZE_GUEST] =
    g_param_spec_boolean ("resize-guest", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "hangar-display");
  map_frame_counter ();
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
hangar_display_init (HangarDisplay *self)
{
  GtkEventController *controller;
  const char *nodes = g_getenv ("HANGAR_DISPLAY_NODES");

  self->scale_to_fit = TRUE;
  self->test_locks = -1;
  if (g_strcmp0 (nodes, "cairo") == 0)
    self->nodes = HANGAR_FRAMEBUFFER_NODES_CAIRO;
  else if (g_strcmp0 (nodes, "texture") == 0)
    self->nodes = HANGAR_FRAMEBUFFER_NODES_TEXTURE;
  else if (g_strcmp0 (nodes, "live") == 0)
    self->nodes = HANGAR_FRAMEBUFFER_NODES_LIVE;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  g_signal_connect_swapped (controller, "key-released", G_CALLBACK (key_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_legacy_new ();
  g_signal_connect_swapped (controller, "event", G_CALLBACK (legacy_event_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (controller, "enter", G_CALLBACK (focus_enter_cb), self);
  g_signal_connect_swapped (controller, "leave", G_CALLBACK (focus_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

GtkWidget *
hangar_display_new (void)
{
  return g_object_new (HANGAR_TYPE_DISPLAY, NULL);
}
