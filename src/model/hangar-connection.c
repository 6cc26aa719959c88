/* hangar-connection.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-connection"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <glib/gi18n.h>
#include <libvirt/virterror.h>
#include <libvirt-glib/libvirt-glib.h>

#include "hangar-connection-private.h"
#include "hangar-error.h"
#include "hangar-machine-private.h"
#include "hangar-model-enums.h"
#include "hangar-os-db.h"

/* Threading: every libvirt call that may talk to the daemon runs in a GTask worker on its own
 * references. Results come back to the main context, which alone touches the fields below. Each
 * open and each loss bumps `generation`; results and events stamped with an older generation are
 * dropped, so a late answer from a dead connection never reaches the list. */

#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS   10000

enum {
  EVENT_LIFECYCLE,
  EVENT_REBOOT,
  EVENT_DEVICE_ADDED,
  EVENT_DEVICE_REMOVED,
  EVENT_METADATA,
  N_EVENTS,
};

/* What libvirt's callbacks point at. Shared between the main thread and workers, hence the
 * atomic refcount and the weak ref; the generation says which open it belongs to. */
typedef struct
{
  gatomicrefcount  ref;
  GWeakRef         self;
  GMainContext    *context;
  guint            generation;
  int              event_ids[N_EVENTS];  /* written by the open worker, read by the teardown worker */
  gboolean         close_registered;
} Link;

struct _HangarConnection
{
  GObject                parent_instance;

  char                  *uri;
  char                  *title;
  char                  *status;
  GError                *error;
  HangarConnectionState  state;
  gboolean               is_local;

  GListStore            *machines;
  GHashTable            *by_uuid;      /* uuid → HangarMachine, borrowed: the store owns them */
  GHashTable            *refreshing;   /* uuid (owned) → TRUE if another refresh is wanted after
                                        * the one in flight */
  GHashTable            *deferred;     /* uuids (owned) changed before the list was applied */

  virConnectPtr          conn;         /* owned; only while CONNECTED */
  Link                  *link;         /* owned ref; the callbacks registered on conn */
  guint                  generation;
  guint                  open_generation; /* generation of the open in flight, or 0 */
  gboolean               listed;       /* the list of this generation is applied */
  gboolean               wanted;       /* open () called, close () not */
  gboolean               lost_in_open; /* the close callback fired before the open finished */
  guint                  reconnect_id;
  guint                  backoff_ms;
  guint                  keepalive_interval;
  guint                  keepalive_count;
  GPtrArray             *summary_queue; /* HangarMachine (owned) waiting for title and OS */
  gboolean               summary_busy;  /* a summary worker is in flight */
  guint                  summary_id;    /* idle that starts the next batch */
};

G_DEFINE_FINAL_TYPE (HangarConnection, hangar_connection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URI,
  PROP_TITLE,
  PROP_STATE,
  PROP_ERROR,
  PROP_STATUS,
  PROP_IS_LOCAL,
  PROP_MACHINES,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void start_open (HangarConnection *self);

/* The event loop */

static void
silent_error_func (void       *user_data,
                   virErrorPtr error)
{
  /* Errors reach the user through GErrors; libvirt's default handler would print each on stderr. */
  g_debug ("libvirt: %s", error->message);
}

/**
 * hangar_event_loop_init:
 *
 * Backs libvirt's event loop with the default #GMainContext. Call it once, before opening any
 * connection, and run the default main loop; hangar_connection_open () calls it too.
 */
void
hangar_event_loop_init (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      virSetErrorFunc (NULL, silent_error_func);
      /* libvirt's client writes to its sockets with write (): a daemon that dies under us would
       * kill the whole app with SIGPIPE instead of failing the call with EPIPE. */
      signal (SIGPIPE, SIG_IGN);
      gvir_event_register ();
      g_once_init_leave (&done, 1);
    }
}

/* Link */

static Link *
link_new (HangarConnection *self)
{
  Link *link = g_new0 (Link, 1);

  g_atomic_ref_count_init (&link->ref);
  g_weak_ref_init (&link->self, self);
  link->context = g_main_context_ref_thread_default ();
  link->generation = self->generation;
  for (guint i = 0; i < N_EVENTS; i++)
    link->event_ids[i] = -1;

  return link;
}

static Link *
link_ref (Link *link)
{
  g_atomic_ref_count_inc (&link->ref);
  return link;
}

static void
link_unref (void *data)
{
  Link *link = data;

  if (g_atomic_ref_count_dec (&link->ref))
    {
      g_weak_ref_clear (&link->self);
      g_main_context_unref (link->context);
      g_free (link);
    }
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Link, link_unref)

/* Returns a strong ref to the connection if @link is still its current one. Main thread only. */
static HangarConnection *
link_get_current (Link *link)
{
  g_autoptr(HangarConnection) self = g_weak_ref_get (&link->self);

  if (self == NULL || self->generation != link->generation)
    return NULL;

  return g_steal_pointer (&self);
}

/* Teardown, in a worker: a close may send an RPC, which must not block the main thread. */

typedef struct
{
  virConnectPtr  conn;
  Link          *link;
} Teardown;

static void close_cb (virConnectPtr conn, int reason, void *opaque);

static void
teardown_conn (virConnectPtr  conn,
               Link          *link)
{
  for (guint i = 0; i < N_EVENTS; i++)
    {
      if (link->event_ids[i] >= 0 && virConnectDomainEventDeregisterAny (conn, link->event_ids[i]) < 0)
        virResetLastError ();
      link->event_ids[i] = -1;
    }

  if (link->close_registered && virConnectUnregisterCloseCallback (conn, close_cb) < 0)
    virResetLastError ();
  link->close_registered = FALSE;

  if (virConnectClose (conn) < 0)
    virResetLastError ();
}

static void
teardown_worker (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Teardown *td = task_data;

  teardown_conn (td->conn, td->link);
  td->conn = NULL;
  g_task_return_boolean (task, TRUE);
}

static void
teardown_free (Teardown *td)
{
  /* teardown_worker always runs and takes the connection */
  g_assert (td->conn == NULL);
  link_unref (td->link);
  g_free (td);
}

/* Takes ownership of @conn and @link. */
static void
teardown_in_worker (virConnectPtr  conn,
                    Link          *link)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);
  Teardown *td = g_new0 (Teardown, 1);

  td->conn = conn;
  td->link = link;
  g_task_set_source_tag (task, teardown_in_worker);
  g_task_set_task_data (task, td, (GDestroyNotify) teardown_free);
  g_task_run_in_thread (task, teardown_worker);
}

/* Listing, in workers */

static gboolean
read_stats_record (virDomainStatsRecordPtr  rec,
                   HangarMachineInfo       *info)
{
  unsigned long long balloon = 0;
  unsigned int vcpus = 0;
  int state = 0;
  gboolean complete = TRUE;

  if (virTypedParamsGetInt (rec->params, rec->nparams, "state.state", &state) == 1)
    info->state = (HangarMachineState) CLAMP (state, 0, HANGAR_MACHINE_STATE_PMSUSPENDED);
  else
    complete = FALSE;

  if (virTypedParamsGetULLong (rec->params, rec->nparams, "balloon.current", &balloon) == 1 ||
      virTypedParamsGetULLong (rec->params, rec->nparams, "balloon.maximum", &balloon) == 1)
    info->memory = balloon;
  else
    complete = FALSE;

  if (virTypedParamsGetUInt (rec->params, rec->nparams, "vcpu.current", &vcpus) == 1)
    info->vcpus = vcpus;
  else
    complete = FALSE;

  return complete;
}

