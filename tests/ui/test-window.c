/* test-window.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The main window against libvirt's test driver: a fresh copy of tests/ui/world.xml per test.
 * Screenshots go to G_TEST_BUILDDIR for a person to look at.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <adwaita.h>

#include "hangar-add-connection-dialog.h"
#include "hangar-columns-layout.h"
#include "hangar-connection.h"
#include "hangar-graph.h"
#include "hangar-machine.h"
#include "hangar-machine-list.h"
#include "hangar-machine-page.h"
#include "hangar-machine-row.h"
#include "hangar-window.h"
#include "hangar-ui-test-utils.h"

typedef struct
{
  char             *dir;
  char             *uri;
  HangarConnection *connection;
  GListStore       *connections;
  HangarWindow     *window;
} Fixture;

static char *
copy_world (const char *dir,
            const char *name)
{
  g_autofree char *contents = NULL;
  g_autofree char *source = g_test_build_filename (G_TEST_DIST, name, NULL);
  g_autofree char *target = g_build_filename (dir, name, NULL);
  gsize length;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (source, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents (target, contents, length, &error);
  g_assert_no_error (error);

  return g_strconcat ("test://", target, NULL);
}

static void
fixture_open (Fixture    *fixture,
              const char *uri)
{
  fixture->connection = hangar_connection_new (uri);
  fixture->connections = g_list_store_new (HANGAR_TYPE_CONNECTION);
  g_list_store_append (fixture->connections, fixture->connection);
  hangar_connection_open (fixture->connection);

  fixture->window = g_object_new (HANGAR_TYPE_WINDOW,
                                  "connections", fixture->connections,
                                  "default-width", 1000,
                                  "default-height", 640,
                                  NULL);
  gtk_window_present (GTK_WINDOW (fixture->window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  GError *error = NULL;

  fixture->dir = g_dir_make_tmp ("hangar-test-ui-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->uri = copy_world (fixture->dir, "world.xml");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  if (fixture->connection != NULL)
    hangar_connection_close (fixture->connection);
  g_clear_object (&fixture->connections);
  g_clear_object (&fixture->connection);
  hangar_ui_test_remove_dir (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
  g_clear_pointer (&fixture->uri, g_free);
}

static void
find_rows (GtkWidget *widget,
           GPtrArray *rows)
{
  /* Rows of machines; the column header is a row without one. */
  if (HANGAR_IS_MACHINE_ROW (widget) && gtk_widget_get_mapped (widget) &&
      hangar_machine_row_get_machine (HANGAR_MACHINE_ROW (widget)) != NULL)
    g_ptr_array_add (rows, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    find_rows (child, rows);
}

static gboolean
button_visible (GtkWidget  *widget,
                const char *action_name)
{
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0)
    return gtk_widget_get_visible (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (button_visible (child, action_name))
      return TRUE;

  return FALSE;
}

static const char *
item_name (GListModel *model,
           guint       position)
{
  g_autoptr(HangarMachine) machine = g_list_model_get_item (model, position);

  return hangar_machine_get_name (machine);
}

static const char * const sorted_names[] = {
  "alpha",
  "bravo running",
  "charlie <&>",
  "delta \"quoted\" 'single'",
  "échographie-日本-Ωmega",
};

