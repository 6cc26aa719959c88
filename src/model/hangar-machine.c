/* hangar-machine.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-machine"

#include "config.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>
#include <unistd.h>

#include "hangar-connection-private.h"
#include "hangar-error.h"
#include "hangar-machine-private.h"
#include "hangar-model-enums.h"
#include "hangar-os-db.h"
#include "hangar-ssh-tunnel.h"

struct _HangarMachine
{
  GObject             parent_instance;

  HangarConnection   *connection;  /* weak pointer: the connection's list store owns us */
  virDomainPtr        domain;      /* owned ref; NULL while the connection is down */

  char               *uuid;
  char               *name;
  char               *title;
  char               *os_id;
  char               *os_name;
  char               *uri;         /* the connection's, for error messages in workers */

  HangarMachineState  state;
  guint64             memory;
  guint               vcpus;
  guint               busy;        /* actions in flight */
  guint               persistent : 1;
  guint               summary : 2; /* title/OS: SUMMARY_UNKNOWN, _QUEUED or _KNOWN */
};

enum {
  SUMMARY_UNKNOWN,
  SUMMARY_QUEUED,
  SUMMARY_KNOWN,
};

G_DEFINE_FINAL_TYPE (HangarMachine, hangar_machine, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (HangarMachineDetails, hangar_machine_details,
                     hangar_machine_details_copy, hangar_machine_details_free)

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_NAME,
  PROP_UUID,
  PROP_TITLE,
  PROP_OS_NAME,
  PROP_STATE,
  PROP_STATE_LABEL,
  PROP_STATE_ICON,
  PROP_MEMORY,
  PROP_VCPUS,
  PROP_PERSISTENT,
  PROP_BUSY,
  PROP_AVAILABLE,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

/* HangarMachineDetails */

/**
 * hangar_machine_details_copy:
 * @details: details
 *
 * Returns: (transfer full): a deep copy
 */
HangarMachineDetails *
hangar_machine_details_copy (const HangarMachineDetails *details)
{
  HangarMachineDetails *copy;

  g_return_val_if_fail (details != NULL, NULL);

  copy = g_new0 (HangarMachineDetails, 1);
  copy->disks = g_strdupv (details->disks);
  copy->disk_paths = g_strdupv (details->disk_paths);
  copy->networks = g_strdupv (details->networks);
  copy->graphics = g_strdup (details->graphics);
  copy->os_id = g_strdup (details->os_id);
  copy->arch = g_strdup (details->arch);
  copy->emulator_type = g_strdup (details->emulator_type);
  copy->has_nvram = details->has_nvram;
  copy->n_snapshots = details->n_snapshots;
  copy->graphics_type = g_strdup (details->graphics_type);
  copy->graphics_listen = g_strdup (details->graphics_listen);
  copy->graphics_port = details->graphics_port;
  copy->graphics_socket = g_strdup (details->graphics_socket);

  return copy;
}

void
hangar_machine_details_free (HangarMachineDetails *details)
{
  if (details == NULL)
    return;

  g_strfreev (details->disks);
  g_strfreev (details->disk_paths);
  g_strfreev (details->networks);
  g_free (details->graphics);
  g_free (details->os_id);
  g_free (details->arch);
  g_free (details->emulator_type);
  g_free (details->graphics_type);
  g_free (details->graphics_listen);
  g_free (details->graphics_socket);
  g_free (details);
}

/* HangarMachineInfo */

void
_hangar_machine_info_free (HangarMachineInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->uuid);
  g_free (info->name);
  g_free (info->title);
  g_free (info->os_id);
  g_free (info->os_name);
  g_clear_pointer (&info->domain, virDomainFree);
  g_free (info);
}

/* State table */

/**
 * hangar_machine_state_to_label:
 * @state: a state
 *
 * Returns: (transfer none): a short translated label, such as “Running”
 */
const char *
hangar_machine_state_to_label (HangarMachineState state)
{
  switch (state)
    {
    case HANGAR_MACHINE_STATE_RUNNING:
    case HANGAR_MACHINE_STATE_BLOCKED:
      return _("Running");
    case HANGAR_MACHINE_STATE_PAUSED:
      return _("Paused");
    case HANGAR_MACHINE_STATE_SHUTDOWN:
      return _("Shutting down");
    case HANGAR_MACHINE_STATE_SHUTOFF:
      return _("Shut off");
    case HANGAR_MACHINE_STATE_CRASHED:
      return _("Crashed");
    case HANGAR_MACHINE_STATE_PMSUSPENDED:
      return _("Suspended");
    case HANGAR_MACHINE_STATE_NOSTATE:
    default:
      return _("Unknown");
    }
}

/**
 * hangar_machine_state_to_icon:
 * @state: a state
 *
 * Returns: (transfer none): a standard symbolic icon name
 */
const char *
hangar_machine_state_to_icon (HangarMachineState state)
{
  switch (state)
    {
    case HANGAR_MACHINE_STATE_RUNNING:
    case HANGAR_MACHINE_STATE_BLOCKED:
      return "media-playback-start-symbolic";
    case HANGAR_MACHINE_STATE_PAUSED:
    case HANGAR_MACHINE_STATE_PMSUSPENDED:
      return "media-playback-pause-symbolic";
    case HANGAR_MACHINE_STATE_SHUTDOWN:
    case HANGAR_MACHINE_STATE_SHUTOFF:
      return "system-shutdown-symbolic";
    case HANGAR_MACHINE_STATE_CRASHED:
      return "dialog-warning-symbolic";
    case HANGAR_MACHINE_STATE_NOSTATE:
    default:
      return "dialog-question-symbolic";
    }
}