/* For drivers whose bulk stats lack some fields (libvirt 9.0's test driver reports only the
 * state). The test driver runs in-process, so this costs no round trip there. */
static gboolean
read_info (virDomainPtr       dom,
           HangarMachineInfo *info)
{
  virDomainInfo di;

  if (virDomainGetInfo (dom, &di) < 0)
    return FALSE;

  info->state = (HangarMachineState) CLAMP (di.state, 0, HANGAR_MACHINE_STATE_PMSUSPENDED);
  info->memory = di.memory;
  info->vcpus = di.nrVirtCpu;

  return TRUE;
}

static HangarMachineInfo *
info_new (virDomainPtr dom)
{
  HangarMachineInfo *info = g_new0 (HangarMachineInfo, 1);
  char uuid[VIR_UUID_STRING_BUFLEN];

  if (virDomainGetUUIDString (dom, uuid) == 0)
    info->uuid = g_strdup (uuid);
  info->name = g_strdup (virDomainGetName (dom));
  virDomainRef (dom);
  info->domain = dom;
  info->persistent = TRUE;

  return info;
}

#define LIST_STATS (VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_VCPU)

static int
get_all_stats (virConnectPtr             conn,
               virDomainStatsRecordPtr **records)
{
  virErrorPtr err;
  int n;

  /* NOWAIT: a machine busy with a long job reports what is known instead of stalling the list. */
  n = virConnectGetAllDomainStats (conn, LIST_STATS, records,
                                   VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
  if (n >= 0)
    return n;

  err = virGetLastError ();
  if (err == NULL || (err->code != VIR_ERR_INVALID_ARG && err->code != VIR_ERR_ARGUMENT_UNSUPPORTED))
    return n;

  return virConnectGetAllDomainStats (conn, LIST_STATS, records, 0);
}

/* One virConnectGetAllDomainStats () and one virConnectListAllDomains (): two round trips for any
 * number of machines. Returns HangarMachineInfo in the daemon's order. */
static GPtrArray *
list_all (virConnectPtr   conn,
          GError        **error)
{
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GHashTable) persistent = NULL;
  virDomainStatsRecordPtr *records = NULL;
  virDomainPtr *doms = NULL;
  int n, n_persistent;

  n = get_all_stats (conn, &records);
  if (n < 0)
    {
      *error = hangar_error_from_libvirt (_("Could not list the machines"));
      return NULL;
    }

  n_persistent = virConnectListAllDomains (conn, &doms, VIR_CONNECT_LIST_DOMAINS_PERSISTENT);
  if (n_persistent < 0)
    {
      *error = hangar_error_from_libvirt (_("Could not list the machines"));
      virDomainStatsRecordListFree (records);
      return NULL;
    }

  persistent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; i < n_persistent; i++)
    {
      char uuid[VIR_UUID_STRING_BUFLEN];

      if (virDomainGetUUIDString (doms[i], uuid) == 0)
        g_hash_table_add (persistent, g_strdup (uuid));
      virDomainFree (doms[i]);
    }
  g_free (doms);

  infos = g_ptr_array_new_full (n, (GDestroyNotify) _hangar_machine_info_free);
  for (int i = 0; i < n; i++)
    {
      HangarMachineInfo *info = info_new (records[i]->dom);

      if (info->uuid == NULL ||
          (!read_stats_record (records[i], info) && !read_info (records[i]->dom, info)))
        {
          /* Gone between the two calls, or unreadable: the next event puts it right. */
          virResetLastError ();
          _hangar_machine_info_free (info);
          continue;
        }
      info->persistent = g_hash_table_contains (persistent, info->uuid);
      g_ptr_array_add (infos, info);
    }
  virDomainStatsRecordListFree (records);

  return g_steal_pointer (&infos);
}

/* Reads one domain, for events and after actions. Returns NULL with no error if it is gone. */
static HangarMachineInfo *
fetch_one (virDomainPtr   dom,
           GError       **error)
{
  g_autoptr(HangarMachineInfo) info = info_new (dom);
  virDomainPtr doms[] = { dom, NULL };
  virDomainStatsRecordPtr *records = NULL;
  g_autofree char *xml = NULL;
  virErrorPtr err;
  gboolean complete = FALSE;
  int n, persistent;

  xml = virDomainGetXMLDesc (dom, 0);
  if (xml == NULL)
    goto failed;

  n = virDomainListGetStats (doms, LIST_STATS, &records, 0);
  if (n < 0)
    goto failed;
  if (n == 0)
    {
      virDomainStatsRecordListFree (records);
      return NULL;
    }
  complete = read_stats_record (records[0], info);
  virDomainStatsRecordListFree (records);
  if (!complete && !read_info (dom, info))
    goto failed;

  persistent = virDomainIsPersistent (dom);
  if (persistent < 0)
    goto failed;
  info->persistent = persistent == 1;

  _hangar_domain_xml_peek (xml, &info->title, &info->os_id);
  info->os_name = hangar_os_db_dup_name (info->os_id);
  info->has_xml = TRUE;

  return g_steal_pointer (&info);

failed:
  err = virGetLastError ();
  if (err != NULL && err->code == VIR_ERR_NO_DOMAIN)
    {
      virResetLastError ();
      return NULL;
    }
  *error = hangar_error_from_libvirt (NULL);
  return NULL;
}

/* Per-domain refresh */

typedef struct
{
  virDomainPtr  dom;
  char         *uuid;
  guint         generation;
} RefreshData;

static void
refresh_data_free (RefreshData *data)
{
  g_clear_pointer (&data->dom, virDomainFree);
  g_free (data->uuid);
  g_free (data);
}

static void
refresh_worker (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  RefreshData *data = task_data;
  g_autoptr(GError) error = NULL;
  HangarMachineInfo *info;

  info = fetch_one (data->dom, &error);
  if (error != NULL && virConnectIsAlive (virDomainGetConnect (data->dom)) == 0)
    error->code = HANGAR_ERROR_DISCONNECTED;
  g_clear_pointer (&data->dom, virDomainFree);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, info, (GDestroyNotify) _hangar_machine_info_free);
}

static void schedule_refresh (HangarConnection *self, const char *uuid, virDomainPtr dom);

static void
remove_machine (HangarConnection *self,
                HangarMachine    *machine)
{
  guint position;

  if (g_list_store_find (self->machines, machine, &position))
    {
      g_hash_table_remove (self->by_uuid, hangar_machine_get_uuid (machine));
      _hangar_machine_set_domain (machine, NULL);
      g_list_store_remove (self->machines, position);
    }
}

static void
apply_one (HangarConnection  *self,
           const char        *uuid,
           HangarMachineInfo *info)
{
  HangarMachine *machine = g_hash_table_lookup (self->by_uuid, uuid);

  if (info == NULL)
    {
      if (machine != NULL)
        remove_machine (self, machine);
    }
  else if (machine != NULL)
    {
      _hangar_machine_update (machine, info);
    }
  else
    {
      g_autoptr(HangarMachine) added = _hangar_machine_new (self, info);

      g_hash_table_insert (self->by_uuid, (char *) hangar_machine_get_uuid (added), added);
      g_list_store_append (self->machines, added);
    }
}

