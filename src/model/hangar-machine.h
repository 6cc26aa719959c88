/* hangar-machine.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hangar-connection.h"

G_BEGIN_DECLS

/**
 * HangarMachineState:
 *
 * libvirt's domain states, in libvirt's order, so a virDomainState casts to this.
 */
typedef enum
{
  HANGAR_MACHINE_STATE_NOSTATE,
  HANGAR_MACHINE_STATE_RUNNING,
  HANGAR_MACHINE_STATE_BLOCKED,
  HANGAR_MACHINE_STATE_PAUSED,
  HANGAR_MACHINE_STATE_SHUTDOWN,
  HANGAR_MACHINE_STATE_SHUTOFF,
  HANGAR_MACHINE_STATE_CRASHED,
  HANGAR_MACHINE_STATE_PMSUSPENDED,
} HangarMachineState;

/**
 * HangarMachineAction:
 *
 * The lifecycle actions; hangar_machine_can () says which the current state allows.
 */
typedef enum
{
  HANGAR_MACHINE_ACTION_START,
  HANGAR_MACHINE_ACTION_SHUTDOWN,
  HANGAR_MACHINE_ACTION_REBOOT,
  HANGAR_MACHINE_ACTION_FORCE_OFF,
  HANGAR_MACHINE_ACTION_PAUSE,
  HANGAR_MACHINE_ACTION_RESUME,
  HANGAR_MACHINE_ACTION_DELETE,
} HangarMachineAction;

#define HANGAR_TYPE_MACHINE (hangar_machine_get_type ())

G_DECLARE_FINAL_TYPE (HangarMachine, hangar_machine, HANGAR, MACHINE, GObject)

#define HANGAR_TYPE_MACHINE_DETAILS (hangar_machine_details_get_type ())

/**
 * HangarMachineDetails:
 *
 * What the domain XML says, read in a worker by hangar_machine_load_details_async ().
 * Each string array is %NULL-terminated; disks are "target — source path (size)".
 */
typedef struct
{
  char  **disks;           /* each "vda: /var/lib/libvirt/images/x.qcow2" */
  char  **disk_paths;      /* source files or volumes, for the delete dialog */
  char  **networks;        /* each "network default (virtio, 52:54:00:…)" */
  char   *graphics;        /* "VNC", "SPICE", "VNC, SPICE" or NULL */
  char   *os_id;           /* libosinfo id from the metadata, or NULL */
  char   *arch;
  char   *emulator_type;   /* "kvm" or "qemu" */
  gboolean has_nvram;
  guint  n_snapshots;
  /* The first <graphics>, for the console (filled in by the daemon while it runs). */
  char   *graphics_type;   /* "vnc", "spice" or NULL */
  char   *graphics_listen; /* its address ("127.0.0.1", "0.0.0.0", …), or NULL */
  int     graphics_port;   /* its TCP port, or -1 (not assigned yet, socket only, none) */
  char   *graphics_socket; /* its unix socket on the host (listen type socket), or NULL */
} HangarMachineDetails;

GType                 hangar_machine_details_get_type (void) G_GNUC_CONST;
HangarMachineDetails *hangar_machine_details_copy     (const HangarMachineDetails *details);
void                  hangar_machine_details_free     (HangarMachineDetails       *details);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HangarMachineDetails, hangar_machine_details_free)

HangarConnection     *hangar_machine_get_connection   (HangarMachine *self);
const char           *hangar_machine_get_name         (HangarMachine *self);
const char           *hangar_machine_get_uuid         (HangarMachine *self);
const char           *hangar_machine_get_title        (HangarMachine *self);
const char           *hangar_machine_get_os_name      (HangarMachine *self);
HangarMachineState    hangar_machine_get_state        (HangarMachine *self);
const char           *hangar_machine_get_state_label  (HangarMachine *self);
const char           *hangar_machine_get_state_icon   (HangarMachine *self);
guint64               hangar_machine_get_memory       (HangarMachine *self);
guint                 hangar_machine_get_vcpus        (HangarMachine *self);
gboolean              hangar_machine_get_persistent   (HangarMachine *self);
gboolean              hangar_machine_get_busy         (HangarMachine *self);
gboolean              hangar_machine_get_available    (HangarMachine *self);
void                  hangar_machine_load_summary     (HangarMachine *self);
gboolean              hangar_machine_can              (HangarMachine       *self,
                                                       HangarMachineAction  action);
gboolean              hangar_machine_state_allows     (HangarMachineState   state,
                                                       HangarMachineAction  action);
const char           *hangar_machine_state_to_label   (HangarMachineState   state);
const char           *hangar_machine_state_to_icon    (HangarMachineState   state);

void                  hangar_machine_run_async        (HangarMachine       *self,
                                                       HangarMachineAction  action,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean              hangar_machine_run_finish       (HangarMachine       *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
void                  hangar_machine_delete_async     (HangarMachine       *self,
                                                       const char * const  *volume_paths,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean              hangar_machine_delete_finish    (HangarMachine       *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
void                  hangar_machine_load_details_async (HangarMachine       *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
HangarMachineDetails *hangar_machine_load_details_finish (HangarMachine  *self,
                                                          GAsyncResult   *result,
                                                          GError        **error);

/* Live statistics for the page on screen: one sample per call, in a worker. */
typedef struct
{
  gint64  timestamp_us;
  guint64 cpu_time_ns;     /* cumulative guest CPU time */
  guint64 memory_used_kib; /* balloon current minus unused, or rss */
  guint64 memory_total_kib;
  guint   vcpus;
} HangarMachineSample;

void                  hangar_machine_sample_async     (HangarMachine       *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean              hangar_machine_sample_finish    (HangarMachine        *self,
                                                       GAsyncResult         *result,
                                                       HangarMachineSample  *sample,
                                                       GError              **error);

/* For the console: a local connection hands out an fd to the graphics (VNC or SPICE). */
void                  hangar_machine_open_graphics_fd_async  (HangarMachine       *self,
                                                              guint                index,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
int                   hangar_machine_open_graphics_fd_finish (HangarMachine  *self,
                                                              GAsyncResult   *result,
                                                              GError        **error);

/**
 * HangarDisplayRoute:
 * @HANGAR_DISPLAY_ROUTE_NONE: not reachable from here (a sentence says why)
 * @HANGAR_DISPLAY_ROUTE_FD: ask the local daemon for a socket (virDomainOpenGraphicsFD)
 * @HANGAR_DISPLAY_ROUTE_DIRECT: TCP to the returned address and the display's port
 * @HANGAR_DISPLAY_ROUTE_SSH: through an ssh tunnel to the returned address (as the connection's
 *   host sees it) and the display's port
 * @HANGAR_DISPLAY_ROUTE_SSH_SOCKET: through an ssh tunnel to the display's unix socket on the
 *   connection's host (the returned address is its path)
 *
 * How the console reaches a machine's display.
 */
typedef enum
{
  HANGAR_DISPLAY_ROUTE_NONE,
  HANGAR_DISPLAY_ROUTE_FD,
  HANGAR_DISPLAY_ROUTE_DIRECT,
  HANGAR_DISPLAY_ROUTE_SSH,
  HANGAR_DISPLAY_ROUTE_SSH_SOCKET,
} HangarDisplayRoute;

HangarDisplayRoute    hangar_display_route_for        (const char                 *uri,
                                                       gboolean                    is_local,
                                                       gboolean                    prefer_fd,
                                                       const HangarMachineDetails *details,
                                                       char                      **address,
                                                       char                      **reason);

G_END_DECLS