/**
 * hangar_machine_state_allows:
 * @state: a state
 * @action: an action
 *
 * The state table alone: whether @action makes sense in @state. hangar_machine_can () also
 * looks at busy and availability.
 */
gboolean
hangar_machine_state_allows (HangarMachineState  state,
                             HangarMachineAction action)
{
  gboolean running = state == HANGAR_MACHINE_STATE_RUNNING || state == HANGAR_MACHINE_STATE_BLOCKED;

  switch (action)
    {
    case HANGAR_MACHINE_ACTION_START:
      return state == HANGAR_MACHINE_STATE_SHUTOFF;
    case HANGAR_MACHINE_ACTION_SHUTDOWN:
    case HANGAR_MACHINE_ACTION_REBOOT:
    case HANGAR_MACHINE_ACTION_PAUSE:
      return running;
    case HANGAR_MACHINE_ACTION_FORCE_OFF:
      return running ||
             state == HANGAR_MACHINE_STATE_PAUSED ||
             state == HANGAR_MACHINE_STATE_SHUTDOWN ||
             state == HANGAR_MACHINE_STATE_CRASHED ||
             state == HANGAR_MACHINE_STATE_PMSUSPENDED;
    case HANGAR_MACHINE_ACTION_RESUME:
      return state == HANGAR_MACHINE_STATE_PAUSED || state == HANGAR_MACHINE_STATE_PMSUSPENDED;
    case HANGAR_MACHINE_ACTION_DELETE:
      return TRUE;
    default:
      return FALSE;
    }
}

/* GObject */

static void
hangar_machine_dispose (GObject *object)
{
  HangarMachine *self = (HangarMachine *) object;

  g_clear_weak_pointer (&self->connection);
  /* Not the last ref to the virConnect: HangarConnection holds one until its close worker runs,
   * so this never reaches a blocking close on the main thread. */
  g_clear_pointer (&self->domain, virDomainFree);

  G_OBJECT_CLASS (hangar_machine_parent_class)->dispose (object);
}

static void
hangar_machine_finalize (GObject *object)
{
  HangarMachine *self = (HangarMachine *) object;

  g_free (self->uuid);
  g_free (self->name);
  g_free (self->title);
  g_free (self->os_id);
  g_free (self->os_name);
  g_free (self->uri);

  G_OBJECT_CLASS (hangar_machine_parent_class)->finalize (object);
}