static void
refresh_cb (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HangarConnection) self = user_data;
  RefreshData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(HangarMachineInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = g_strdup (data->uuid);
  gboolean again;

  info = g_task_propagate_pointer (G_TASK (result), &error);
  if (data->generation != self->generation)
    return;

  again = GPOINTER_TO_INT (g_hash_table_lookup (self->refreshing, uuid));
  g_hash_table_remove (self->refreshing, uuid);

  if (error != NULL)
    {
      if (g_error_matches (error, HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED))
        _hangar_connection_lost (self, error);
      else
        g_warning ("Could not refresh machine %s: %s", uuid, error->message);
      return;
    }

  apply_one (self, uuid, info);
  if (again && info != NULL)
    schedule_refresh (self, uuid, info->domain);
}

/* @dom: (nullable): the domain, if the caller has one (events do); else the machine's */
static void
schedule_refresh (HangarConnection *self,
                  const char       *uuid,
                  virDomainPtr      dom)
{
  g_autoptr(GTask) task = NULL;
  RefreshData *data;

  if (!self->listed)
    {
      g_hash_table_add (self->deferred, g_strdup (uuid));
      return;
    }

  /* One refresh per domain at a time; a burst of events collapses into one more. */
  if (g_hash_table_contains (self->refreshing, uuid))
    {
      g_hash_table_insert (self->refreshing, g_strdup (uuid), GINT_TO_POINTER (TRUE));
      return;
    }

  if (dom == NULL)
    {
      HangarMachine *machine = g_hash_table_lookup (self->by_uuid, uuid);

      dom = machine != NULL ? _hangar_machine_get_domain (machine) : NULL;
      if (dom == NULL)
        return;
    }

  g_hash_table_insert (self->refreshing, g_strdup (uuid), GINT_TO_POINTER (FALSE));

  data = g_new0 (RefreshData, 1);
  data->uuid = g_strdup (uuid);
  data->generation = self->generation;
  if (dom != NULL)
    {
      virDomainRef (dom);
      data->dom = dom;
    }

  task = g_task_new (self, NULL, refresh_cb, g_object_ref (self));
  g_task_set_source_tag (task, schedule_refresh);
  g_task_set_task_data (task, data, (GDestroyNotify) refresh_data_free);
  g_task_run_in_thread (task, refresh_worker);
}


/* Title and OS name for the rows on screen. The bulk list cannot carry them (they live in each
 * domain's XML), so rows ask, and the asks are served in batches by one worker at a time. */

#define SUMMARY_BATCH 64

typedef struct
{
  GPtrArray *domains;   /* virDomainPtr (owned, released by the worker) */
  GPtrArray *infos;     /* HangarMachineInfo, filled by the worker */
  guint      generation;
} SummaryData;

static void
summary_data_free (SummaryData *data)
{
  g_clear_pointer (&data->domains, g_ptr_array_unref);
  g_clear_pointer (&data->infos, g_ptr_array_unref);
  g_free (data);
}

static void
summary_worker (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  SummaryData *data = task_data;

  for (guint i = 0; i < data->domains->len; i++)
    {
      virDomainPtr dom = g_ptr_array_index (data->domains, i);
      HangarMachineInfo *info = g_new0 (HangarMachineInfo, 1);
      char uuid[VIR_UUID_STRING_BUFLEN];
      g_autofree char *xml = virDomainGetXMLDesc (dom, 0);

      if (virDomainGetUUIDString (dom, uuid) == 0)
        info->uuid = g_strdup (uuid);
      if (xml != NULL)
        {
          _hangar_domain_xml_peek (xml, &info->title, &info->os_id);
          info->os_name = hangar_os_db_dup_name (info->os_id);
          info->has_xml = TRUE;
        }
      else
        virResetLastError ();
      g_ptr_array_add (data->infos, info);
    }

  /* Drop the domain refs here: never the last ref of a connection on the main thread. */
  g_ptr_array_set_size (data->domains, 0);
  g_task_return_boolean (task, TRUE);
}

static void start_summary_batch (HangarConnection *self);

static gboolean
summary_idle_cb (gpointer user_data)
{
  HangarConnection *self = user_data;

  self->summary_id = 0;
  start_summary_batch (self);

  return G_SOURCE_REMOVE;
}

static void
summary_cb (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HangarConnection) self = user_data;
  SummaryData *data = g_task_get_task_data (G_TASK (result));

  self->summary_busy = FALSE;
  if (data->generation != self->generation)
    return;

  for (guint i = 0; i < data->infos->len; i++)
    {
      HangarMachineInfo *info = g_ptr_array_index (data->infos, i);
      HangarMachine *machine = info->uuid ? g_hash_table_lookup (self->by_uuid, info->uuid) : NULL;

      if (machine != NULL)
        _hangar_machine_set_summary (machine, info);
    }

  if (self->summary_queue->len > 0 && self->summary_id == 0)
    self->summary_id = g_idle_add_full (G_PRIORITY_LOW, summary_idle_cb, self, NULL);
}

static void
start_summary_batch (HangarConnection *self)
{
  g_autoptr(GTask) task = NULL;
  SummaryData *data;
  guint n;

  if (self->summary_busy || self->summary_queue->len == 0 || !self->listed)
    return;

  data = g_new0 (SummaryData, 1);
  data->domains = g_ptr_array_new_with_free_func ((GDestroyNotify) virDomainFree);
  data->infos = g_ptr_array_new_with_free_func ((GDestroyNotify) _hangar_machine_info_free);
  data->generation = self->generation;

  /* Last asked, first served: the rows on screen now, not those scrolled past. */
  n = MIN (self->summary_queue->len, SUMMARY_BATCH);
  for (guint i = 0; i < n; i++)
    {
      guint last = self->summary_queue->len - 1;
      g_autoptr(HangarMachine) machine = g_ptr_array_steal_index (self->summary_queue, last);
      virDomainPtr dom = _hangar_machine_get_domain (machine);

      if (dom == NULL)
        {
          _hangar_machine_summary_dropped (machine);
          continue;
        }
      virDomainRef (dom);
      g_ptr_array_add (data->domains, dom);
    }

  self->summary_busy = TRUE;
  task = g_task_new (self, NULL, summary_cb, g_object_ref (self));
  g_task_set_source_tag (task, start_summary_batch);
  g_task_set_task_data (task, data, (GDestroyNotify) summary_data_free);
  g_task_run_in_thread (task, summary_worker);
}

/* Called by HangarMachine when a row asks for its title and OS. */
void
_hangar_connection_queue_summary (HangarConnection *self,
                                  HangarMachine    *machine)
{
  g_return_if_fail (HANGAR_IS_CONNECTION (self));

  g_ptr_array_add (self->summary_queue, g_object_ref (machine));
  if (!self->summary_busy && self->summary_id == 0)
    self->summary_id = g_idle_add_full (G_PRIORITY_LOW, summary_idle_cb, self, NULL);
}

/* Events. libvirt-glib dispatches them on the default main context, but we hop through
 * g_main_context_invoke anyway: it runs at once when we are already there, and the close
 * callback can come from whichever thread noticed the socket closing. */