static void
test_list (Fixture       *fixture,
           gconstpointer  data)
{
  HangarMachineList *list;
  GListModel *model;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  fixture_open (fixture, fixture->uri);
  list = HANGAR_MACHINE_LIST (hangar_window_get_machine_list (fixture->window));
  model = hangar_machine_list_get_model (list);

  WAIT_UNTIL (g_list_model_get_n_items (model) == G_N_ELEMENTS (sorted_names));
  g_assert_cmpstr (hangar_machine_list_get_view_name (list), ==, "machines");

  /* Sorted by name, odd names intact. */
  for (guint i = 0; i < G_N_ELEMENTS (sorted_names); i++)
    g_assert_cmpstr (item_name (model, i), ==, sorted_names[i]);

  /* The rows on screen show the machines' names and states. */
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  find_rows (GTK_WIDGET (list), rows);
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (sorted_names));
  for (guint i = 0; i < rows->len; i++)
    {
      HangarMachine *machine = hangar_machine_row_get_machine (g_ptr_array_index (rows, i));

      g_assert_cmpstr (hangar_machine_row_get_text (g_ptr_array_index (rows, i)), ==,
                       hangar_machine_get_name (machine));
    }

  hangar_ui_test_save_screenshot (GTK_WIDGET (fixture->window), "ui-machine-list.png");

  /* Search filters by name, ignoring case; no match shows its own empty state. */
  hangar_machine_list_set_search_text (list, "CHAR");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_cmpstr (item_name (model, 0), ==, "charlie <&>");
  hangar_machine_list_set_search_text (list, "日本");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  hangar_machine_list_set_search_text (list, "no such machine");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_cmpstr (hangar_machine_list_get_view_name (list), ==, "no-results");
  hangar_ui_test_save_screenshot (GTK_WIDGET (fixture->window), "ui-no-results.png");
  hangar_machine_list_set_search_text (list, "");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, G_N_ELEMENTS (sorted_names));
  g_assert_cmpstr (hangar_machine_list_get_view_name (list), ==, "machines");
}

/* A world where some machines carry a libvirt <title>; the last one is far below the rows in view,
 * so its title is only known once a search asks for every title. */
static char *
write_title_world (const char *dir)
{
  g_autoptr(GString) xml = g_string_new ("<node>\n");
  g_autofree char *path = g_build_filename (dir, "titles.xml", NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 60; i++)
    {
      const char *title = NULL;
      g_autofree char *name = NULL;

      if (i == 0)
        {
          name = g_strdup ("aa-web");
          title = "Web Front End";
        }
      else if (i == 59)
        {
          name = g_strdup ("zz-payroll");
          title = "Payroll &amp; HR";
        }
      else
        name = g_strdup_printf ("mm-%02u", i);

      g_string_append_printf (xml,
                              "  <domain type='test'>\n"
                              "    <name>%s</name>\n%s%s%s"
                              "    <uuid>6a0b3c2e-1f1d-4c55-9b1e-0000000001%02u</uuid>\n"
                              "    <memory unit='MiB'>64</memory>\n"
                              "    <vcpu>1</vcpu>\n"
                              "    <os><type arch='x86_64'>hvm</type></os>\n"
                              "  </domain>\n",
                              name, title ? "    <title>" : "", title ? title : "",
                              title ? "</title>\n" : "", i);
    }
  g_string_append (xml, "</node>\n");
  g_file_set_contents (path, xml->str, -1, &error);
  g_assert_no_error (error);

  return g_strconcat ("test://", path, NULL);
}

static GtkWidget *
find_row (GtkWidget  *list,
          const char *name)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  find_rows (list, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      HangarMachine *machine = hangar_machine_row_get_machine (g_ptr_array_index (rows, i));

      if (g_strcmp0 (hangar_machine_get_name (machine), name) == 0)
        return g_ptr_array_index (rows, i);
    }

  return NULL;
}

static const char *
row_label (GtkWidget *row)
{
  return hangar_machine_row_get_text (HANGAR_MACHINE_ROW (row));
}