static void
hangar_machine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HangarMachine *self = HANGAR_MACHINE (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_UUID:
      g_value_set_string (value, self->uuid);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_OS_NAME:
      g_value_set_string (value, self->os_name);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATE_LABEL:
      g_value_set_string (value, hangar_machine_get_state_label (self));
      break;
    case PROP_STATE_ICON:
      g_value_set_string (value, hangar_machine_get_state_icon (self));
      break;
    case PROP_MEMORY:
      g_value_set_uint64 (value, self->memory);
      break;
    case PROP_VCPUS:
      g_value_set_uint (value, self->vcpus);
      break;
    case PROP_PERSISTENT:
      g_value_set_boolean (value, self->persistent);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy > 0);
      break;
    case PROP_AVAILABLE:
      g_value_set_boolean (value, hangar_machine_get_available (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_machine_class_init (HangarMachineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hangar_machine_dispose;
  object_class->finalize = hangar_machine_finalize;
  object_class->get_property = hangar_machine_get_property;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, HANGAR_TYPE_CONNECTION,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_UUID] =
    g_param_spec_string ("uuid", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_OS_NAME] =
    g_param_spec_string ("os-name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, HANGAR_TYPE_MACHINE_STATE,
                       HANGAR_MACHINE_STATE_NOSTATE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE_LABEL] =
    g_param_spec_string ("state-label", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE_ICON] =
    g_param_spec_string ("state-icon", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MEMORY] =
    g_param_spec_uint64 ("memory", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_VCPUS] =
    g_param_spec_uint ("vcpus", NULL, NULL, 0, G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PERSISTENT] =
    g_param_spec_boolean ("persistent", NULL, NULL, TRUE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HangarMachine:available:
   *
   * Whether the machine is bound to a live connection, so actions can run. %FALSE while the
   * connection reconnects.
   */
  properties[PROP_AVAILABLE] =
    g_param_spec_boolean ("available", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hangar_machine_init (HangarMachine *self)
{
  self->state = HANGAR_MACHINE_STATE_NOSTATE;
  self->persistent = TRUE;
}

/* Private setters, used by HangarConnection on the main thread */

static void
set_string (HangarMachine  *self,
            char          **field,
            const char     *value,
            guint           prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
_hangar_machine_set_state (HangarMachine      *self,
                           HangarMachineState  state)
{
  const char *old_label;
  const char *old_icon;

  g_return_if_fail (HANGAR_IS_MACHINE (self));

  if (self->state == state)
    return;

  old_label = hangar_machine_state_to_label (self->state);
  old_icon = hangar_machine_state_to_icon (self->state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (g_strcmp0 (old_label, hangar_machine_state_to_label (state)) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_LABEL]);
  if (g_strcmp0 (old_icon, hangar_machine_state_to_icon (state)) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_ICON]);
}

/* Returns: (transfer none) (nullable): the domain */
virDomainPtr
_hangar_machine_get_domain (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), NULL);
  return self->domain;
}

/* Takes a new reference on @domain (which may be %NULL: the connection is down). */
void
_hangar_machine_set_domain (HangarMachine *self,
                            virDomainPtr   domain)
{
  gboolean was_available;

  g_return_if_fail (HANGAR_IS_MACHINE (self));

  if (self->domain == domain)
    return;

  /* What we knew may be stale after a reconnect: let rows ask again. */
  if (self->summary == SUMMARY_KNOWN && domain == NULL)
    self->summary = SUMMARY_UNKNOWN;
  was_available = self->domain != NULL;
  if (domain != NULL)
    virDomainRef (domain);
  g_clear_pointer (&self->domain, virDomainFree);
  self->domain = domain;

  if (was_available != (domain != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVAILABLE]);
}

static void
set_busy (HangarMachine *self,
          gboolean       busy)
{
  gboolean was_busy = self->busy > 0;

  if (busy)
    self->busy++;
  else if (self->busy > 0)
    self->busy--;

  if (was_busy != (self->busy > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

void
_hangar_machine_update (HangarMachine     *self,
                        HangarMachineInfo *info)
{
  g_return_if_fail (HANGAR_IS_MACHINE (self));
  g_return_if_fail (info != NULL);

  g_object_freeze_notify (G_OBJECT (self));

  if (info->domain != NULL)
    _hangar_machine_set_domain (self, info->domain);
  set_string (self, &self->name, info->name, PROP_NAME);
  if (info->has_xml)
    {
      self->summary = SUMMARY_KNOWN;
      set_string (self, &self->title, info->title, PROP_TITLE);
      g_free (self->os_id);
      self->os_id = g_strdup (info->os_id);
      set_string (self, &self->os_name, info->os_name, PROP_OS_NAME);
    }
  _hangar_machine_set_state (self, info->state);
  if (self->memory != info->memory)
    {
      self->memory = info->memory;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMORY]);
    }
  if (self->vcpus != info->vcpus)
    {
      self->vcpus = info->vcpus;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VCPUS]);
    }
  if (self->persistent != !!info->persistent)
    {
      self->persistent = !!info->persistent;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERSISTENT]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

HangarMachine *
_hangar_machine_new (HangarConnection  *connection,
                     HangarMachineInfo *info)
{
  HangarMachine *self;

  g_return_val_if_fail (connection == NULL || HANGAR_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (info != NULL && info->uuid != NULL, NULL);

  self = g_object_new (HANGAR_TYPE_MACHINE, NULL);
  g_set_weak_pointer (&self->connection, connection);
  self->uuid = g_strdup (info->uuid);
  if (connection != NULL)
    self->uri = g_strdup (hangar_connection_get_uri (connection));

  /* A fresh object has no listeners: fill it directly, without notifications. */
  self->name = g_strdup (info->name);
  self->state = info->state;
  self->memory = info->memory;
  self->vcpus = info->vcpus;
  self->persistent = !!info->persistent;
  if (info->has_xml)
    {
      self->summary = SUMMARY_KNOWN;
      self->title = g_strdup (info->title);
      self->os_id = g_strdup (info->os_id);
      self->os_name = g_strdup (info->os_name);
    }
  if (info->domain != NULL)
    self->domain = virDomainRef (info->domain) == 0 ? info->domain : NULL;

  return self;
}

void
_hangar_machine_set_summary (HangarMachine     *self,
                             HangarMachineInfo *info)
{
  g_return_if_fail (HANGAR_IS_MACHINE (self));

  if (!info->has_xml)
    {
      self->summary = SUMMARY_UNKNOWN;
      return;
    }

  self->summary = SUMMARY_KNOWN;
  g_free (self->os_id);
  self->os_id = g_strdup (info->os_id);
  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->title, info->title, PROP_TITLE);
  set_string (self, &self->os_name, info->os_name, PROP_OS_NAME);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_hangar_machine_summary_dropped (HangarMachine *self)
{
  g_return_if_fail (HANGAR_IS_MACHINE (self));

  if (self->summary == SUMMARY_QUEUED)
    self->summary = SUMMARY_UNKNOWN;
}

/**
 * hangar_machine_load_summary:
 * @self: a machine
 *
 * Asks for #HangarMachine:title and #HangarMachine:os-name if they are not known yet. They are
 * not in the bulk list (each lives in the machine's XML), so a list row calls this when it is
 * bound: requests are batched, served newest first in one worker, and made at most once per
 * machine and connection. Cheap to call often.
 */
void
hangar_machine_load_summary (HangarMachine *self)
{
  g_return_if_fail (HANGAR_IS_MACHINE (self));

  if (self->summary != SUMMARY_UNKNOWN || self->domain == NULL || self->connection == NULL)
    return;

  self->summary = SUMMARY_QUEUED;
  _hangar_connection_queue_summary (self->connection, self);
}

/* Getters */

/**
 * hangar_machine_get_connection:
 * @self: a machine
 *
 * Returns: (transfer none) (nullable): its connection
 */
HangarConnection *
hangar_machine_get_connection (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), NULL);
  return self->connection;
}

const char *
hangar_machine_get_name (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), NULL);
  return self->name;
}

const char *
hangar_machine_get_uuid (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), NULL);
  return self->uuid;
}

/**
 * hangar_machine_get_title:
 * @self: a machine
 *
 * The domain's `<title>`. Not part of the bulk listing (that would cost one call per machine),
 * so it is known after a libvirt event for the machine or after
 * hangar_machine_load_details_async ().
 *
 * Returns: (transfer none) (nullable): the title
 */
const char *
hangar_machine_get_title (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), NULL);
  return self->title;
}

/**
 * hangar_machine_get_os_name:
 * @self: a machine
 *
 * The OS named in the domain's libosinfo metadata; known under the same conditions as the title.
 *
 * Returns: (transfer none) (nullable): a name such as “Debian 12”
 */
const char *
hangar_machine_get_os_name (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), NULL);
  return self->os_name;
}

HangarMachineState
hangar_machine_get_state (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), HANGAR_MACHINE_STATE_NOSTATE);
  return self->state;
}