typedef struct
{
  Link         *link;
  virDomainPtr  dom;
  int           reason;  /* close reason, for close events */
} EventMsg;

static void
event_msg_free (EventMsg *msg)
{
  g_clear_pointer (&msg->dom, virDomainFree);
  link_unref (msg->link);
  g_free (msg);
}

static gboolean
domain_event_idle (gpointer user_data)
{
  EventMsg *msg = user_data;
  g_autoptr(HangarConnection) self = link_get_current (msg->link);
  char uuid[VIR_UUID_STRING_BUFLEN];

  if (self != NULL && virDomainGetUUIDString (msg->dom, uuid) == 0)
    schedule_refresh (self, uuid, msg->dom);

  return G_SOURCE_REMOVE;
}

static void
domain_event (void         *opaque,
              virDomainPtr  dom)
{
  Link *link = opaque;
  EventMsg *msg = g_new0 (EventMsg, 1);

  msg->link = link_ref (link);
  virDomainRef (dom);
  msg->dom = dom;
  g_main_context_invoke_full (link->context, G_PRIORITY_DEFAULT, domain_event_idle, msg,
                              (GDestroyNotify) event_msg_free);
}

static int
lifecycle_cb (virConnectPtr  conn,
              virDomainPtr   dom,
              int            event,
              int            detail,
              void          *opaque)
{
  domain_event (opaque, dom);
  return 0;
}

static void
reboot_cb (virConnectPtr  conn,
           virDomainPtr   dom,
           void          *opaque)
{
  domain_event (opaque, dom);
}

static void
device_cb (virConnectPtr  conn,
           virDomainPtr   dom,
           const char    *dev_alias,
           void          *opaque)
{
  domain_event (opaque, dom);
}

static void
metadata_cb (virConnectPtr  conn,
             virDomainPtr   dom,
             int            type,
             const char    *nsuri,
             void          *opaque)
{
  domain_event (opaque, dom);
}

static char *
close_reason_sentence (int reason)
{
  switch (reason)
    {
    case VIR_CONNECT_CLOSE_REASON_EOF:
      return g_strdup (_("the daemon closed the connection"));
    case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
      return g_strdup (_("the daemon stopped answering"));
    case VIR_CONNECT_CLOSE_REASON_CLIENT:
      return g_strdup (_("the connection was closed"));
    case VIR_CONNECT_CLOSE_REASON_ERROR:
    default:
      return g_strdup (_("a network error occurred"));
    }
}

static gboolean
close_idle (gpointer user_data)
{
  EventMsg *msg = user_data;
  g_autoptr(HangarConnection) self = link_get_current (msg->link);
  g_autofree char *reason = close_reason_sentence (msg->reason);
  g_autoptr(GError) error = NULL;

  if (self == NULL)
    return G_SOURCE_REMOVE;

  /* The link is current, so if we are not connected yet, the open in flight registered it and
   * is about to hand over a dead connection. */
  if (self->open_generation != 0 && self->open_generation == self->generation)
    {
      self->lost_in_open = TRUE;
      return G_SOURCE_REMOVE;
    }

  error = g_error_new_literal (HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED, reason);
  _hangar_connection_lost (self, error);

  return G_SOURCE_REMOVE;
}

static void
close_cb (virConnectPtr  conn,
          int            reason,
          void          *opaque)
{
  Link *link = opaque;
  EventMsg *msg = g_new0 (EventMsg, 1);

  msg->link = link_ref (link);
  msg->reason = reason;
  g_main_context_invoke_full (link->context, G_PRIORITY_DEFAULT, close_idle, msg,
                              (GDestroyNotify) event_msg_free);
}

/* Opening, in a worker */

typedef struct
{
  char  *uri;
  Link  *link;
  guint  keepalive_interval;
  guint  keepalive_count;
  guint  generation;
} OpenData;

typedef struct
{
  virConnectPtr  conn;
  GPtrArray     *infos;
} OpenResult;

static void
open_data_free (OpenData *data)
{
  g_free (data->uri);
  link_unref (data->link);
  g_free (data);
}

static void
open_result_free (OpenResult *res)
{
  if (res->conn != NULL)
    g_warning ("An opened connection was dropped without teardown");
  g_clear_pointer (&res->infos, g_ptr_array_unref);
  g_free (res);
}

static int
no_prompt_auth_cb (virConnectCredentialPtr cred,
                   unsigned int            ncred,
                   void                   *cbdata)
{
  /* Never prompt on a terminal: credentials come from agents (ssh-agent, polkit). */
  return -1;
}

static int auth_credtypes[] = {
  VIR_CRED_AUTHNAME,
  VIR_CRED_PASSPHRASE,
};

static virConnectAuth no_prompt_auth = {
  auth_credtypes,
  G_N_ELEMENTS (auth_credtypes),
  no_prompt_auth_cb,
  NULL,
};

static const struct {
  int                            id;
  virConnectDomainEventGenericCallback cb;
} event_table[N_EVENTS] = {
  [EVENT_LIFECYCLE] = { VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK (lifecycle_cb) },
  [EVENT_REBOOT] = { VIR_DOMAIN_EVENT_ID_REBOOT, VIR_DOMAIN_EVENT_CALLBACK (reboot_cb) },
  [EVENT_DEVICE_ADDED] = { VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, VIR_DOMAIN_EVENT_CALLBACK (device_cb) },
  [EVENT_DEVICE_REMOVED] = { VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, VIR_DOMAIN_EVENT_CALLBACK (device_cb) },
  [EVENT_METADATA] = { VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, VIR_DOMAIN_EVENT_CALLBACK (metadata_cb) },
};

static void
register_callbacks (virConnectPtr  conn,
                    Link          *link,
                    OpenData      *data)
{
  /* 1 means the driver has no keepalive (the test driver); not an error for us. */
  if (virConnectSetKeepAlive (conn, data->keepalive_interval, data->keepalive_count) < 0)
    virResetLastError ();

  if (virConnectRegisterCloseCallback (conn, close_cb, link_ref (link), link_unref) == 0)
    link->close_registered = TRUE;
  else
    {
      link_unref (link);
      virResetLastError ();
    }

  for (guint i = 0; i < N_EVENTS; i++)
    {
      link->event_ids[i] = virConnectDomainEventRegisterAny (conn, NULL, event_table[i].id,
                                                             event_table[i].cb,
                                                             link_ref (link), link_unref);
      if (link->event_ids[i] < 0)
        {
          link_unref (link);
          virResetLastError ();
        }
    }
}

static char *
uri_for_open (const char *uri)
{
  g_autoptr(GUri) guri = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  const char *scheme = guri != NULL ? g_uri_get_scheme (guri) : NULL;
  const char *query = guri != NULL ? g_uri_get_query (guri) : NULL;

  /* ssh must fail rather than ask for a password on whatever terminal started us. */
  if (scheme != NULL && g_str_has_suffix (scheme, "+ssh") &&
      (query == NULL || strstr (query, "no_tty=") == NULL))
    return g_strdup_printf ("%s%sno_tty=1", uri, query != NULL ? "&" : "?");

  return g_strdup (uri);
}

