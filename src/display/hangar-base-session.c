/* hangar-base-session.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-base-session"

#include "config.h"

#include <glib/gi18n.h>

#include "hangar-base-session.h"

/* How long the guest has to confirm lock keys we toggled before its reports count as its own
 * changes again. */
#define LOCKS_CONFIRM_USEC (G_USEC_PER_SEC)

typedef struct
{
  HangarConsoleState  state;
  /* Owned; replaced on resize. */
  HangarFramebuffer  *framebuffer;
  /* Owned; NULL for the default cursor. */
  GdkCursor          *cursor;
  /* Owned; the first error of the last connection (it explains the rest). */
  GError             *error;
  gboolean            absolute_pointer;
  /* The lock keys we toggled the guest's towards, or -1; and when. */
  int                 locks_asked;
  gint64              locks_asked_time;
  /* g_get_monotonic_time () of the last open, for the first-picture time in the debug log. */
  gint64              open_time;
} HangarBaseSessionPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (HangarBaseSession, hangar_base_session, G_TYPE_OBJECT,
                                  G_ADD_PRIVATE (HangarBaseSession)
                                  G_IMPLEMENT_INTERFACE (HANGAR_TYPE_CONSOLE_SESSION, NULL))

enum {
  PROP_0,
  PROP_STATE,
  PROP_FRAMEBUFFER,
  PROP_CURSOR,
  PROP_ABSOLUTE_POINTER,
  PROP_HAS_EXT_KEYS,
  PROP_ERROR,
  N_PROPS,
};

HangarConsoleState
hangar_base_session_get_state (HangarBaseSession *self)
{
  HangarBaseSessionPrivate *priv;

  g_return_val_if_fail (HANGAR_IS_BASE_SESSION (self), HANGAR_CONSOLE_STATE_DISCONNECTED);

  priv = hangar_base_session_get_instance_private (self);

  return priv->state;
}

/**
 * hangar_base_session_get_framebuffer:
 *
 * Returns: (transfer none) (nullable): the current framebuffer
 */
HangarFramebuffer *
hangar_base_session_get_framebuffer (HangarBaseSession *self)
{
  HangarBaseSessionPrivate *priv;

  g_return_val_if_fail (HANGAR_IS_BASE_SESSION (self), NULL);

  priv = hangar_base_session_get_instance_private (self);

  return priv->framebuffer;
}

gboolean
hangar_base_session_has_error (HangarBaseSession *self)
{
  HangarBaseSessionPrivate *priv;

  g_return_val_if_fail (HANGAR_IS_BASE_SESSION (self), FALSE);

  priv = hangar_base_session_get_instance_private (self);

  return priv->error != NULL;
}

/**
 * hangar_base_session_clamp_to_framebuffer:
 * @x: (inout): a guest x
 * @y: (inout): a guest y
 *
 * Moves a pointer position that fell outside the guest's screen to its edge.
 *
 * Returns: %FALSE if there is no screen yet
 */
gboolean
hangar_base_session_clamp_to_framebuffer (HangarBaseSession *self,
                                          int               *x,
                                          int               *y)
{
  HangarBaseSessionPrivate *priv;

  g_return_val_if_fail (HANGAR_IS_BASE_SESSION (self), FALSE);

  priv = hangar_base_session_get_instance_private (self);

  if (priv->framebuffer == NULL)
    return FALSE;

  *x = CLAMP (*x, 0, (int) hangar_framebuffer_get_width (priv->framebuffer) - 1);
  *y = CLAMP (*y, 0, (int) hangar_framebuffer_get_height (priv->framebuffer) - 1);
  return TRUE;
}

/**
 * hangar_base_session_begin:
 *
 * A new connection starts: forgets the last one's error and lock keys, and goes to
 * %HANGAR_CONSOLE_STATE_CONNECTING.
 */
void
hangar_base_session_begin (HangarBaseSession *self)
{
  HangarBaseSessionPrivate *priv;

  g_return_if_fail (HANGAR_IS_BASE_SESSION (self));

  priv = hangar_base_session_get_instance_private (self);

  if (priv->error != NULL)
    {
      g_clear_error (&priv->error);
      g_object_notify (G_OBJECT (self), "error");
    }
  priv->locks_asked = -1;
  priv->open_time = g_get_monotonic_time ();
  hangar_base_session_set_state (self, HANGAR_CONSOLE_STATE_CONNECTING);
}

void
hangar_base_session_set_state (HangarBaseSession  *self,
                               HangarConsoleState  state)
{
  HangarBaseSessionPrivate *priv;

  g_return_if_fail (HANGAR_IS_BASE_SESSION (self));

  priv = hangar_base_session_get_instance_private (self);

  if (priv->state == state)
    return;

  if (priv->state == HANGAR_CONSOLE_STATE_CONNECTING && state == HANGAR_CONSOLE_STATE_CONNECTED)
    g_debug ("First picture after %.1f ms", (g_get_monotonic_time () - priv->open_time) / 1000.0);
  priv->state = state;
  g_object_notify (G_OBJECT (self), "state");
}