const char *
hangar_machine_get_state_label (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), NULL);
  return hangar_machine_state_to_label (self->state);
}

const char *
hangar_machine_get_state_icon (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), NULL);
  return hangar_machine_state_to_icon (self->state);
}

guint64
hangar_machine_get_memory (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), 0);
  return self->memory;
}

guint
hangar_machine_get_vcpus (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), 0);
  return self->vcpus;
}

gboolean
hangar_machine_get_persistent (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), FALSE);
  return self->persistent;
}

gboolean
hangar_machine_get_busy (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), FALSE);
  return self->busy > 0;
}

/**
 * hangar_machine_get_available:
 * @self: a machine
 *
 * Returns: whether the machine is bound to a live connection
 */
gboolean
hangar_machine_get_available (HangarMachine *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), FALSE);
  return self->domain != NULL;
}

/**
 * hangar_machine_can:
 * @self: a machine
 * @action: an action
 *
 * Whether the UI should offer @action now: the state allows it, no other action is in flight
 * and the connection is up.
 */
gboolean
hangar_machine_can (HangarMachine       *self,
                    HangarMachineAction  action)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), FALSE);

  if (self->busy > 0 || self->domain == NULL)
    return FALSE;
  if (action == HANGAR_MACHINE_ACTION_DELETE && !self->persistent)
    return hangar_machine_state_allows (self->state, HANGAR_MACHINE_ACTION_FORCE_OFF);

  return hangar_machine_state_allows (self->state, action);
}

/* Errors */

static char *
describe_failure (HangarMachineAction  action,
                  const char          *name)
{
  switch (action)
    {
    case HANGAR_MACHINE_ACTION_START:
      return g_strdup_printf (_("Could not start “%s”"), name);
    case HANGAR_MACHINE_ACTION_SHUTDOWN:
      return g_strdup_printf (_("Could not shut down “%s”"), name);
    case HANGAR_MACHINE_ACTION_REBOOT:
      return g_strdup_printf (_("Could not restart “%s”"), name);
    case HANGAR_MACHINE_ACTION_FORCE_OFF:
      return g_strdup_printf (_("Could not force off “%s”"), name);
    case HANGAR_MACHINE_ACTION_PAUSE:
      return g_strdup_printf (_("Could not pause “%s”"), name);
    case HANGAR_MACHINE_ACTION_RESUME:
      return g_strdup_printf (_("Could not resume “%s”"), name);
    case HANGAR_MACHINE_ACTION_DELETE:
      return g_strdup_printf (_("Could not delete “%s”"), name);
    default:
      return g_strdup_printf (_("Could not change “%s”"), name);
    }
}

/* Runs in the worker that saw the failure (libvirt errors are per thread). @conn may be NULL. */
static GError *
machine_error (const char    *what,
               virConnectPtr  conn,
               const char    *uri)
{
  g_autoptr(GError) error = hangar_error_from_libvirt (NULL);

  if (conn != NULL && virConnectIsAlive (conn) == 0)
    error->code = HANGAR_ERROR_DISCONNECTED;

  switch (error->code)
    {
    case HANGAR_ERROR_NOT_FOUND:
      return g_error_new (HANGAR_ERROR, HANGAR_ERROR_NOT_FOUND,
                          _("%s: it no longer exists. It was probably deleted outside Hangar."),
                          what);
    case HANGAR_ERROR_DISCONNECTED:
      return g_error_new (HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED,
                          _("%s: the connection to %s was lost (%s). Hangar reconnects by "
                            "itself; try again once it is back."),
                          what, uri, error->message);
    case HANGAR_ERROR_PERMISSION_DENIED:
      return g_error_new (HANGAR_ERROR, HANGAR_ERROR_PERMISSION_DENIED,
                          _("%s: you are not allowed to do this on %s (%s)."),
                          what, uri, error->message);
    default:
      return g_error_new (HANGAR_ERROR, error->code, "%s: %s", what, error->message);
    }
}

static GError *
unavailable_error (HangarMachine *self,
                   const char    *what)
{
  return g_error_new (HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED,
                      _("%s: Hangar is not connected to %s. Wait until it reconnects, then try "
                        "again."),
                      what, self->uri ? self->uri : "libvirt");
}

static gboolean
flags_rejected (void)
{
  virErrorPtr err = virGetLastError ();

  return err != NULL &&
         (err->code == VIR_ERR_INVALID_ARG ||
          err->code == VIR_ERR_NO_SUPPORT ||
          err->code == VIR_ERR_ARGUMENT_UNSUPPORTED);
}

/* Actions */

typedef struct
{
  virDomainPtr          domain;       /* owned; released by the worker itself */
  char                 *what;         /* "Could not start “web”" */
  char                 *name;
  char                 *uri;
  char                **volume_paths;
  HangarMachineAction   action;
  HangarMachineState    state;        /* when the action was asked for */
  guint                 index;        /* of the <graphics> element */
} ActionData;

static void
action_data_free (ActionData *data)
{
  g_clear_pointer (&data->domain, virDomainFree);
  g_free (data->what);
  g_free (data->name);
  g_free (data->uri);
  g_strfreev (data->volume_paths);
  g_free (data);
}