/* The libvirt title is shown in front of the name, and found by search. */
static void
test_titles (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *uri = write_title_world (fixture->dir);
  HangarMachineList *list;
  GListModel *model;
  HangarMachine *payroll;
  GtkWidget *row;

  fixture_open (fixture, uri);
  list = HANGAR_MACHINE_LIST (hangar_window_get_machine_list (fixture->window));
  model = hangar_machine_list_get_model (list);
  WAIT_UNTIL (g_list_model_get_n_items (model) == 60);

  /* In view: the title comes with the row's summary. */
  WAIT_UNTIL ((row = find_row (GTK_WIDGET (list), "aa-web")) != NULL &&
              g_strcmp0 (row_label (row), "Web Front End  aa-web") == 0);
  g_assert_cmpstr (row_label (find_row (GTK_WIDGET (list), "mm-01")), ==, "mm-01");
  hangar_ui_test_save_screenshot (GTK_WIDGET (fixture->window), "ui-titles.png");

  /* Out of view: not asked for yet; a search by title finds it all the same. */
  payroll = hangar_connection_lookup_machine_by_name (fixture->connection, "zz-payroll");
  g_assert_nonnull (payroll);
  g_assert_null (hangar_machine_get_title (payroll));
  hangar_machine_list_set_search_text (list, "PAYROLL & hr");
  WAIT_UNTIL (g_list_model_get_n_items (model) == 1);
  g_assert_cmpstr (item_name (model, 0), ==, "zz-payroll");
  g_assert_cmpstr (hangar_machine_get_title (payroll), ==, "Payroll & HR");
  WAIT_UNTIL ((row = find_row (GTK_WIDGET (list), "zz-payroll")) != NULL &&
              g_strcmp0 (row_label (row), "Payroll & HR  zz-payroll") == 0);

  /* Names still match, and a title matches part-way. */
  hangar_machine_list_set_search_text (list, "front");
  WAIT_UNTIL (g_list_model_get_n_items (model) == 1);
  g_assert_cmpstr (item_name (model, 0), ==, "aa-web");
  hangar_machine_list_set_search_text (list, "mm-0");
  WAIT_UNTIL (g_list_model_get_n_items (model) == 9);
  hangar_machine_list_set_search_text (list, "");
  WAIT_UNTIL (g_list_model_get_n_items (model) == 60);
}

/* Collects "label=action" for every item of a menu, sections flattened. */
static void
collect_menu (GMenuModel *menu,
              GPtrArray  *items)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);
      g_autofree char *label = NULL;
      g_autofree char *action = NULL;

      if (section != NULL)
        {
          collect_menu (section, items);
          continue;
        }
      g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
      g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &action);
      g_ptr_array_add (items, g_strdup_printf ("%s=%s", label, action));
    }
}

static gboolean
menu_has (GPtrArray  *items,
          const char *item)
{
  return g_ptr_array_find_with_equal_func (items, item, g_str_equal, NULL);
}

/* Opens the context menu of @name's row as the keyboard does (Menu, Shift+F10 on the focused
 * row) and returns its items. */
static GtkWidget *
open_row_menu (HangarMachineList *list,
               const char        *name,
               GPtrArray         *items)
{
  GtkWidget *row = find_row (GTK_WIDGET (list), name);
  GtkWidget *menu;

  g_assert_nonnull (row);
  /* The list item around the row takes the focus. */
  g_assert_true (gtk_widget_grab_focus (gtk_widget_get_parent (row)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (list), "machines.show-menu", NULL));
  menu = hangar_machine_list_get_row_menu (list);
  g_assert_nonnull (menu);
  WAIT_UNTIL (gtk_widget_get_mapped (menu));
  g_ptr_array_set_size (items, 0);
  collect_menu (gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (menu)), items);

  return menu;
}