static void
open_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpenData *data = task_data;
  g_autofree char *uri = uri_for_open (data->uri);
  g_autoptr(GError) error = NULL;
  OpenResult *res;
  virConnectPtr conn;
  GPtrArray *infos;

  conn = virConnectOpenAuth (uri, &no_prompt_auth, 0);
  if (conn == NULL)
    {
      g_task_return_error (task, _hangar_connection_open_error (data->uri));
      return;
    }

  /* Callbacks first, list second: a change in between is then seen twice, never missed. */
  register_callbacks (conn, data->link, data);

  infos = list_all (conn, &error);
  if (infos == NULL)
    {
      g_prefix_error (&error, _("Connected to %s, but: "), data->uri);
      if (virConnectIsAlive (conn) == 0)
        error->code = HANGAR_ERROR_DISCONNECTED;
      teardown_conn (conn, data->link);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  res = g_new0 (OpenResult, 1);
  res->conn = conn;
  res->infos = infos;
  g_task_return_pointer (task, res, (GDestroyNotify) open_result_free);
}

/* State */

static void
set_state (HangarConnection      *self,
           HangarConnectionState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_status (HangarConnection *self,
            const GError     *error,
            const char       *status)
{
  gboolean error_changed;

  error_changed = (self->error == NULL) != (error == NULL) ||
                  (error != NULL && (self->error->domain != error->domain ||
                                     self->error->code != error->code ||
                                     g_strcmp0 (self->error->message, error->message) != 0));
  if (error_changed)
    {
      g_clear_error (&self->error);
      self->error = error != NULL ? g_error_copy (error) : NULL;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }

  if (g_strcmp0 (self->status, status) != 0)
    {
      g_free (self->status);
      self->status = g_strdup (status);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
}

/* Replaces the list with @infos in one g_list_store_splice (), keeping the objects of machines
 * that stay (so selections and bindings survive a reconnect). */
static void
apply_list (HangarConnection *self,
            GPtrArray        *infos)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) tail = g_ptr_array_new ();
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->machines));
  guint first_removed = n_old;

  for (guint i = 0; i < infos->len; i++)
    {
      HangarMachineInfo *info = g_ptr_array_index (infos, i);
      HangarMachine *machine;

      if (g_hash_table_contains (seen, info->uuid))
        continue;

      machine = g_hash_table_lookup (self->by_uuid, info->uuid);
      if (machine != NULL)
        _hangar_machine_update (machine, info);
      else
        {
          machine = _hangar_machine_new (self, info);
          g_ptr_array_add (added, machine);
          g_hash_table_insert (self->by_uuid, (char *) hangar_machine_get_uuid (machine), machine);
        }
      g_hash_table_add (seen, (char *) hangar_machine_get_uuid (machine));
    }

  /* The splice starts at the first machine that went away and rewrites the tail from there. */
  for (guint i = 0; i < n_old; i++)
    {
      g_autoptr(HangarMachine) machine = g_list_model_get_item (G_LIST_MODEL (self->machines), i);

      if (!g_hash_table_contains (seen, hangar_machine_get_uuid (machine)))
        {
          g_hash_table_remove (self->by_uuid, hangar_machine_get_uuid (machine));
          _hangar_machine_set_domain (machine, NULL);
          first_removed = MIN (first_removed, i);
        }
      else if (first_removed < n_old)
        g_ptr_array_add (tail, machine);
    }

  for (guint i = 0; i < added->len; i++)
    g_ptr_array_add (tail, g_ptr_array_index (added, i));

  if (first_removed < n_old || tail->len > 0)
    g_list_store_splice (self->machines, first_removed, n_old - first_removed,
                         tail->pdata, tail->len);
}

static void
clear_list (HangarConnection *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->machines));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HangarMachine) machine = g_list_model_get_item (G_LIST_MODEL (self->machines), i);

      _hangar_machine_set_domain (machine, NULL);
    }
  g_hash_table_remove_all (self->by_uuid);
  g_list_store_remove_all (self->machines);
}

static void
drop_conn (HangarConnection *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->machines));

  /* Queued machines ask again when they are bound to the next connection. */
  for (guint i = 0; i < self->summary_queue->len; i++)
    _hangar_machine_summary_dropped (g_ptr_array_index (self->summary_queue, i));
  g_ptr_array_set_size (self->summary_queue, 0);
  g_clear_handle_id (&self->summary_id, g_source_remove);
  self->generation++;
  self->listed = FALSE;
  g_hash_table_remove_all (self->refreshing);
  g_hash_table_remove_all (self->deferred);

  /* Machines stay listed but unbound; their domain refs go before the connection's own ref. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HangarMachine) machine = g_list_model_get_item (G_LIST_MODEL (self->machines), i);

      _hangar_machine_set_domain (machine, NULL);
    }

  if (self->conn != NULL)
    teardown_in_worker (g_steal_pointer (&self->conn), g_steal_pointer (&self->link));
  g_clear_pointer (&self->link, link_unref);
}

static gboolean
reconnect_cb (gpointer user_data)
{
  HangarConnection *self = user_data;

  self->reconnect_id = 0;
  start_open (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (HangarConnection *self)
{
  guint delay = self->backoff_ms;

  self->backoff_ms = MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  self->reconnect_id = g_timeout_add (delay, reconnect_cb, self);
}

static void
open_cb (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(HangarConnection) self = user_data;
  OpenData *data = g_task_get_task_data (G_TASK (result));
  OpenResult *res;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) deferred = NULL;
  GHashTableIter iter;
  const char *uuid;

  res = g_task_propagate_pointer (G_TASK (result), &error);

  if (data->generation == self->open_generation)
    self->open_generation = 0;

  if (res != NULL && self->lost_in_open && data->generation == self->generation)
    {
      teardown_in_worker (g_steal_pointer (&res->conn), link_ref (data->link));
      g_clear_pointer (&res, open_result_free);
      error = g_error_new_literal (HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED,
                                   _("The daemon closed the connection while Hangar was opening it."));
    }
  self->lost_in_open = FALSE;

  if (data->generation != self->generation || !self->wanted)
    {
      /* Closed, or superseded, while this open ran. */
      if (res != NULL)
        teardown_in_worker (g_steal_pointer (&res->conn), link_ref (data->link));
      g_clear_pointer (&res, open_result_free);
      return;
    }

  if (res == NULL)
    {
      if (self->state == HANGAR_CONNECTION_STATE_RECONNECTING)
        {
          g_autofree char *status = g_strdup_printf (_("%s Trying again…"), error->message);

          set_status (self, error, status);
          schedule_reconnect (self);
        }
      else
        {
          self->wanted = FALSE;
          set_status (self, error, error->message);
          set_state (self, HANGAR_CONNECTION_STATE_DISCONNECTED);
        }
      return;
    }

  self->conn = g_steal_pointer (&res->conn);
  self->link = link_ref (data->link);
  self->backoff_ms = BACKOFF_FIRST_MS;
  apply_list (self, res->infos);
  open_result_free (res);
  self->listed = TRUE;

  /* Domains whose events came while the list was on its way. */
  deferred = g_steal_pointer (&self->deferred);
  self->deferred = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_iter_init (&iter, deferred);
  while (g_hash_table_iter_next (&iter, (gpointer *) &uuid, NULL))
    schedule_refresh (self, uuid, NULL);

  set_status (self, NULL, NULL);
  set_state (self, HANGAR_CONNECTION_STATE_CONNECTED);
}