static int
run_action (ActionData *data)
{
  virDomainPtr dom = data->domain;
  int ret;

  switch (data->action)
    {
    case HANGAR_MACHINE_ACTION_START:
      return virDomainCreate (dom);
    case HANGAR_MACHINE_ACTION_SHUTDOWN:
      ret = virDomainShutdownFlags (dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN);
      if (ret < 0 && flags_rejected ())
        ret = virDomainShutdown (dom);
      return ret;
    case HANGAR_MACHINE_ACTION_REBOOT:
      ret = virDomainReboot (dom, VIR_DOMAIN_REBOOT_ACPI_POWER_BTN);
      if (ret < 0 && flags_rejected ())
        ret = virDomainReboot (dom, 0);
      return ret;
    case HANGAR_MACHINE_ACTION_FORCE_OFF:
      return virDomainDestroy (dom);
    case HANGAR_MACHINE_ACTION_PAUSE:
      return virDomainSuspend (dom);
    case HANGAR_MACHINE_ACTION_RESUME:
      if (data->state == HANGAR_MACHINE_STATE_PMSUSPENDED)
        return virDomainPMWakeup (dom, 0);
      return virDomainResume (dom);
    case HANGAR_MACHINE_ACTION_DELETE:
    default:
      g_assert_not_reached ();
      return -1;
    }
}

static void
run_worker (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  ActionData *data = task_data;
  virConnectPtr conn = virDomainGetConnect (data->domain);

  if (run_action (data) < 0)
    g_task_return_error (task, machine_error (data->what, conn, data->uri));
  else
    g_task_return_boolean (task, TRUE);

  g_clear_pointer (&data->domain, virDomainFree);
}

/* Back on the main thread: the action is over, whatever its result. */
static void
action_done (HangarMachine *self,
             GError        *error)
{
  set_busy (self, FALSE);

  if (self->connection == NULL)
    return;

  if (error != NULL && g_error_matches (error, HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED))
    _hangar_connection_lost (self->connection, error);
  else
    _hangar_connection_refresh_machine (self->connection, self->uuid);
}

static void
action_inner_cb (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  HangarMachine *self = HANGAR_MACHINE (source_object);
  g_autoptr(GTask) outer = user_data;
  g_autoptr(GError) error = NULL;

  /* Busy ends, and the connection hears about a lost daemon, before the caller's callback runs. */
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      action_done (self, error);
      g_task_return_error (outer, g_steal_pointer (&error));
      return;
    }

  action_done (self, NULL);
  g_task_return_boolean (outer, TRUE);
}

/* The read-only calls (details, samples, graphics fd): a worker on an owned domain reference,
 * cancellable; @what (transfer full) is the sentence that starts any error ("Could not …"). */
static void
run_reader (HangarMachine       *self,
            char                *what,
            guint                index,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data,
            gpointer             source_tag,
            GTaskThreadFunc      worker)
{
  g_autoptr(GTask) task = NULL;
  ActionData *data;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  data = g_new0 (ActionData, 1);
  data->what = what;
  data->uri = g_strdup (self->uri);
  data->index = index;
  g_task_set_task_data (task, data, (GDestroyNotify) action_data_free);

  if (self->domain == NULL)
    {
      g_task_return_error (task, unavailable_error (self, data->what));
      return;
    }

  virDomainRef (self->domain);
  data->domain = self->domain;
  g_task_run_in_thread (task, worker);
}

/* Returns the worker's task (a mutating action is never cancelled half-way, so it has no
 * cancellable), or NULL when the caller's task already failed. */
static GTask *
start_action (HangarMachine       *self,
              HangarMachineAction  action,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data,
              gpointer             source_tag)
{
  g_autoptr(GTask) outer = NULL;
  GTask *inner;
  ActionData *data;

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, source_tag);

  data = g_new0 (ActionData, 1);
  data->what = describe_failure (action, self->name);
  data->name = g_strdup (self->name);
  data->uri = g_strdup (self->uri);
  data->action = action;
  data->state = self->state;

  if (self->domain == NULL)
    {
      g_task_return_error (outer, unavailable_error (self, data->what));
      action_data_free (data);
      return NULL;
    }

  virDomainRef (self->domain);
  data->domain = self->domain;
  set_busy (self, TRUE);

  inner = g_task_new (self, NULL, action_inner_cb, g_steal_pointer (&outer));
  g_task_set_source_tag (inner, source_tag);
  g_task_set_task_data (inner, data, (GDestroyNotify) action_data_free);

  return inner;
}

/**
 * hangar_machine_run_async:
 * @self: a machine
 * @action: any action but %HANGAR_MACHINE_ACTION_DELETE
 * @cancellable: (nullable): not honoured once the call reached libvirt: a lifecycle change is
 *   never abandoned half-way
 * @callback: called on the calling thread's main context
 * @user_data: for @callback
 *
 * Runs a lifecycle action in a worker. The machine is busy meanwhile; its state follows from
 * libvirt's event (or a refresh) once the action is done.
 */
void
hangar_machine_run_async (HangarMachine       *self,
                          HangarMachineAction  action,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HANGAR_IS_MACHINE (self));
  g_return_if_fail (action != HANGAR_MACHINE_ACTION_DELETE);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = start_action (self, action, cancellable, callback, user_data, hangar_machine_run_async);
  if (task != NULL)
    g_task_run_in_thread (task, run_worker);
}

static gboolean
action_finish (HangarMachine  *self,
               GAsyncResult   *result,
               gpointer        source_tag,
               GError        **error)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
hangar_machine_run_finish (HangarMachine  *self,
                           GAsyncResult   *result,
                           GError        **error)
{
  return action_finish (self, result, hangar_machine_run_async, error);
}

/* Delete */

static gboolean
undefine (virDomainPtr dom)
{
  static const unsigned int attempts[] = {
    VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
      VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA,
    VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
      VIR_DOMAIN_UNDEFINE_MANAGED_SAVE,
    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | VIR_DOMAIN_UNDEFINE_MANAGED_SAVE,
  };

  for (guint i = 0; i < G_N_ELEMENTS (attempts); i++)
    {
      if (virDomainUndefineFlags (dom, attempts[i]) == 0)
        return TRUE;
      if (!flags_rejected ())
        return FALSE;
    }

  /* Drivers that know no flags at all. */
  return virDomainUndefine (dom) == 0;
}