/**
 * hangar_base_session_disconnected:
 *
 * The connection ended: goes to %HANGAR_CONSOLE_STATE_DISCONNECTED, with an error that says so
 * unless an earlier one explains it.
 */
void
hangar_base_session_disconnected (HangarBaseSession *self)
{
  HangarBaseSessionPrivate *priv;

  g_return_if_fail (HANGAR_IS_BASE_SESSION (self));

  priv = hangar_base_session_get_instance_private (self);

  if (priv->state == HANGAR_CONSOLE_STATE_CONNECTED)
    hangar_base_session_fail (self, HANGAR_DISPLAY_ERROR_CLOSED, _("The connection was closed"));
  else
    hangar_base_session_fail (self, HANGAR_DISPLAY_ERROR_CLOSED,
                              _("The console server ended the connection before showing the screen"));
  hangar_base_session_set_state (self, HANGAR_CONSOLE_STATE_DISCONNECTED);
}

/**
 * hangar_base_session_open_failed:
 * @error: the error of the open call
 * @format: the message, for the user
 *
 * The protocol could not even start: back to %HANGAR_CONSOLE_STATE_DISCONNECTED.
 *
 * Returns: %FALSE, with @error set (%HANGAR_DISPLAY_ERROR_CONNECT)
 */
gboolean
hangar_base_session_open_failed (HangarBaseSession  *self,
                                 GError            **error,
                                 const char         *format,
                                 ...)
{
  va_list args;

  g_return_val_if_fail (HANGAR_IS_BASE_SESSION (self), FALSE);

  hangar_base_session_set_state (self, HANGAR_CONSOLE_STATE_DISCONNECTED);
  if (error != NULL)
    {
      va_start (args, format);
      *error = g_error_new_valist (HANGAR_DISPLAY_ERROR, HANGAR_DISPLAY_ERROR_CONNECT,
                                   format, args);
      va_end (args);
    }
  return FALSE;
}

/**
 * hangar_base_session_set_error:
 * @error: (transfer full): what went wrong
 *
 * Keeps @error if it is the connection's first: that one explains the rest.
 */
void
hangar_base_session_set_error (HangarBaseSession *self,
                               GError            *error)
{
  HangarBaseSessionPrivate *priv;

  g_return_if_fail (HANGAR_IS_BASE_SESSION (self));

  priv = hangar_base_session_get_instance_private (self);
  g_return_if_fail (error != NULL);

  if (priv->error != NULL)
    {
      g_debug ("Further error: %s", error->message);
      g_error_free (error);
      return;
    }

  g_debug ("Error: %s", error->message);
  priv->error = error;
  g_object_notify (G_OBJECT (self), "error");
}

/**
 * hangar_base_session_fail:
 * @code: a #HangarDisplayError
 * @format: the message, for the user
 *
 * hangar_base_session_set_error() with a new #HANGAR_DISPLAY_ERROR.
 */
void
hangar_base_session_fail (HangarBaseSession  *self,
                          HangarDisplayError  code,
                          const char         *format,
                          ...)
{
  va_list args;
  GError *error;

  g_return_if_fail (HANGAR_IS_BASE_SESSION (self));

  va_start (args, format);
  error = g_error_new_valist (HANGAR_DISPLAY_ERROR, code, format, args);
  va_end (args);
  hangar_base_session_set_error (self, error);
}

/**
 * hangar_base_session_replace_error:
 * @error: (transfer full): a better explanation than the error kept so far
 */
void
hangar_base_session_replace_error (HangarBaseSession *self,
                                   GError            *error)
{
  HangarBaseSessionPrivate *priv;

  g_return_if_fail (HANGAR_IS_BASE_SESSION (self));

  priv = hangar_base_session_get_instance_private (self);

  g_clear_error (&priv->error);
  hangar_base_session_set_error (self, error);
}

void
hangar_base_session_set_framebuffer (HangarBaseSession *self,
                                     HangarFramebuffer *framebuffer)
{
  HangarBaseSessionPrivate *priv;

  g_return_if_fail (HANGAR_IS_BASE_SESSION (self));

  priv = hangar_base_session_get_instance_private (self);

  if (g_set_object (&priv->framebuffer, framebuffer))
    g_object_notify (G_OBJECT (self), "framebuffer");
}

/**
 * hangar_base_session_set_cursor:
 * @cursor: (nullable) (transfer none): the guest's cursor, or %NULL for the default
 */
void
hangar_base_session_set_cursor (HangarBaseSession *self,
                                GdkCursor         *cursor)
{
  HangarBaseSessionPrivate *priv;

  g_return_if_fail (HANGAR_IS_BASE_SESSION (self));

  priv = hangar_base_session_get_instance_private (self);

  /* Every shape the guest sends is news, even one equal to the last. */
  g_set_object (&priv->cursor, cursor);
  g_object_notify (G_OBJECT (self), "cursor");
}