static void
start_open (HangarConnection *self)
{
  g_autoptr(GTask) task = NULL;
  OpenData *data;

  hangar_event_loop_init ();

  self->generation++;
  self->listed = FALSE;
  self->lost_in_open = FALSE;
  self->open_generation = self->generation;

  data = g_new0 (OpenData, 1);
  data->uri = g_strdup (self->uri);
  data->link = link_new (self);
  data->keepalive_interval = self->keepalive_interval;
  data->keepalive_count = self->keepalive_count;
  data->generation = self->generation;

  task = g_task_new (self, NULL, open_cb, g_object_ref (self));
  g_task_set_source_tag (task, start_open);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  g_task_run_in_thread (task, open_worker);
}

/**
 * _hangar_connection_lost:
 * @self: a connection
 * @error: why, as reported by a worker or the close callback
 *
 * The daemon went away: drop the connection, mark the machines unavailable and reconnect with
 * back-off. Calls after the first one for the same loss do nothing.
 */
void
_hangar_connection_lost (HangarConnection *self,
                         const GError     *error)
{
  g_autofree char *status = NULL;
  g_autoptr(GError) lost = NULL;

  g_return_if_fail (HANGAR_IS_CONNECTION (self));

  if (self->state != HANGAR_CONNECTION_STATE_CONNECTED || !self->wanted)
    return;

  lost = g_error_new (HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED,
                      _("Lost the connection to %s: %s."), self->uri, error->message);
  status = g_strdup_printf (_("%s Reconnecting…"), lost->message);
  g_debug ("%s", status);

  drop_conn (self);
  self->backoff_ms = BACKOFF_FIRST_MS;
  set_status (self, lost, status);
  set_state (self, HANGAR_CONNECTION_STATE_RECONNECTING);
  schedule_reconnect (self);
}

void
_hangar_connection_refresh_machine (HangarConnection *self,
                                    const char       *uuid)
{
  g_return_if_fail (HANGAR_IS_CONNECTION (self));
  g_return_if_fail (uuid != NULL);

  if (self->state == HANGAR_CONNECTION_STATE_CONNECTED)
    schedule_refresh (self, uuid, NULL);
}

/* Errors of virConnectOpen, as sentences. Runs in the worker where the open failed. */

static gboolean
uri_is_system (const char *uri)
{
  g_autoptr(GUri) guri = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);

  return guri != NULL && g_strcmp0 (g_uri_get_path (guri), "/system") == 0;
}

GError *
_hangar_connection_open_error (const char *uri)
{
  return _hangar_connection_describe_open_error (uri, virGetLastError ());
}

/* @err: (nullable): a libvirt error; a parameter so that tests can make up any */
GError *
_hangar_connection_describe_open_error (const char     *uri,
                                        const virError *err)
{
  const char *message = err != NULL && err->message != NULL ? err->message : _("no reason given");
  int code = err != NULL ? err->code : VIR_ERR_INTERNAL_ERROR;
  int sys_errno = err != NULL && code == VIR_ERR_SYSTEM_ERROR ? err->int1 : 0;
  gboolean local = !strstr (uri, "://") || strstr (uri, ":///") != NULL;
  gboolean denied;

  denied = code == VIR_ERR_AUTH_FAILED || code == VIR_ERR_AUTH_CANCELLED ||
           code == VIR_ERR_AUTH_UNAVAILABLE || code == VIR_ERR_ACCESS_DENIED ||
           code == VIR_ERR_OPERATION_DENIED || sys_errno == EACCES || sys_errno == EPERM;

  if (denied && local && uri_is_system (uri))
    return g_error_new (HANGAR_ERROR, HANGAR_ERROR_PERMISSION_DENIED,
                        _("You are not allowed to manage system machines. Add your user to the "
                          "“libvirt” group (sudo usermod -aG libvirt $USER, then log in again) or "
                          "ask your administrator for a polkit rule. (%s)"), message);
  if (denied)
    return g_error_new (HANGAR_ERROR, HANGAR_ERROR_PERMISSION_DENIED,
                        _("You are not allowed to connect to %s: %s. Check your credentials or ask "
                          "the host’s administrator."), uri, message);

  if (local && (sys_errno == ENOENT || sys_errno == ECONNREFUSED))
    {
      if (uri_is_system (uri))
        return g_error_new (HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED,
                            _("No libvirt daemon answers at %s. Start it with “sudo systemctl "
                              "start libvirtd” (or “virtqemud” on modular installs), then try "
                              "again. (%s)"), uri, message);
      return g_error_new (HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED,
                          _("No libvirt daemon answers at %s. Start it (for a session: "
                            "“libvirtd --daemon” as your user), then try again. (%s)"),
                          uri, message);
    }

  if (code == VIR_ERR_NO_CONNECT)
    return g_error_new (HANGAR_ERROR, HANGAR_ERROR_INVALID_URI,
                        _("Nothing handles %s: %s. Check the address, or install the libvirt "
                          "driver it needs."), uri, message);

  if (!local && (code == VIR_ERR_SYSTEM_ERROR || code == VIR_ERR_RPC))
    return g_error_new (HANGAR_ERROR, HANGAR_ERROR_DISCONNECTED,
                        _("Could not reach %s: %s. Check the host name, that the host is online "
                          "and that you can log in to it with ssh."), uri, message);

  return g_error_new (HANGAR_ERROR, HANGAR_ERROR_LIBVIRT,
                      _("Could not connect to %s: %s."), uri, message);
}

/* URIs */

static const char * const known_drivers[] = {
  "qemu", "test", "lxc", "xen", "libxl", "ch", "bhyve", "vbox", "vmwarews", "vmwareplayer",
  "vmwarefusion", "esx", "gsx", "vpx", "hyperv", "openvz", "vz", "interface", "network",
  "nodedev", "nwfilter", "secret", "storage", NULL,
};

static const char * const known_transports[] = {
  "unix", "ssh", "libssh", "libssh2", "tcp", "tls", "ext", NULL,
};

#define URI_EXAMPLES N_("Addresses look like qemu:///system, qemu:///session or " \
                        "qemu+ssh://user@host/system.")

static gboolean
check_driver_path (const char  *uri,
                   const char  *driver,
                   const char  *path,
                   GError     **error)
{
  if (g_str_equal (driver, "qemu") &&
      !g_str_equal (path, "/system") && !g_str_equal (path, "/session") &&
      !g_str_equal (path, "/embed"))
    {
      g_set_error (error, HANGAR_ERROR, HANGAR_ERROR_INVALID_URI,
                   _("“%s” must end in /system or /session. %s"), uri, _(URI_EXAMPLES));
      return FALSE;
    }

  if (g_str_equal (driver, "test") && (path[0] != '/' || path[1] == '\0'))
    {
      g_set_error (error, HANGAR_ERROR, HANGAR_ERROR_INVALID_URI,
                   _("“%s” needs a world file, as in test:///home/me/world.xml."), uri);
      return FALSE;
    }

  return TRUE;
}

/**
 * hangar_validate_uri:
 * @uri: (nullable): what the user typed
 * @error: where the reason goes, as a sentence
 *
 * Checks that @uri parses, names a libvirt driver and transport we know, and has the parts they
 * need. Does not contact anything.
 *
 * Returns: %TRUE if @uri is worth trying
 */
