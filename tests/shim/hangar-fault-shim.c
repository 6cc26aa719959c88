/* hangar-fault-shim.c: make chosen libvirt calls fail or hang, for tests
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LD_PRELOAD this library and set HANGAR_FAULTS to a comma-separated list of FUNCTION:fail or
 * FUNCTION:hang=SECONDS, for instance
 *
 *   HANGAR_FAULTS=virDomainCreate:fail,virConnectListAllDomains:hang=5
 *
 * The variable is read on every call, so a test can change it between operations. A failing
 * call returns libvirt's error value with a real libvirt error set on the calling thread (its
 * message names the fault); a hanging call sleeps in the calling thread, then goes through.
 * The product carries no test switch: this is the only way in.
 */

#define _GNU_SOURCE

#include <dlfcn.h>
#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum
{
  FAULT_NONE,
  FAULT_FAIL,
  FAULT_HANG,
} Fault;

static Fault
fault_for (const char *function,
           double     *seconds)
{
  const char *spec = getenv ("HANGAR_FAULTS");
  size_t len = strlen (function);
  const char *p;

  if (spec == NULL)
    return FAULT_NONE;

  for (p = spec; p != NULL && *p != '\0'; p = strchr (p, ','), p = p ? p + 1 : NULL)
    {
      if (strncmp (p, function, len) != 0 || p[len] != ':')
        continue;
      if (strncmp (p + len + 1, "fail", 4) == 0)
        return FAULT_FAIL;
      if (strncmp (p + len + 1, "hang=", 5) == 0)
        {
          *seconds = atof (p + len + 6);
          return FAULT_HANG;
        }
    }

  return FAULT_NONE;
}

/* Sets a genuine libvirt error on this thread: opening a test-driver world that does not exist
 * fails with an XML error whose message carries the fault's name. */
static void
raise_error (const char *function)
{
  char uri[256];
  virConnectPtr conn;

  snprintf (uri, sizeof uri, "test:///hangar-injected-fault/%s", function);
  conn = virConnectOpen (uri);
  if (conn != NULL)
    virConnectClose (conn);
}

/* Returns 1 if the caller must fail; sleeps first if asked to hang. */
static int
inject (const char *function)
{
  double seconds = 0;

  switch (fault_for (function, &seconds))
    {
    case FAULT_FAIL:
      raise_error (function);
      return 1;
    case FAULT_HANG:
      usleep ((useconds_t) (seconds * 1e6));
      return 0;
    case FAULT_NONE:
    default:
      return 0;
    }
}

#define REAL(name) \
  static __typeof__ (name) *real_##name; \
  if (real_##name == NULL) \
    real_##name = (__typeof__ (name) *) dlsym (RTLD_NEXT, #name)

virConnectPtr
virConnectOpenAuth (const char *name, virConnectAuthPtr auth, unsigned int flags)
{
  REAL (virConnectOpenAuth);
  if (inject ("virConnectOpenAuth"))
    return NULL;
  return real_virConnectOpenAuth (name, auth, flags);
}

int
virConnectListAllDomains (virConnectPtr conn, virDomainPtr **domains, unsigned int flags)
{
  REAL (virConnectListAllDomains);
  if (inject ("virConnectListAllDomains"))
    return -1;
  return real_virConnectListAllDomains (conn, domains, flags);
}

int
virConnectGetAllDomainStats (virConnectPtr conn, unsigned int stats,
                             virDomainStatsRecordPtr **retStats, unsigned int flags)
{
  REAL (virConnectGetAllDomainStats);
  if (inject ("virConnectGetAllDomainStats"))
    return -1;
  return real_virConnectGetAllDomainStats (conn, stats, retStats, flags);
}

int
virDomainCreate (virDomainPtr domain)
{
  REAL (virDomainCreate);
  if (inject ("virDomainCreate"))
    return -1;
  return real_virDomainCreate (domain);
}

int
virDomainDestroy (virDomainPtr domain)
{
  REAL (virDomainDestroy);
  if (inject ("virDomainDestroy"))
    return -1;
  return real_virDomainDestroy (domain);
}

int
virDomainSuspend (virDomainPtr domain)
{
  REAL (virDomainSuspend);
  if (inject ("virDomainSuspend"))
    return -1;
  return real_virDomainSuspend (domain);
}

int
virDomainUndefineFlags (virDomainPtr domain, unsigned int flags)
{
  REAL (virDomainUndefineFlags);
  if (inject ("virDomainUndefineFlags"))
    return -1;
  return real_virDomainUndefineFlags (domain, flags);
}

int
virStorageVolDelete (virStorageVolPtr vol, unsigned int flags)
{
  REAL (virStorageVolDelete);
  if (inject ("virStorageVolDelete"))
    return -1;
  return real_virStorageVolDelete (vol, flags);
}

char *
virDomainGetXMLDesc (virDomainPtr domain, unsigned int flags)
{
  REAL (virDomainGetXMLDesc);
  if (inject ("virDomainGetXMLDesc"))
    return NULL;
  return real_virDomainGetXMLDesc (domain, flags);
}
