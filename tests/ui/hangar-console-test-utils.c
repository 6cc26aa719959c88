/* hangar-console-test-utils.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libvirt/virterror.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hangar-console-test-utils.h"
#include "hangar-ui-test-utils.h"

#define DOMAIN_XML \
  "<domain type='qemu'>" \
  "  <name>%s</name>" \
  "  <memory unit='MiB'>64</memory>" \
  "  <vcpu>1</vcpu>" \
  "  <os><type arch='x86_64' machine='pc'>hvm</type></os>" \
  "  <on_reboot>restart</on_reboot>" \
  "  <devices>" \
  "    %s" \
  "    <video><model type='%s'/></video>" \
  "  </devices>" \
  "</domain>"

/* A diskless 64 MiB TCG machine named @name, with the <graphics> element @graphics and a
 * video card of model @video; it shows SeaBIOS's boot screen. */
char *
hangar_console_test_domain_xml (const char *name,
                                const char *graphics,
                                const char *video)
{
  return g_strdup_printf (DOMAIN_XML, name, graphics, video);
}

static void
ignore_error (void       *data,
              virErrorPtr error)
{
}

/* Opens qemu:///system for defining, starting and destroying the guest. FALSE (the test then
 * skips) when it cannot be opened; libvirt's own error printing is turned off either way. */
gboolean
hangar_console_test_guest_open (HangarConsoleTestGuest *guest)
{
  virSetErrorFunc (NULL, ignore_error);
  guest->external = virConnectOpen ("qemu:///system");

  return guest->external != NULL;
}

/* A shell that waits for EOF on its stdin (our death, however it happens), then removes the
 * domain, and @also_remove (a directory) if not NULL. */
static void
spawn_guard (HangarConsoleTestGuest *guest,
             const char             *also_remove)
{
  g_autofree char *remove = NULL;
  g_autofree char *script = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "/bin/sh", "-c", NULL, NULL };

  if (also_remove != NULL)
    remove = g_strdup_printf ("rm -rf '%s'; ", also_remove);
  script = g_strdup_printf ("cat >/dev/null; "
                            "virsh -q -c qemu:///system destroy '%s' >/dev/null 2>&1; "
                            "virsh -q -c qemu:///system undefine '%s' >/dev/null 2>&1; "
                            "%sexit 0",
                            guest->name, guest->name, remove != NULL ? remove : "");
  argv[2] = script;
  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                            &guest->guard_pid, &guest->guard_fd, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Defines the guest @name from @xml and starts it, with a guard that removes it (and
 * @also_remove) even if the test dies. */
void
hangar_console_test_guest_start (HangarConsoleTestGuest *guest,
                                 const char             *name,
                                 const char             *xml,
                                 const char             *also_remove)
{
  g_assert_nonnull (guest->external);

  guest->name = g_strdup (name);
  spawn_guard (guest, also_remove);
  guest->domain = virDomainDefineXML (guest->external, xml);
  if (guest->domain == NULL)
    g_error ("Could not define %s: %s", guest->name, virGetLastErrorMessage ());
  g_assert_cmpint (virDomainCreate (guest->domain), ==, 0);
}

typedef struct
{
  virDomainPtr  domain;
  gboolean      start;
  int           ret;
  char         *message;
  gboolean      done;
} Run;

static gpointer
run_thread (gpointer data)
{
  Run *r = data;

  r->ret = r->start ? virDomainCreate (r->domain) : virDomainDestroy (r->domain);
  /* libvirt's last error is per thread: take it here. */
  if (r->ret != 0)
    r->message = g_strdup (virGetLastErrorMessage ());
  g_atomic_int_set (&r->done, TRUE);
  g_main_context_wakeup (NULL);

  return NULL;
}

/* Starts or destroys the guest from outside, as virsh would, in a thread while the app keeps
 * running. Returns libvirt's result; on failure, @message (if not NULL) gets libvirt's error. */
int
hangar_console_test_guest_run (HangarConsoleTestGuest  *guest,
                               gboolean                 start,
                               char                   **message)
{
  Run r = { guest->domain, start, 0, NULL, FALSE };
  GThread *thread = g_thread_new ("run", run_thread, &r);

  WAIT_UNTIL (g_atomic_int_get (&r.done));
  g_thread_join (thread);
  if (message != NULL)
    *message = g_steal_pointer (&r.message);
  g_free (r.message);

  return r.ret;
}