static void
test_row_menu (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  HangarMachineList *list;
  HangarMachine *alpha;
  GListModel *model;
  GtkWidget *menu;
  GMenuModel *menu_model;
  gboolean started = FALSE;

  fixture_open (fixture, fixture->uri);
  list = HANGAR_MACHINE_LIST (hangar_window_get_machine_list (fixture->window));
  model = hangar_machine_list_get_model (list);
  WAIT_UNTIL (g_list_model_get_n_items (model) == G_N_ELEMENTS (sorted_names));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));

  /* A running machine: what its state allows, and its console. */
  menu = open_row_menu (list, "bravo running", items);
  for (guint i = 0; i < items->len; i++)
    g_test_message ("running: %s", (char *) g_ptr_array_index (items, i));
  g_assert_true (menu_has (items, "_Open=machines.open"));
  g_assert_true (menu_has (items, "Open _Console=machines.open-console"));
  g_assert_true (menu_has (items, "Shut _Down=machines.shutdown"));
  g_assert_true (menu_has (items, "Re_boot=machines.reboot"));
  g_assert_true (menu_has (items, "_Pause=machines.pause"));
  g_assert_true (menu_has (items, "_Force Off…=machines.force-off"));
  g_assert_false (menu_has (items, "_Start=machines.start"));
  g_assert_false (menu_has (items, "_Resume=machines.resume"));
  /* The row's machine is selected, as a right click selects. */
  g_assert_true (hangar_machine_get_state (gtk_single_selection_get_selected_item (
                   GTK_SINGLE_SELECTION (model))) == HANGAR_MACHINE_STATE_RUNNING);
  gtk_popover_popdown (GTK_POPOVER (menu));

  /* A shut-off machine: Start and Delete, no console; its Start item starts it. */
  alpha = hangar_connection_lookup_machine_by_name (fixture->connection, "alpha");
  menu = open_row_menu (list, "alpha", items);
  g_assert_true (menu_has (items, "_Start=machines.start"));
  g_assert_true (menu_has (items, "_Delete…=machines.delete"));
  g_assert_false (menu_has (items, "Open _Console=machines.open-console"));
  g_assert_false (menu_has (items, "Shut _Down=machines.shutdown"));

  menu_model = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (menu));
  for (int s = 0; s < g_menu_model_get_n_items (menu_model) && !started; s++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu_model, s, G_MENU_LINK_SECTION);

      for (int i = 0; section != NULL && i < g_menu_model_get_n_items (section); i++)
        {
          g_autofree char *action = NULL;
          g_autoptr(GVariant) target = NULL;

          g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_ACTION, "s", &action);
          if (g_strcmp0 (action, "machines.start") != 0)
            continue;
          target = g_menu_model_get_item_attribute_value (section, i, G_MENU_ATTRIBUTE_TARGET, NULL);
          g_assert_cmpstr (g_variant_get_string (target, NULL), ==, hangar_machine_get_uuid (alpha));
          /* As the menu does when the item is clicked: the action seen from the popover. */
          g_assert_true (gtk_widget_activate_action_variant (menu, action, target));
          started = TRUE;
          break;
        }
    }
  g_assert_true (started);
  WAIT_UNTIL (hangar_machine_get_state (alpha) == HANGAR_MACHINE_STATE_RUNNING);
  gtk_popover_popdown (GTK_POPOVER (menu));

  /* Now running, its menu offers Shut Down instead. */
  open_row_menu (list, "alpha", items);
  g_assert_true (menu_has (items, "Shut _Down=machines.shutdown"));
  g_assert_false (menu_has (items, "_Start=machines.start"));
}

