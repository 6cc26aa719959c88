/* hangar-console-module.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-console-module"

#include "config.h"

#include <glib/gi18n.h>
#include <gmodule.h>

#include "hangar-console-module.h"

/* The consoles (the console page and window, and the display layer under them) live in a
 * loadable module, libhangar-console.so: gtk-vnc and spice-gtk bring some thirty libraries
 * (GStreamer, NSS, libsoup, libusb, …) whose loading and relocation cost the list window about
 * 15 ms at every start, although most starts never open a console. The module is loaded the
 * first time a machine page or a console window is built, and stays loaded (its types cannot
 * be unregistered). It calls back into the program for the model and the UI helpers, so the
 * program exports its symbols (src/meson.build).
 *
 * Programs that link the console code in (the tests) have these two symbols defined; in the
 * hangar program they are weak references left NULL, and the module provides them. */
GType      hangar_console_page_get_type (void) __attribute__ ((weak));
GtkWindow *hangar_console_window_new    (GtkApplication *app,
                                         const char     *uri) __attribute__ ((weak));

typedef GType      (*PageGetTypeFunc) (void);
typedef GtkWindow *(*WindowNewFunc)   (GtkApplication *app,
                                       const char     *uri);

static PageGetTypeFunc page_get_type_func;
static WindowNewFunc window_new_func;
/* Why the module could not be loaded, kept so every caller gets the same answer. */
static GError *load_error;

/* The module beside the program is an uninstalled build's (src/ in the build tree); an
 * installed program finds it in $libdir/hangar. */
static char *
find_module (void)
{
  g_autofree char *program = g_file_read_link ("/proc/self/exe", NULL);

  if (program != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (program);
      g_autofree char *path = g_module_build_path (dir, "hangar-console");

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }

  return g_module_build_path (HANGAR_MODULEDIR, "hangar-console");
}

static gboolean
load_module (GError **error)
{
  g_autofree char *path = NULL;
  GModule *module;

  if (page_get_type_func != NULL)
    return TRUE;

  if (hangar_console_page_get_type != NULL)
    {
      page_get_type_func = hangar_console_page_get_type;
      window_new_func = hangar_console_window_new;
      return TRUE;
    }

  if (load_error == NULL)
    {
      path = find_module ();
      module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
      if (module != NULL &&
          g_module_symbol (module, "hangar_console_page_get_type", (gpointer *) &page_get_type_func) &&
          g_module_symbol (module, "hangar_console_window_new", (gpointer *) &window_new_func))
        {
          g_debug ("Loaded %s", path);
          g_module_make_resident (module);
          return TRUE;
        }

      /* A broken or partial installation: say which file, and what fixes it. */
      g_set_error (&load_error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Consoles are not available: Hangar could not load %s (%s). "
                     "Reinstall Hangar, or run it from its build directory."),
                   path, g_module_error ());
      page_get_type_func = NULL;
      window_new_func = NULL;
      if (module != NULL)
        g_module_close (module);
    }

  g_propagate_error (error, g_error_copy (load_error));
  return FALSE;
}

/**
 * hangar_console_module_get_page_type:
 *
 * Loads the console module if needed.
 *
 * Returns: the #GType of HangarConsolePage, or %G_TYPE_INVALID with @error set
 */
GType
hangar_console_module_get_page_type (GError **error)
{
  if (!load_module (error))
    return G_TYPE_INVALID;

  return page_get_type_func ();
}

/**
 * hangar_console_module_new_window:
 * @app: the application
 * @uri: a vnc:// or spice:// URI
 *
 * Loads the console module if needed and opens a console window for @uri.
 *
 * Returns: (transfer none) (nullable): the new window, or %NULL with @error set
 */
GtkWindow *
hangar_console_module_new_window (GtkApplication  *app,
                                  const char      *uri,
                                  GError         **error)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  if (!load_module (error))
    return NULL;

  return window_new_func (app, uri);
}