void
hangar_base_session_set_absolute_pointer (HangarBaseSession *self,
                                          gboolean           absolute)
{
  HangarBaseSessionPrivate *priv;

  g_return_if_fail (HANGAR_IS_BASE_SESSION (self));

  priv = hangar_base_session_get_instance_private (self);

  absolute = !!absolute;
  if (priv->absolute_pointer == absolute)
    return;

  priv->absolute_pointer = absolute;
  g_object_notify (G_OBJECT (self), "absolute-pointer");
}

/**
 * hangar_base_session_expected_locks:
 * @guest: the lock keys the guest last reported
 *
 * Returns: the guest's lock keys once the toggles we sent and it has not confirmed yet are done
 */
int
hangar_base_session_expected_locks (HangarBaseSession *self,
                                    int                guest)
{
  HangarBaseSessionPrivate *priv;

  g_return_val_if_fail (HANGAR_IS_BASE_SESSION (self), guest);

  priv = hangar_base_session_get_instance_private (self);

  return priv->locks_asked >= 0 ? priv->locks_asked : guest;
}

/* We toggled the guest's lock keys towards @locks. */
void
hangar_base_session_locks_asked (HangarBaseSession *self,
                                 HangarLocks        locks)
{
  HangarBaseSessionPrivate *priv;

  g_return_if_fail (HANGAR_IS_BASE_SESSION (self));

  priv = hangar_base_session_get_instance_private (self);

  priv->locks_asked = locks;
  priv->locks_asked_time = g_get_monotonic_time ();
}

/**
 * hangar_base_session_guest_locks:
 * @guest: the lock keys the guest reports now
 *
 * Emits #HangarConsoleSession::guest-locks-changed unless @guest is a step of toggles we asked
 * for: the guest reports after each key we toggled, and answering the states in between toggled
 * the same key back and forth.
 */
void
hangar_base_session_guest_locks (HangarBaseSession *self,
                                 HangarLocks        guest)
{
  HangarBaseSessionPrivate *priv;

  g_return_if_fail (HANGAR_IS_BASE_SESSION (self));

  priv = hangar_base_session_get_instance_private (self);

  if (priv->locks_asked >= 0)
    {
      gboolean confirmed = (int) guest == priv->locks_asked;

      if (!confirmed && g_get_monotonic_time () - priv->locks_asked_time < LOCKS_CONFIRM_USEC)
        return;
      priv->locks_asked = -1;
      if (confirmed)
        return;
    }

  g_signal_emit_by_name (self, "guest-locks-changed");
}

static gboolean
hangar_base_session_real_has_ext_keys (HangarBaseSession *self)
{
  return FALSE;
}

static void
hangar_base_session_dispose (GObject *object)
{
  HangarBaseSession *self = (HangarBaseSession *)object;
  HangarBaseSessionPrivate *priv = hangar_base_session_get_instance_private (self);

  g_clear_object (&priv->framebuffer);
  g_clear_object (&priv->cursor);

  G_OBJECT_CLASS (hangar_base_session_parent_class)->dispose (object);
}

static void
hangar_base_session_finalize (GObject *object)
{
  HangarBaseSession *self = (HangarBaseSession *)object;
  HangarBaseSessionPrivate *priv = hangar_base_session_get_instance_private (self);

  g_clear_error (&priv->error);

  G_OBJECT_CLASS (hangar_base_session_parent_class)->finalize (object);
}

static void
hangar_base_session_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  HangarBaseSession *self = HANGAR_BASE_SESSION (object);
  HangarBaseSessionPrivate *priv = hangar_base_session_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, priv->state);
      break;

    case PROP_FRAMEBUFFER:
      g_value_set_object (value, priv->framebuffer);
      break;

    case PROP_CURSOR:
      g_value_set_object (value, priv->cursor);
      break;

    case PROP_ABSOLUTE_POINTER:
      g_value_set_boolean (value, priv->absolute_pointer);
      break;

    case PROP_HAS_EXT_KEYS:
      g_value_set_boolean (value, HANGAR_BASE_SESSION_GET_CLASS (self)->has_ext_keys (self));
      break;

    case PROP_ERROR:
      g_value_set_boxed (value, priv->error);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_base_session_class_init (HangarBaseSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hangar_base_session_dispose;
  object_class->finalize = hangar_base_session_finalize;
  object_class->get_property = hangar_base_session_get_property;

  klass->has_ext_keys = hangar_base_session_real_has_ext_keys;

  g_object_class_override_property (object_class, PROP_STATE, "state");
  g_object_class_override_property (object_class, PROP_FRAMEBUFFER, "framebuffer");
  g_object_class_override_property (object_class, PROP_CURSOR, "cursor");
  g_object_class_override_property (object_class, PROP_ABSOLUTE_POINTER, "absolute-pointer");
  g_object_class_override_property (object_class, PROP_HAS_EXT_KEYS, "has-ext-keys");
  g_object_class_override_property (object_class, PROP_ERROR, "error");
}

static void
hangar_base_session_init (HangarBaseSession *self)
{
  HangarBaseSessionPrivate *priv = hangar_base_session_get_instance_private (self);

  priv->absolute_pointer = TRUE;
  priv->locks_asked = -1;
}