static GtkWidget *
find_list_view_outside (GtkWidget *widget,
                        GtkWidget *exclude)
{
  if (widget == exclude)
    return NULL;
  if (GTK_IS_LIST_VIEW (widget))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_list_view_outside (child, exclude);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The list gives up its last columns rather than its width, so the leaflet can fold and the
 * window can be narrow; the header keeps the same columns as the rows. */
static void
test_narrow (Fixture       *fixture,
             gconstpointer  data)
{
  HangarMachineList *list;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  HangarMachinePage *page;
  GtkWidget *sidebar;
  GtkWidget *row;
  int min_width;

  fixture_open (fixture, fixture->uri);
  list = HANGAR_MACHINE_LIST (hangar_window_get_machine_list (fixture->window));
  WAIT_UNTIL (g_list_model_get_n_items (hangar_machine_list_get_model (list)) ==
              G_N_ELEMENTS (sorted_names));

  gtk_widget_measure (GTK_WIDGET (list), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  g_assert_cmpint (min_width, <=, 360);

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 420, 640);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  WAIT_UNTIL (gtk_widget_get_width (GTK_WIDGET (fixture->window)) <= 420);
  hangar_ui_test_save_screenshot (GTK_WIDGET (fixture->window), "ui-narrow-sidebar.png");

  /* Folded, the sidebar shows first; activating the connection shows its machines. */
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (list)));
  sidebar = find_list_view_outside (GTK_WIDGET (fixture->window), GTK_WIDGET (list));
  g_assert_nonnull (sidebar);
  g_assert_true (gtk_widget_activate_action (sidebar, "list.activate-item", "u", 0));
  WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (list)));
  hangar_ui_test_save_screenshot (GTK_WIDGET (fixture->window), "ui-narrow-list.png");

  /* A row shows name and state, not the OS (the row draws its cells where the layout says). */
  find_rows (GTK_WIDGET (list), rows);
  g_assert_cmpuint (rows->len, >, 0);
  row = g_ptr_array_index (rows, 0);
  {
    HangarColumnsPlacement placement;

    hangar_columns_layout_place (gtk_widget_get_width (row), hangar_columns_layout_name_min (row),
                                 FALSE, &placement);
    g_assert_true (placement.shown[HANGAR_COLUMN_NAME]);
    g_assert_true (placement.shown[HANGAR_COLUMN_STATE]);
    g_assert_false (placement.shown[HANGAR_COLUMN_OS]);
  }

  /* A running machine's page fits too: the rarer actions move into a menu. */
  page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (fixture->window));
  g_assert_true (gtk_widget_activate_action (hangar_ui_test_find_descendant (GTK_WIDGET (list),
                                                                             GTK_TYPE_LIST_VIEW),
                                             "list.activate-item", "u", 1));
  g_assert_cmpstr (hangar_machine_get_name (hangar_machine_page_get_machine (page)), ==,
                   "bravo running");
  gtk_widget_measure (GTK_WIDGET (page), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  g_assert_cmpint (min_width, <=, 360);
  WAIT_UNTIL (hangar_machine_page_get_details_loaded (page));
  hangar_ui_test_save_screenshot (GTK_WIDGET (fixture->window), "ui-narrow-machine-page.png");
}

static void
test_start (Fixture       *fixture,
            gconstpointer  data)
{
  HangarMachineList *list;
  HangarMachinePage *page;
  GtkWidget *list_view;
  GListModel *model;
  HangarMachine *machine;

  fixture_open (fixture, fixture->uri);
  list = HANGAR_MACHINE_LIST (hangar_window_get_machine_list (fixture->window));
  page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (fixture->window));
  model = hangar_machine_list_get_model (list);
  WAIT_UNTIL (g_list_model_get_n_items (model) == G_N_ELEMENTS (sorted_names));

  /* Activate the first row as a click or Enter would: "alpha", shut off. */
  list_view = hangar_ui_test_find_descendant (GTK_WIDGET (list), GTK_TYPE_LIST_VIEW);
  g_assert_nonnull (list_view);
  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", 0));

  machine = hangar_machine_page_get_machine (page);
  g_assert_nonnull (machine);
  g_assert_cmpstr (hangar_machine_get_name (machine), ==, "alpha");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (page)));
  g_assert_cmpint (hangar_machine_get_state (machine), ==, HANGAR_MACHINE_STATE_SHUTOFF);
  WAIT_UNTIL (hangar_machine_page_get_details_loaded (page));

  /* Only what the state allows is offered. */
  g_assert_true (button_visible (GTK_WIDGET (page), "machine.start"));
  g_assert_true (button_visible (GTK_WIDGET (page), "machine.delete"));
  g_assert_false (button_visible (GTK_WIDGET (page), "machine.shutdown"));
  g_assert_false (button_visible (GTK_WIDGET (page), "machine.pause"));
  g_assert_false (button_visible (GTK_WIDGET (page), "machine.resume"));
  g_assert_false (hangar_machine_page_get_sampling (page));
  hangar_ui_test_save_screenshot (GTK_WIDGET (fixture->window), "ui-machine-page-shutoff.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "machine.start", NULL));
  WAIT_UNTIL (hangar_machine_get_state (machine) == HANGAR_MACHINE_STATE_RUNNING);
  WAIT_UNTIL (!hangar_machine_get_busy (machine));

  g_assert_false (button_visible (GTK_WIDGET (page), "machine.start"));
  g_assert_true (button_visible (GTK_WIDGET (page), "machine.shutdown"));
  g_assert_true (button_visible (GTK_WIDGET (page), "machine.pause"));

  /* Running and on screen: the graphs sample. */
  g_assert_true (hangar_machine_page_get_sampling (page));
  hangar_ui_test_save_screenshot (GTK_WIDGET (fixture->window), "ui-machine-page-running.png");

  /* Back to the list: the page is hidden, so sampling stops (idle CPU stays at zero). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.back", NULL));
  WAIT_UNTIL (!gtk_widget_get_mapped (GTK_WIDGET (page)));  /* after the slide */
  g_assert_false (hangar_machine_page_get_sampling (page));
}