gboolean
hangar_validate_uri (const char  *uri,
                     GError     **error)
{
  g_autoptr(GUri) guri = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_auto(GStrv) scheme_parts = NULL;
  const char *host, *path, *transport;

  g_autofree char *stripped = g_strstrip (g_strdup (uri ? uri : ""));

  if (*stripped == '\0')
    {
      g_set_error (error, HANGAR_ERROR, HANGAR_ERROR_INVALID_URI,
                   _("Enter a connection address. %s"), _(URI_EXAMPLES));
      return FALSE;
    }

  guri = g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS, &parse_error);
  if (guri == NULL || strchr (uri, ' ') != NULL || strstr (uri, "://") == NULL)
    {
      g_set_error (error, HANGAR_ERROR, HANGAR_ERROR_INVALID_URI,
                   _("“%s” is not a connection address. %s"), uri, _(URI_EXAMPLES));
      return FALSE;
    }

  scheme_parts = g_strsplit (g_uri_get_scheme (guri), "+", 2);
  transport = scheme_parts[1];
  host = g_uri_get_host (guri);
  path = g_uri_get_path (guri);

  if (!g_strv_contains (known_drivers, scheme_parts[0]))
    {
      g_set_error (error, HANGAR_ERROR, HANGAR_ERROR_INVALID_URI,
                   _("“%s” names no libvirt driver Hangar knows (such as qemu). %s"),
                   uri, _(URI_EXAMPLES));
      return FALSE;
    }

  if (transport != NULL && !g_strv_contains (known_transports, transport))
    {
      g_set_error (error, HANGAR_ERROR, HANGAR_ERROR_INVALID_URI,
                   _("“%s” names an unknown transport “%s”; use ssh, tls, tcp or unix. %s"),
                   uri, transport, _(URI_EXAMPLES));
      return FALSE;
    }

  if (transport != NULL && !g_str_equal (transport, "unix") && !g_str_equal (transport, "ext") &&
      (host == NULL || *host == '\0'))
    {
      g_set_error (error, HANGAR_ERROR, HANGAR_ERROR_INVALID_URI,
                   _("“%s” needs a host name, as in qemu+%s://user@host/system."),
                   uri, transport);
      return FALSE;
    }

  return check_driver_path (uri, scheme_parts[0], path, error);
}

static const char *
driver_label (const char *driver,
              const char *path)
{
  if (g_str_equal (driver, "qemu"))
    return g_strcmp0 (path, "/session") == 0 ? _("QEMU") : _("QEMU/KVM");
  if (g_str_equal (driver, "lxc"))
    return "LXC";
  if (g_str_equal (driver, "xen") || g_str_equal (driver, "libxl"))
    return "Xen";
  if (g_str_equal (driver, "ch"))
    return "Cloud Hypervisor";
  if (g_str_equal (driver, "vbox"))
    return "VirtualBox";
  if (g_str_equal (driver, "esx"))
    return "ESXi";
  if (g_str_equal (driver, "test"))
    return _("Test");

  return driver;
}

static const char *
transport_label (const char *transport)
{
  if (g_str_has_prefix (transport, "ssh") || g_str_has_prefix (transport, "libssh"))
    return "SSH";
  if (g_str_equal (transport, "tls"))
    return "TLS";
  if (g_str_equal (transport, "tcp"))
    return "TCP";

  return transport;
}

static void
describe_uri (HangarConnection *self)
{
  g_autoptr(GUri) guri = g_uri_parse (self->uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS, NULL);
  g_auto(GStrv) scheme_parts = NULL;
  const char *host, *path, *transport, *driver, *label;
  g_autofree char *base = NULL;

  if (guri == NULL)
    {
      self->title = g_strdup (self->uri);
      self->is_local = TRUE;
      return;
    }

  scheme_parts = g_strsplit (g_uri_get_scheme (guri), "+", 2);
  driver = scheme_parts[0];
  transport = scheme_parts[1];
  host = g_uri_get_host (guri);
  path = g_uri_get_path (guri);
  label = driver_label (driver, path);

  self->is_local = (host == NULL || *host == '\0' || g_str_equal (host, "localhost")) &&
                   (transport == NULL || g_str_equal (transport, "unix"));

  if (self->is_local)
    {
      if (g_str_equal (driver, "test"))
        {
          g_autofree char *unescaped = g_uri_unescape_string (*path != '\0' ? path : "/default", NULL);

          base = g_path_get_basename (unescaped ? unescaped : path);
          self->title = g_strdup_printf (_("Test: %s"), base);
        }
      else if (g_str_equal (path, "/system"))
        self->title = g_strdup_printf (_("%s (system)"), label);
      else if (g_str_equal (path, "/session"))
        self->title = g_strdup_printf (_("%s (session)"), label);
      else
        self->title = g_strdup (label);
    }
  else if (g_strcmp0 (path, "/session") == 0)
    self->title = g_strdup_printf (_("%s (%s session via %s)"), host, label,
                                   transport_label (transport ? transport : "tls"));
  else
    self->title = g_strdup_printf (_("%s (%s via %s)"), host, label,
                                   transport_label (transport ? transport : "tls"));
}

/* GObject */

static void
hangar_connection_constructed (GObject *object)
{
  HangarConnection *self = (HangarConnection *) object;

  G_OBJECT_CLASS (hangar_connection_parent_class)->constructed (object);

  describe_uri (self);
}

static void
hangar_connection_dispose (GObject *object)
{
  HangarConnection *self = (HangarConnection *) object;

  self->wanted = FALSE;
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  g_clear_handle_id (&self->summary_id, g_source_remove);
  if (self->summary_queue != NULL)
    g_ptr_array_set_size (self->summary_queue, 0);
  if (self->by_uuid != NULL)
    {
      drop_conn (self);
      clear_list (self);
    }

  G_OBJECT_CLASS (hangar_connection_parent_class)->dispose (object);
}

static void
hangar_connection_finalize (GObject *object)
{
  HangarConnection *self = (HangarConnection *) object;

  g_clear_object (&self->machines);
  g_clear_pointer (&self->by_uuid, g_hash_table_unref);
  g_clear_pointer (&self->refreshing, g_hash_table_unref);
  g_clear_pointer (&self->deferred, g_hash_table_unref);
  g_clear_pointer (&self->summary_queue, g_ptr_array_unref);
  g_clear_error (&self->error);
  g_free (self->uri);
  g_free (self->title);
  g_free (self->status);

  G_OBJECT_CLASS (hangar_connection_parent_class)->finalize (object);
}

