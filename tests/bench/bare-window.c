/* bare-window.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The baseline of tests/bench/startup-bench.py: about the least a libadwaita window can do to list
 * a connection's machines. It opens the URI given on the command line, calls
 * virConnectListAllDomains () once, and shows the names in a GtkListView. All of it happens on the
 * main thread, as plainly as possible; Hangar's start-up time, CPU and memory are judged against it.
 *
 * Usage: hangar-bare-window URI
 */

#include <adwaita.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/* Returns a GtkStringList of the domain names, or NULL with @error set. */
static GListModel *
list_domain_names (const char  *uri,
                   GError     **error)
{
  virConnectPtr conn;
  virDomainPtr *domains = NULL;
  g_autofree const char **names = NULL;
  GtkStringList *list;
  int n;

  conn = virConnectOpen (uri);
  if (conn == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot open %s: %s",
                   uri, virGetLastErrorMessage ());
      return NULL;
    }

  n = virConnectListAllDomains (conn, &domains, 0);
  if (n < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot list the domains of %s: %s",
                   uri, virGetLastErrorMessage ());
      virConnectClose (conn);
      return NULL;
    }

  /* virDomainGetName () reads the name the list call brought back; it makes no further call. */
  names = g_new0 (const char *, n + 1);
  for (int i = 0; i < n; i++)
    names[i] = virDomainGetName (domains[i]);
  list = gtk_string_list_new (names);

  for (int i = 0; i < n; i++)
    virDomainFree (domains[i]);
  free (domains);
  virConnectClose (conn);

  return G_LIST_MODEL (list);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_list_item_set_child (item, label);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         gpointer                  user_data)
{
  GtkStringObject *name = gtk_list_item_get_item (item);

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)), gtk_string_object_get_string (name));
}

static void
activate_cb (GApplication *app,
             const char   *uri)
{
  g_autoptr(GError) error = NULL;
  GListModel *names;
  GtkListItemFactory *factory;
  GtkWidget *window, *box, *scrolled, *view;

  names = list_domain_names (uri, &error);
  if (names == NULL)
    {
      g_printerr ("%s\n", error->message);
      g_application_quit (app);
      return;
    }

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), NULL);
  view = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (names)), factory);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_widget_set_vexpand (scrolled, TRUE);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_box_append (GTK_BOX (box), scrolled);

  window = adw_application_window_new (GTK_APPLICATION (app));
  gtk_window_set_title (GTK_WINDOW (window), "Bare window");
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = NULL;

  if (argc != 2)
    {
      g_printerr ("Usage: %s URI\n", argv[0]);
      return 2;
    }

  app = adw_application_new ("io.github.hangarvm.Hangar.BareWindow", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), argv[1]);

  return g_application_run (G_APPLICATION (app), 1, argv);
}