static AdwMessageDialog *
find_message_dialog (void)
{
  /* Unowned pointers: a closed dialog must not be finalized from inside this function. */
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return ADW_MESSAGE_DIALOG (l->data);

  return NULL;
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Presses a response button of @dialog, as a click does (which also closes it). */
static void
click_response (AdwMessageDialog *dialog,
                const char       *label)
{
  GtkWidget *button = find_button (GTK_WIDGET (dialog), label);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  /* "clicked" itself: gtk_widget_activate () on a button clicks only after a press animation. */
  g_signal_emit_by_name (button, "clicked");
}

/* Opens the machine @name through the list, as activating its row does. */
static HangarMachine *
open_machine (Fixture    *fixture,
              const char *name)
{
  HangarMachineList *list = HANGAR_MACHINE_LIST (hangar_window_get_machine_list (fixture->window));
  HangarMachinePage *page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (fixture->window));
  GListModel *model = hangar_machine_list_get_model (list);
  GtkWidget *list_view;

  WAIT_UNTIL (g_list_model_get_n_items (model) == G_N_ELEMENTS (sorted_names));
  list_view = hangar_ui_test_find_descendant (GTK_WIDGET (list), GTK_TYPE_LIST_VIEW);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (item_name (model, i), name) == 0)
      g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", i));

  g_assert_nonnull (hangar_machine_page_get_machine (page));
  g_assert_cmpstr (hangar_machine_get_name (hangar_machine_page_get_machine (page)), ==, name);
  WAIT_UNTIL (hangar_machine_page_get_details_loaded (page));

  return hangar_machine_page_get_machine (page);
}

static void
test_force_off (Fixture       *fixture,
                gconstpointer  data)
{
  HangarMachinePage *page;
  AdwMessageDialog *dialog;
  HangarMachine *machine;

  fixture_open (fixture, fixture->uri);
  page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (fixture->window));
  machine = open_machine (fixture, "bravo running");
  g_assert_true (button_visible (GTK_WIDGET (page), "machine.force-off"));

  /* Force Off asks first; cancelling leaves the machine running. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "machine.force-off", NULL));
  WAIT_UNTIL ((dialog = find_message_dialog ()) != NULL);
  hangar_ui_test_save_screenshot (GTK_WIDGET (dialog), "ui-force-off-dialog.png");
  click_response (dialog, "_Cancel");
  WAIT_UNTIL (find_message_dialog () == NULL);
  g_assert_cmpint (hangar_machine_get_state (machine), ==, HANGAR_MACHINE_STATE_RUNNING);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "machine.force-off", NULL));
  WAIT_UNTIL ((dialog = find_message_dialog ()) != NULL);
  click_response (dialog, "_Force Off");
  WAIT_UNTIL (hangar_machine_get_state (machine) == HANGAR_MACHINE_STATE_SHUTOFF);
  WAIT_UNTIL (!hangar_machine_get_busy (machine));
  g_assert_true (button_visible (GTK_WIDGET (page), "machine.start"));
  g_assert_false (button_visible (GTK_WIDGET (page), "machine.force-off"));
}

static void
test_delete (Fixture       *fixture,
             gconstpointer  data)
{
  HangarMachineList *list;
  HangarMachinePage *page;
  AdwMessageDialog *dialog;
  HangarMachine *machine;
  g_autofree char *uuid = NULL;

  fixture_open (fixture, fixture->uri);
  list = HANGAR_MACHINE_LIST (hangar_window_get_machine_list (fixture->window));
  page = HANGAR_MACHINE_PAGE (hangar_window_get_machine_page (fixture->window));
  machine = open_machine (fixture, "charlie <&>");
  uuid = g_strdup (hangar_machine_get_uuid (machine));

  /* The Delete key on the page asks, naming the machine. */
  g_assert_true (gtk_widget_activate_action (hangar_window_get_machine_page (fixture->window),
                                             "machine.delete", NULL));
  WAIT_UNTIL ((dialog = find_message_dialog ()) != NULL);
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (dialog), "charlie <&>"));
  hangar_ui_test_save_screenshot (GTK_WIDGET (dialog), "ui-delete-dialog.png");
  click_response (dialog, "_Delete");

  /* Gone from the connection, and the window is back on the list without it. */
  WAIT_UNTIL (hangar_connection_lookup_machine (fixture->connection, uuid) == NULL);
  WAIT_UNTIL (hangar_machine_page_get_machine (page) == NULL);
  WAIT_UNTIL (g_list_model_get_n_items (hangar_machine_list_get_model (list)) ==
              G_N_ELEMENTS (sorted_names) - 1);
}