static void
hangar_connection_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  HangarConnection *self = HANGAR_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_IS_LOCAL:
      g_value_set_boolean (value, self->is_local);
      break;
    case PROP_MACHINES:
      g_value_set_object (value, self->machines);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_connection_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  HangarConnection *self = HANGAR_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_URI:
      self->uri = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_connection_class_init (HangarConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hangar_connection_constructed;
  object_class->dispose = hangar_connection_dispose;
  object_class->finalize = hangar_connection_finalize;
  object_class->get_property = hangar_connection_get_property;
  object_class->set_property = hangar_connection_set_property;

  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, HANGAR_TYPE_CONNECTION_STATE,
                       HANGAR_CONNECTION_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_IS_LOCAL] =
    g_param_spec_boolean ("is-local", NULL, NULL, TRUE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MACHINES] =
    g_param_spec_object ("machines", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hangar_connection_init (HangarConnection *self)
{
  self->machines = g_list_store_new (HANGAR_TYPE_MACHINE);
  self->by_uuid = g_hash_table_new (g_str_hash, g_str_equal);
  self->refreshing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->deferred = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->state = HANGAR_CONNECTION_STATE_DISCONNECTED;
  self->backoff_ms = BACKOFF_FIRST_MS;
  /* 5 s is libvirtd's own keepalive_interval: the daemon pings an idle client every 5 s anyway,
   * and any packet from it restarts our timer, so we add no wake-ups of our own while idle
   * (measured: 2 s × 3 woke the process once a second, 5 s × 2 as often as keepalive off,
   * 0.3 a second). A hung daemon is noticed 10–15 s after its last packet. */
  self->keepalive_interval = 5;
  self->keepalive_count = 2;
  self->summary_queue = g_ptr_array_new_with_free_func (g_object_unref);
}

/* Public API */

/**
 * hangar_connection_new:
 * @uri: a libvirt URI
 *
 * Returns: (transfer full): a connection, not yet open
 */
HangarConnection *
hangar_connection_new (const char *uri)
{
  g_return_val_if_fail (uri != NULL, NULL);

  return g_object_new (HANGAR_TYPE_CONNECTION, "uri", uri, NULL);
}

const char *
hangar_connection_get_uri (HangarConnection *self)
{
  g_return_val_if_fail (HANGAR_IS_CONNECTION (self), NULL);
  return self->uri;
}

/**
 * hangar_connection_get_title:
 * @self: a connection
 *
 * Returns: (transfer none): a name for people, such as “QEMU/KVM (system)”
 */
const char *
hangar_connection_get_title (HangarConnection *self)
{
  g_return_val_if_fail (HANGAR_IS_CONNECTION (self), NULL);
  return self->title;
}

HangarConnectionState
hangar_connection_get_state (HangarConnection *self)
{
  g_return_val_if_fail (HANGAR_IS_CONNECTION (self), HANGAR_CONNECTION_STATE_DISCONNECTED);
  return self->state;
}

/**
 * hangar_connection_get_error:
 * @self: a connection
 *
 * Returns: (transfer none) (nullable): why the last open failed or the daemon was lost
 */
const GError *
hangar_connection_get_error (HangarConnection *self)
{
  g_return_val_if_fail (HANGAR_IS_CONNECTION (self), NULL);
  return self->error;
}

/**
 * hangar_connection_get_status:
 * @self: a connection
 *
 * Returns: (transfer none) (nullable): a sentence for the user when something is wrong
 */
const char *
hangar_connection_get_status (HangarConnection *self)
{
  g_return_val_if_fail (HANGAR_IS_CONNECTION (self), NULL);
  return self->status;
}

gboolean
hangar_connection_get_is_local (HangarConnection *self)
{
  g_return_val_if_fail (HANGAR_IS_CONNECTION (self), FALSE);
  return self->is_local;
}

/**
 * hangar_connection_get_machines:
 * @self: a connection
 *
 * Returns: (transfer none): a #GListModel of #HangarMachine, in the daemon's order
 */
GListModel *
hangar_connection_get_machines (HangarConnection *self)
{
  g_return_val_if_fail (HANGAR_IS_CONNECTION (self), NULL);
  return G_LIST_MODEL (self->machines);
}

/**
 * hangar_connection_lookup_machine:
 * @self: a connection
 * @uuid: a domain UUID
 *
 * Returns: (transfer none) (nullable): the machine
 */
HangarMachine *
hangar_connection_lookup_machine (HangarConnection *self,
                                  const char       *uuid)
{
  g_return_val_if_fail (HANGAR_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (uuid != NULL, NULL);

  return g_hash_table_lookup (self->by_uuid, uuid);
}

/**
 * hangar_connection_lookup_machine_by_name:
 * @self: a connection
 * @name: a domain name
 *
 * Returns: (transfer none) (nullable): the machine
 */
HangarMachine *
hangar_connection_lookup_machine_by_name (HangarConnection *self,
                                          const char       *name)
{
  GHashTableIter iter;
  HangarMachine *machine;

  g_return_val_if_fail (HANGAR_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  g_hash_table_iter_init (&iter, self->by_uuid);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &machine))
    {
      if (g_strcmp0 (hangar_machine_get_name (machine), name) == 0)
        return machine;
    }

  return NULL;
}

/**
 * hangar_connection_set_keepalive:
 * @self: a connection
 * @interval: seconds of silence before a ping; 0 disables keepalive
 * @count: unanswered pings after which the connection counts as lost
 *
 * Takes effect at the next open. The default, 5 s × 2, adds no wake-ups to those of libvirtd's
 * own keepalive (5 s) and notices a hung daemon 10–15 s after its last packet.
 */
void
hangar_connection_set_keepalive (HangarConnection *self,
                                 guint             interval,
                                 guint             count)
{
  g_return_if_fail (HANGAR_IS_CONNECTION (self));

  self->keepalive_interval = interval;
  self->keepalive_count = count;
}

/**
 * hangar_connection_open:
 * @self: a connection
 *
 * Connects in a worker: state goes to CONNECTING, then CONNECTED with the machines listed, or
 * DISCONNECTED with #HangarConnection:error set. After a loss it reconnects by itself.
 */
void
hangar_connection_open (HangarConnection *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (HANGAR_IS_CONNECTION (self));

  if (self->wanted)
    return;

  if (!hangar_validate_uri (self->uri, &error))
    {
      set_status (self, error, error->message);
      set_state (self, HANGAR_CONNECTION_STATE_DISCONNECTED);
      return;
    }

  self->wanted = TRUE;
  self->backoff_ms = BACKOFF_FIRST_MS;
  set_status (self, NULL, NULL);
  set_state (self, HANGAR_CONNECTION_STATE_CONNECTING);
  start_open (self);
}

/**
 * hangar_connection_close:
 * @self: a connection
 *
 * Disconnects for good (until the next open): no reconnecting, and the machine list empties.
 */
void
hangar_connection_close (HangarConnection *self)
{
  g_return_if_fail (HANGAR_IS_CONNECTION (self));

  self->wanted = FALSE;
  self->open_generation = 0;
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  drop_conn (self);
  clear_list (self);
  set_status (self, NULL, NULL);
  set_state (self, HANGAR_CONNECTION_STATE_DISCONNECTED);
}

/**
 * hangar_connection_reconnect_now:
 * @self: a connection
 *
 * Skips the rest of the back-off delay (a “Retry” button), or opens again after a failed open.
 */
void
hangar_connection_reconnect_now (HangarConnection *self)
{
  g_return_if_fail (HANGAR_IS_CONNECTION (self));

  switch (self->state)
    {
    case HANGAR_CONNECTION_STATE_DISCONNECTED:
      hangar_connection_open (self);
      break;
    case HANGAR_CONNECTION_STATE_RECONNECTING:
      if (self->open_generation != 0 && self->open_generation == self->generation)
        return;
      g_clear_handle_id (&self->reconnect_id, g_source_remove);
      self->backoff_ms = BACKOFF_FIRST_MS;
      start_open (self);
      break;
    case HANGAR_CONNECTION_STATE_CONNECTING:
    case HANGAR_CONNECTION_STATE_CONNECTED:
    default:
      break;
    }
}