static char *
delete_volumes (virConnectPtr        conn,
                const char * const  *paths)
{
  g_autoptr(GString) failures = NULL;

  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      virStorageVolPtr vol = virStorageVolLookupByPath (conn, paths[i]);
      g_autoptr(GError) error = NULL;

      if (vol != NULL && virStorageVolDelete (vol, 0) == 0)
        {
          virStorageVolFree (vol);
          continue;
        }

      error = hangar_error_from_libvirt (NULL);
      if (vol != NULL)
        virStorageVolFree (vol);
      if (failures == NULL)
        failures = g_string_new (NULL);
      else
        g_string_append (failures, "; ");
      if (g_error_matches (error, HANGAR_ERROR, HANGAR_ERROR_NOT_FOUND))
        g_string_append_printf (failures, _("%s is in no storage pool, delete it by hand"), paths[i]);
      else
        g_string_append_printf (failures, "%s: %s", paths[i], error->message);
    }

  return failures != NULL ? g_string_free (g_steal_pointer (&failures), FALSE) : NULL;
}

static void
delete_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ActionData *data = task_data;
  virConnectPtr conn = virDomainGetConnect (data->domain);
  g_autofree char *volume_failures = NULL;
  int persistent = virDomainIsPersistent (data->domain);
  int active = virDomainIsActive (data->domain);

  if (persistent < 0 || active < 0 ||
      (active == 1 && virDomainDestroy (data->domain) < 0) ||
      (persistent == 1 && !undefine (data->domain)))
    {
      g_task_return_error (task, machine_error (data->what, conn, data->uri));
      g_clear_pointer (&data->domain, virDomainFree);
      return;
    }

  volume_failures = delete_volumes (conn, (const char * const *) data->volume_paths);
  if (volume_failures != NULL)
    g_task_return_new_error (task, HANGAR_ERROR, HANGAR_ERROR_LIBVIRT,
                             _("“%s” was deleted, but some of its disks were not: %s."),
                             data->name, volume_failures);
  else
    g_task_return_boolean (task, TRUE);

  g_clear_pointer (&data->domain, virDomainFree);
}

/**
 * hangar_machine_delete_async:
 * @self: a machine
 * @volume_paths: (nullable) (array zero-terminated=1): disk paths to delete with it (from
 *   #HangarMachineDetails.disk_paths, as the user chose); each must be a volume of a pool
 * @cancellable: (nullable): not honoured once started
 * @callback: called on the calling thread's main context
 * @user_data: for @callback
 *
 * Forces the machine off if it runs, undefines it with its NVRAM, snapshot and checkpoint
 * metadata and managed save, then deletes the volumes. The machine leaves the list through
 * libvirt's event.
 */
void
hangar_machine_delete_async (HangarMachine       *self,
                             const char * const  *volume_paths,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HANGAR_IS_MACHINE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = start_action (self, HANGAR_MACHINE_ACTION_DELETE, cancellable, callback, user_data,
                       hangar_machine_delete_async);
  if (task == NULL)
    return;

  ((ActionData *) g_task_get_task_data (task))->volume_paths = g_strdupv ((char **) volume_paths);
  g_task_run_in_thread (task, delete_worker);
}

gboolean
hangar_machine_delete_finish (HangarMachine  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  return action_finish (self, result, hangar_machine_delete_async, error);
}

/* Details */