static void
test_disconnected (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *missing = g_strconcat ("test://", fixture->dir, "/missing.xml", NULL);
  HangarMachineList *list;

  fixture_open (fixture, missing);
  list = HANGAR_MACHINE_LIST (hangar_window_get_machine_list (fixture->window));

  WAIT_UNTIL (hangar_connection_get_state (fixture->connection) ==
              HANGAR_CONNECTION_STATE_DISCONNECTED);
  g_assert_nonnull (hangar_connection_get_error (fixture->connection));
  g_assert_cmpstr (hangar_machine_list_get_view_name (list), ==, "disconnected");
  hangar_ui_test_save_screenshot (GTK_WIDGET (fixture->window), "ui-disconnected.png");
}

static void
test_empty (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "empty.xml", NULL);
  g_autofree char *uri = g_strconcat ("test://", path, NULL);
  g_autoptr(GError) error = NULL;
  HangarMachineList *list;

  g_file_set_contents (path, "<?xml version=\"1.0\"?>\n<node/>\n", -1, &error);
  g_assert_no_error (error);

  fixture_open (fixture, uri);
  list = HANGAR_MACHINE_LIST (hangar_window_get_machine_list (fixture->window));

  WAIT_UNTIL (hangar_connection_get_state (fixture->connection) ==
              HANGAR_CONNECTION_STATE_CONNECTED);
  WAIT_UNTIL (g_strcmp0 (hangar_machine_list_get_view_name (list), "empty") == 0);
  hangar_ui_test_save_screenshot (GTK_WIDGET (fixture->window), "ui-empty-connection.png");
}

static void
add_connection_cb (HangarAddConnectionDialog  *dialog,
                   const char                 *uri,
                   char                      **out)
{
  g_free (*out);
  *out = g_strdup (uri);
}

static void
test_add_connection_dialog (void)
{
  GtkWindow *parent = GTK_WINDOW (gtk_window_new ());
  HangarAddConnectionDialog *dialog;
  g_autofree char *added = NULL;

  gtk_window_present (parent);
  dialog = hangar_add_connection_dialog_new (parent);

  g_signal_connect (dialog, "add-connection", G_CALLBACK (add_connection_cb), &added);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (dialog));

  /* Empty: nothing to add, and no error shouted at the user yet. */
  g_assert_null (hangar_add_connection_dialog_get_error (dialog));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));

  /* A URI that does not parse: an inline sentence, and Add stays off. */
  hangar_add_connection_dialog_set_uri (dialog, "qemu+ssh://");
  g_assert_nonnull (hangar_add_connection_dialog_get_error (dialog));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));
  hangar_ui_test_save_screenshot (GTK_WIDGET (dialog), "ui-add-connection-error.png");

  hangar_add_connection_dialog_set_uri (dialog, "not a uri");
  g_assert_nonnull (hangar_add_connection_dialog_get_error (dialog));

  /* A good one clears the error; Add emits it, trimmed. */
  hangar_add_connection_dialog_set_uri (dialog, " qemu+ssh://user@host/system ");
  g_assert_null (hangar_add_connection_dialog_get_error (dialog));
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));
  click_response (ADW_MESSAGE_DIALOG (dialog), "_Add");
  g_assert_cmpstr (added, ==, "qemu+ssh://user@host/system");

  gtk_window_destroy (parent);
}