/* Destroys and undefines the guest, closes qemu:///system, and waits for the guard. */
void
hangar_console_test_guest_clear (HangarConsoleTestGuest *guest)
{
  if (guest->domain != NULL)
    {
      virDomainDestroy (guest->domain);
      virDomainUndefine (guest->domain);
      virDomainFree (guest->domain);
      guest->domain = NULL;
    }
  g_clear_pointer (&guest->external, virConnectClose);

  if (guest->guard_pid != 0)
    {
      int status;

      close (guest->guard_fd);
      waitpid (guest->guard_pid, &status, 0);
      g_spawn_close_pid (guest->guard_pid);
      guest->guard_pid = 0;
    }
  g_clear_pointer (&guest->name, g_free);
}

/* Opens a connection to @uri and presents a window on it, drawn once. */
void
hangar_console_test_app_open (HangarConsoleTestApp *app,
                              const char           *uri)
{
  app->connection = hangar_connection_new (uri);
  app->connections = g_list_store_new (HANGAR_TYPE_CONNECTION);
  g_list_store_append (app->connections, app->connection);
  hangar_connection_open (app->connection);

  app->window = g_object_new (HANGAR_TYPE_WINDOW,
                              "connections", app->connections,
                              "default-width", 1100,
                              "default-height", 760,
                              NULL);
  gtk_window_present (GTK_WINDOW (app->window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (app->window));
}

void
hangar_console_test_app_close (HangarConsoleTestApp *app)
{
  if (app->window != NULL)
    gtk_window_destroy (GTK_WINDOW (app->window));
  app->window = NULL;
  if (app->connection != NULL)
    hangar_connection_close (app->connection);
  g_clear_object (&app->connections);
  g_clear_object (&app->connection);
}

static gboolean
is_nonblack (HangarFramebuffer *fb)
{
  const guint8 *data;
  gsize stride;

  if (fb == NULL)
    return FALSE;

  data = hangar_framebuffer_get_data (fb);
  stride = hangar_framebuffer_get_stride (fb);
  for (guint y = 0; y < hangar_framebuffer_get_height (fb); y++)
    for (guint x = 0; x < hangar_framebuffer_get_width (fb); x++)
      {
        const guint8 *p = data + y * stride + x * 4;

        if (p[0] != 0 || p[1] != 0 || p[2] != 0)
          return TRUE;
      }

  return FALSE;
}

/* The page shows the guest's screen: a connected session with a picture that is not all
 * black (SeaBIOS's boot screen). */
gboolean
hangar_console_test_showing_screen (HangarConsolePage *page)
{
  HangarDisplay *display = hangar_console_page_get_display (page);
  HangarConsoleSession *session = hangar_display_get_session (display);

  return g_strcmp0 (hangar_console_page_get_view (page), "display") == 0 &&
         session != NULL &&
         hangar_console_session_get_state (session) == HANGAR_CONSOLE_STATE_CONNECTED &&
         is_nonblack (hangar_console_session_get_framebuffer (session));
}

/* Whether this process (not just someone on this machine) has an established TCP connection
 * to 127.0.0.1:@port: the socket inodes of our fds against /proc/net/tcp. */
gboolean
hangar_console_test_has_tcp_connection_to (guint port)
{
  g_autoptr(GHashTable) inodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  g_autofree char *contents = NULL;
  g_autofree char *remote = g_strdup_printf ("0100007F:%04X", port);
  g_auto(GStrv) lines = NULL;
  const char *entry;

  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", entry, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (target != NULL && g_str_has_prefix (target, "socket:["))
        g_hash_table_add (inodes, g_strndup (target + 8, strlen (target) - 9));
    }

  g_assert_true (g_file_get_contents ("/proc/self/net/tcp", &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr(GPtrArray) words = g_ptr_array_new ();

      for (guint j = 0; fields[j] != NULL; j++)
        if (*fields[j] != '\0')
          g_ptr_array_add (words, fields[j]);
      /* sl local remote st queues tr retrnsmt uid timeout inode */
      if (words->len > 9 && g_str_equal (g_ptr_array_index (words, 2), remote) &&
          g_str_equal (g_ptr_array_index (words, 3), "01") &&
          g_hash_table_contains (inodes, g_ptr_array_index (words, 9)))
        return TRUE;
    }

  return FALSE;
}

/* Runs the main loop for @ms milliseconds, for what has no event to wait for. */
void
hangar_console_test_settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_wakeup (NULL);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
}