static void
details_worker (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ActionData *data = task_data;
  virConnectPtr conn = virDomainGetConnect (data->domain);
  g_autoptr(HangarMachineDetails) details = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  int n;

  xml = virDomainGetXMLDesc (data->domain, 0);
  if (xml == NULL)
    {
      g_task_return_error (task, machine_error (data->what, conn, data->uri));
      g_clear_pointer (&data->domain, virDomainFree);
      return;
    }

  n = virDomainSnapshotNum (data->domain, 0);
  if (n < 0)
    virResetLastError ();
  g_clear_pointer (&data->domain, virDomainFree);

  details = _hangar_machine_details_parse (xml, &error);
  if (details == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  details->n_snapshots = MAX (n, 0);

  /* The page shows the OS name: resolve it here, off the main thread. */
  g_object_set_data_full (G_OBJECT (task), "hangar-os-name",
                          hangar_os_db_dup_name (details->os_id), g_free);
  g_task_return_pointer (task, g_steal_pointer (&details), (GDestroyNotify) hangar_machine_details_free);
}

/**
 * hangar_machine_load_details_async:
 * @self: a machine
 * @cancellable: (nullable): a cancellable
 * @callback: called on the calling thread's main context
 * @user_data: for @callback
 *
 * Reads the domain XML in a worker (also updating #HangarMachine:title and :os-name).
 */
void
hangar_machine_load_details_async (HangarMachine       *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (HANGAR_IS_MACHINE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  run_reader (self, g_strdup_printf (_("Could not read the settings of “%s”"), self->name), 0,
              cancellable, callback, user_data,
              hangar_machine_load_details_async, details_worker);
}

/**
 * hangar_machine_load_details_finish:
 * @self: a machine
 * @result: the result
 * @error: where a failure goes
 *
 * Returns: (transfer full): the details, or %NULL with @error set
 */
HangarMachineDetails *
hangar_machine_load_details_finish (HangarMachine  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  HangarMachineDetails *details;

  g_return_val_if_fail (HANGAR_IS_MACHINE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hangar_machine_load_details_async, NULL);

  details = g_task_propagate_pointer (G_TASK (result), error);
  if (details != NULL)
    {
      g_free (self->os_id);
      self->os_id = g_strdup (details->os_id);
      set_string (self, &self->os_name, g_object_get_data (G_OBJECT (result), "hangar-os-name"),
                  PROP_OS_NAME);
    }

  return details;
}

/* Samples */

typedef struct
{
  HangarMachineSample sample;
  gboolean            have_cpu;
  gboolean            have_memory;
} SampleResult;

static void
read_stats (virTypedParameterPtr  params,
            int                   n,
            SampleResult         *res)
{
  unsigned long long current = 0, unused = 0, rss = 0;
  gboolean have_current = FALSE, have_unused = FALSE, have_rss = FALSE;
  unsigned long long cpu_time = 0;
  unsigned int vcpus;

  if (virTypedParamsGetULLong (params, n, "cpu.time", &cpu_time) == 1)
    {
      res->sample.cpu_time_ns = cpu_time;
      res->have_cpu = TRUE;
    }
  have_current = virTypedParamsGetULLong (params, n, "balloon.current", &current) == 1;
  have_unused = virTypedParamsGetULLong (params, n, "balloon.unused", &unused) == 1;
  have_rss = virTypedParamsGetULLong (params, n, "balloon.rss", &rss) == 1;
  if (virTypedParamsGetUInt (params, n, "vcpu.current", &vcpus) == 1)
    res->sample.vcpus = vcpus;

  if (have_current)
    {
      res->have_memory = TRUE;
      res->sample.memory_total_kib = current;
      if (have_unused && unused <= current)
        res->sample.memory_used_kib = current - unused;
      else if (have_rss)
        res->sample.memory_used_kib = MIN (rss, current);
      else
        res->sample.memory_used_kib = current;
    }
}

static void
sample_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ActionData *data = task_data;
  virConnectPtr conn = virDomainGetConnect (data->domain);
  virDomainPtr doms[] = { data->domain, NULL };
  virDomainStatsRecordPtr *records = NULL;
  g_autofree SampleResult *res = g_new0 (SampleResult, 1);
  int n;

  res->sample.timestamp_us = g_get_monotonic_time ();
  n = virDomainListGetStats (doms,
                             VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON |
                             VIR_DOMAIN_STATS_VCPU,
                             &records, 0);
  if (n > 0)
    read_stats (records[0]->params, records[0]->nparams, res);
  if (records != NULL)
    virDomainStatsRecordListFree (records);

  /* Drivers whose bulk stats lack CPU or memory (the test driver of libvirt 9.0). */
  if (n < 0 || !res->have_cpu || !res->have_memory)
    {
      virDomainInfo info;

      if (virDomainGetInfo (data->domain, &info) < 0)
        {
          g_task_return_error (task, machine_error (data->what, conn, data->uri));
          g_clear_pointer (&data->domain, virDomainFree);
          return;
        }
      if (!res->have_cpu)
        res->sample.cpu_time_ns = info.cpuTime;
      if (!res->have_memory)
        {
          res->sample.memory_total_kib = info.memory;
          res->sample.memory_used_kib = info.memory;
        }
      if (res->sample.vcpus == 0)
        res->sample.vcpus = info.nrVirtCpu;
    }

  g_clear_pointer (&data->domain, virDomainFree);
  g_task_return_pointer (task, g_steal_pointer (&res), g_free);
}

/**
 * hangar_machine_sample_async:
 * @self: a machine
 * @cancellable: (nullable): a cancellable
 * @callback: called on the calling thread's main context
 * @user_data: for @callback
 *
 * Takes one sample of CPU time and memory with one virDomainListGetStats () call.
 */
void
hangar_machine_sample_async (HangarMachine       *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (HANGAR_IS_MACHINE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  run_reader (self, g_strdup_printf (_("Could not read the usage of “%s”"), self->name), 0,
              cancellable, callback, user_data, hangar_machine_sample_async, sample_worker);
}

/**
 * hangar_machine_sample_finish:
 * @self: a machine
 * @result: the result
 * @sample: (out caller-allocates): filled on success
 * @error: where a failure goes
 */
gboolean
hangar_machine_sample_finish (HangarMachine        *self,
                              GAsyncResult         *result,
                              HangarMachineSample  *sample,
                              GError              **error)
{
  g_autofree SampleResult *res = NULL;

  g_return_val_if_fail (HANGAR_IS_MACHINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (sample != NULL, FALSE);

  res = g_task_propagate_pointer (G_TASK (result), error);
  if (res == NULL)
    return FALSE;

  *sample = res->sample;
  return TRUE;
}

/* Graphics */

static void
fd_box_free (gpointer data)
{
  int *box = data;

  if (*box >= 0)
    close (*box);
  g_free (box);
}

static void
graphics_worker (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  ActionData *data = task_data;
  virConnectPtr conn = virDomainGetConnect (data->domain);
  int fd;

  fd = virDomainOpenGraphicsFD (data->domain, data->index, VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH);
  if (fd < 0)
    {
      g_task_return_error (task, machine_error (data->what, conn, data->uri));
    }
  else
    {
      int *box = g_new (int, 1);

      /* Boxed with a destroy notify: when the caller cancelled, GTask drops the result
       * without handing it over, and the socket must not leak. */
      *box = fd;
      g_task_return_pointer (task, box, fd_box_free);
    }

  g_clear_pointer (&data->domain, virDomainFree);
}

/**
 * hangar_machine_open_graphics_fd_async:
 * @self: a machine
 * @index: which `<graphics>` element, usually 0
 * @cancellable: (nullable): a cancellable
 * @callback: called on the calling thread's main context
 * @user_data: for @callback
 *
 * Asks the daemon for a socket connected to the machine's VNC or SPICE server, with
 * authentication skipped (we are local and allowed to manage it).
 */
void
hangar_machine_open_graphics_fd_async (HangarMachine       *self,
                                       guint                index,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (HANGAR_IS_MACHINE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  run_reader (self, g_strdup_printf (_("Could not open the display of “%s”"), self->name), index,
              cancellable, callback, user_data,
              hangar_machine_open_graphics_fd_async, graphics_worker);
}

/**
 * hangar_machine_open_graphics_fd_finish:
 * @self: a machine
 * @result: the result
 * @error: where a failure goes
 *
 * Returns: a file descriptor the caller owns, or -1 with @error set
 */
int
hangar_machine_open_graphics_fd_finish (HangarMachine  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  int *box;
  int fd;

  g_return_val_if_fail (HANGAR_IS_MACHINE (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  box = g_task_propagate_pointer (G_TASK (result), error);
  if (box == NULL)
    return -1;

  fd = *box;
  *box = -1;
  fd_box_free (box);
  return fd;
}

static gboolean
address_is_wildcard (const char *address)
{
  return address == NULL || *address == '\0' || g_str_equal (address, "0.0.0.0") ||
         g_str_equal (address, "::");
}

static gboolean
address_is_loopback (const char *address)
{
  g_autoptr(GInetAddress) inet = NULL;

  if (address == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (address, "localhost") == 0)
    return TRUE;
  inet = g_inet_address_new_from_string (address);
  return inet != NULL && g_inet_address_get_is_loopback (inet);
}

/**
 * hangar_display_route_for:
 * @uri: the connection's URI
 * @is_local: whether the connection is local (hangar_connection_get_is_local ())
 * @prefer_fd: for a local connection, use virDomainOpenGraphicsFD even when there is a port
 * @details: the machine's details, read while it runs (graphics type, listen address, port)
 * @address: (out) (transfer full) (optional): where to connect, for DIRECT and SSH
 * @reason: (out) (transfer full) (optional): why not, for NONE
 *
 * Decides how the console reaches the display, as virt-manager and virt-viewer do: locally a
 * socket from the daemon; over SSH a tunnel from the host itself (a wildcard or loopback listen
 * address through that host's loopback; VNC and SPICE are plain text, so the tunnel is used
 * for any address, as virt-viewer does; a unix socket through nc -U); otherwise straight to the listen address, or to the
 * URI's host for a wildcard. A display that listens only on a remote host's loopback, or has
 * no port, cannot be reached without SSH.
 *
 * Returns: the route
 */
HangarDisplayRoute
hangar_display_route_for (const char                 *uri,
                          gboolean                    is_local,
                          gboolean                    prefer_fd,
                          const HangarMachineDetails *details,
                          char                      **address,
                          char                      **reason)
{
  g_autoptr(GUri) guri = NULL;
  const char *listen;
  const char *host = NULL;

  g_return_val_if_fail (details != NULL, HANGAR_DISPLAY_ROUTE_NONE);

  if (address != NULL)
    *address = NULL;
  if (reason != NULL)
    *reason = NULL;
  listen = details->graphics_listen;

  if (is_local && (prefer_fd || details->graphics_port <= 0))
    return HANGAR_DISPLAY_ROUTE_FD;

  /* A unix socket on the host: only ssh gets there (nc -U). */
  if (details->graphics_port <= 0 && details->graphics_socket != NULL && uri != NULL &&
      hangar_ssh_tunnel_uri_is_ssh (uri))
    {
      if (address != NULL)
        *address = g_strdup (details->graphics_socket);
      return HANGAR_DISPLAY_ROUTE_SSH_SOCKET;
    }

  if (details->graphics_port <= 0)
    {
      if (reason != NULL)
        *reason = g_strdup (_("The machine’s display has no network port, so it can only be "
                              "opened on its host."));
      return HANGAR_DISPLAY_ROUTE_NONE;
    }

  if (is_local)
    {
      if (address != NULL)
        *address = g_strdup (address_is_wildcard (listen) ? "127.0.0.1" : listen);
      return HANGAR_DISPLAY_ROUTE_DIRECT;
    }

  if (uri != NULL && hangar_ssh_tunnel_uri_is_ssh (uri))
    {
      if (address != NULL)
        {
          if (listen != NULL && g_str_equal (listen, "::"))
            *address = g_strdup ("::1");
          else
            *address = g_strdup (address_is_wildcard (listen) ? "127.0.0.1" : listen);
        }
      return HANGAR_DISPLAY_ROUTE_SSH;
    }

  guri = uri != NULL ? g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_NON_DNS, NULL) : NULL;
  if (guri != NULL && g_uri_get_host (guri) != NULL && *g_uri_get_host (guri) != '\0')
    host = g_uri_get_host (guri);

  /* A wildcard listens on every address of the host: the one the URI names will do. A loopback
   * address is only reachable when the URI's host is this machine's loopback too. */
  if (address_is_wildcard (listen) && host != NULL)
    {
      if (address != NULL)
        *address = g_strdup (host);
      return HANGAR_DISPLAY_ROUTE_DIRECT;
    }

  if (!address_is_wildcard (listen) && (!address_is_loopback (listen) || address_is_loopback (host)))
    {
      if (address != NULL)
        *address = g_strdup (listen);
      return HANGAR_DISPLAY_ROUTE_DIRECT;
    }

  if (reason != NULL)
    *reason = g_strdup_printf (_("The machine’s display listens only on %s of its host, which "
                                 "cannot be reached from here. Connect over SSH (qemu+ssh://…) "
                                 "or make the display listen on an address of the host."),
                               listen != NULL ? listen : "?");
  return HANGAR_DISPLAY_ROUTE_NONE;
}