static void
test_no_connections (void)
{
  g_autoptr(GListStore) store = g_list_store_new (HANGAR_TYPE_CONNECTION);
  HangarWindow *window;
  HangarMachineList *list;

  window = g_object_new (HANGAR_TYPE_WINDOW, "connections", store, NULL);
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));

  list = HANGAR_MACHINE_LIST (hangar_window_get_machine_list (window));
  g_assert_cmpstr (hangar_machine_list_get_view_name (list), ==, "no-connection");
  hangar_ui_test_save_screenshot (GTK_WIDGET (window), "ui-no-connections.png");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_widgets_finalize (void)
{
  GtkWidget *graph = g_object_ref_sink (hangar_graph_new ());
  GtkWidget *page = g_object_ref_sink (g_object_new (HANGAR_TYPE_MACHINE_PAGE, NULL));
  GtkWidget *list = g_object_ref_sink (g_object_new (HANGAR_TYPE_MACHINE_LIST, NULL));
  GtkWidget *row = g_object_ref_sink (g_object_new (HANGAR_TYPE_MACHINE_ROW, NULL));

  /* The graph keeps the last minute: 60 values, no more. */
  for (guint i = 0; i < 100; i++)
    hangar_graph_add_value (HANGAR_GRAPH (graph), i / 100.0);
  g_assert_cmpuint (hangar_graph_get_n_values (HANGAR_GRAPH (graph)), ==, 60);
  hangar_graph_clear (HANGAR_GRAPH (graph));
  g_assert_cmpuint (hangar_graph_get_n_values (HANGAR_GRAPH (graph)), ==, 0);

  /* Nothing to show, nothing sampled, nothing leaked. */
  g_assert_cmpstr (hangar_machine_list_get_view_name (HANGAR_MACHINE_LIST (list)), ==,
                   "no-connection");
  g_assert_false (hangar_machine_page_get_sampling (HANGAR_MACHINE_PAGE (page)));

  g_assert_finalize_object (graph);
  g_assert_finalize_object (page);
  g_assert_finalize_object (list);
  g_assert_finalize_object (row);
}

int
main (int   argc,
      char *argv[])
{
  if (!hangar_ui_test_init (&argc, &argv))
    return 0;

  g_test_add ("/hangar/ui/window/list", Fixture, NULL, fixture_setup, test_list, fixture_teardown);
  g_test_add ("/hangar/ui/window/titles", Fixture, NULL, fixture_setup, test_titles,
              fixture_teardown);
  g_test_add ("/hangar/ui/window/row-menu", Fixture, NULL, fixture_setup, test_row_menu,
              fixture_teardown);
  g_test_add ("/hangar/ui/window/narrow", Fixture, NULL, fixture_setup, test_narrow,
              fixture_teardown);
  g_test_add ("/hangar/ui/window/start", Fixture, NULL, fixture_setup, test_start,
              fixture_teardown);
  g_test_add ("/hangar/ui/window/force-off", Fixture, NULL, fixture_setup, test_force_off,
              fixture_teardown);
  g_test_add ("/hangar/ui/window/delete", Fixture, NULL, fixture_setup, test_delete,
              fixture_teardown);
  g_test_add ("/hangar/ui/window/disconnected", Fixture, NULL, fixture_setup, test_disconnected,
              fixture_teardown);
  g_test_add ("/hangar/ui/window/empty", Fixture, NULL, fixture_setup, test_empty,
              fixture_teardown);
  g_test_add_func ("/hangar/ui/window/no-connections", test_no_connections);
  g_test_add_func ("/hangar/ui/add-connection-dialog", test_add_connection_dialog);
  g_test_add_func ("/hangar/ui/widgets/finalize", test_widgets_finalize);

  return g_test_run ();
}
