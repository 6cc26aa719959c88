/* hangar-machine-private.h
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libvirt/libvirt.h>

#include "hangar-machine.h"

G_BEGIN_DECLS

/* What a worker learnt about one domain, applied to a HangarMachine on the main thread. */
typedef struct
{
  char               *uuid;
  char               *name;
  char               *title;       /* from the XML; only meaningful when has_xml */
  char               *os_id;       /* from the XML; only meaningful when has_xml */
  char               *os_name;     /* resolved through libosinfo; only meaningful when has_xml */
  virDomainPtr        domain;      /* owned ref, or NULL */
  HangarMachineState  state;
  guint64             memory;      /* KiB */
  guint               vcpus;
  gboolean            persistent;
  gboolean            has_xml;
} HangarMachineInfo;

void                  _hangar_machine_info_free     (HangarMachineInfo  *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HangarMachineInfo, _hangar_machine_info_free)

HangarMachine        *_hangar_machine_new           (HangarConnection   *connection,
                                                     HangarMachineInfo  *info);
void                  _hangar_machine_update        (HangarMachine      *self,
                                                     HangarMachineInfo  *info);
void                  _hangar_machine_set_domain    (HangarMachine      *self,
                                                     virDomainPtr        domain);
virDomainPtr          _hangar_machine_get_domain    (HangarMachine      *self);
void                  _hangar_machine_set_summary   (HangarMachine      *self,
                                                     HangarMachineInfo  *info);
void                  _hangar_machine_summary_dropped (HangarMachine    *self);
void                  _hangar_machine_set_state     (HangarMachine      *self,
                                                     HangarMachineState  state);

/* Pure parsing, for the workers and for the unit tests. */
HangarMachineDetails *_hangar_machine_details_parse (const char         *xml,
                                                     GError            **error);
gboolean              _hangar_domain_xml_peek       (const char         *xml,
                                                     char              **title,
                                                     char              **os_id);

G_END_DECLS
