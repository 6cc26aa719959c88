/* hangar-machine-list.c
 *
 * Copyright 2026 The Hangar authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hangar-machine-list"

#include "config.h"

#include <glib/gi18n.h>

#include "hangar-machine-actions.h"
#include "hangar-machine-list.h"
#include "hangar-machine-row.h"
#include "hangar-ui-util.h"

/* The machines of one connection, or the empty state that says what to do next.
 * Sorting, filtering and selection are declared in the template. */
struct _HangarMachineList
{
  GtkWidget           parent_instance;

  HangarConnection   *connection;
  /* Follow the connection's state and its unfiltered machine count for update_view (). */
  GSignalGroup       *connection_signals;
  GSignalGroup       *machines_signals;

  /* Template widgets */
  GtkWidget          *box;
  GtkSearchBar       *search_bar;
  GtkSearchEntry     *search_entry;
  GtkStack           *stack;
  GtkListView        *list_view;
  GtkSingleSelection *selection;
  GtkFilterListModel *filter_model;
  GtkFilter          *title_filter;
  AdwStatusPage      *disconnected_page;
  AdwStatusPage      *reconnecting_page;
  AdwStatusPage      *connecting_page;
  AdwWindowTitle     *window_title;
  GtkSpinner         *connecting_spinner;
  GtkWidget          *add_button;
  GtkWidget          *reconnect_button;
  GtkWidget          *reconnect_now_button;

  guint               summaries_id;  /* idle that asks for the visible machines' title and OS */
  guint               spinner_id;    /* timeout that shows the spinner of a slow connection */
  guint               refilter_id;   /* idle that filters again after titles came in */

  /* The context menu of a row (a GtkPopoverMenu); owned as a child. */
  GtkWidget          *row_menu;

  guint               folded : 1;
  guint               titles_wanted : 1;  /* every title of the connection was asked for */
};

G_DEFINE_FINAL_TYPE (HangarMachineList, hangar_machine_list, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_FOLDED,
  PROP_SEARCH_MODE,
  N_PROPS,
};

enum {
  SIGNAL_MACHINE_ACTIVATED,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

HangarConnection *
hangar_machine_list_get_connection (HangarMachineList *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE_LIST (self), NULL);

  return self->connection;
}

/**
 * hangar_machine_list_get_model:
 *
 * Returns: (transfer none): the filtered, sorted machines as shown, a #GtkSingleSelection
 */
GListModel *
hangar_machine_list_get_model (HangarMachineList *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE_LIST (self), NULL);

  return G_LIST_MODEL (self->selection);
}

/* Which page shows: "machines", "no-connection", "connecting", "disconnected", "reconnecting",
 * "empty" or "no-results". */
const char *
hangar_machine_list_get_view_name (HangarMachineList *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE_LIST (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

gboolean
hangar_machine_list_get_search_mode (HangarMachineList *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE_LIST (self), FALSE);

  return gtk_search_bar_get_search_mode (self->search_bar);
}

void
hangar_machine_list_set_search_mode (HangarMachineList *self,
                                     gboolean           search_mode)
{
  g_return_if_fail (HANGAR_IS_MACHINE_LIST (self));

  gtk_search_bar_set_search_mode (self->search_bar, search_mode);
  if (search_mode)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
hangar_machine_list_set_search_text (HangarMachineList *self,
                                     const char        *text)
{
  g_return_if_fail (HANGAR_IS_MACHINE_LIST (self));

  hangar_machine_list_set_search_mode (self, text != NULL && *text != '\0');
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text ? text : "");
}

void
hangar_machine_list_focus (HangarMachineList *self)
{
  g_return_if_fail (HANGAR_IS_MACHINE_LIST (self));

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "machines") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

/* For .ui bindings into markup properties (status page descriptions). */
static char *
escape_markup_cb (gpointer    unused,
                  const char *text)
{
  return text != NULL ? g_markup_escape_text (text, -1) : NULL;
}

/* "1000 machines", or "3 of 1000 machines" while searching; the URI otherwise. */
static void
update_subtitle (HangarMachineList *self,
                 gboolean           connected)
{
  g_autofree char *subtitle = NULL;
  guint total;
  guint shown;

  if (self->connection == NULL)
    {
      adw_window_title_set_subtitle (self->window_title, "");
      return;
    }

  if (!connected)
    {
      /* AdwWindowTitle reads markup; URIs have '&' between parameters. */
      g_autofree char *escaped = g_markup_escape_text (hangar_connection_get_uri (self->connection), -1);

      adw_window_title_set_subtitle (self->window_title, escaped);
      return;
    }

  total = g_list_model_get_n_items (hangar_connection_get_machines (self->connection));
  shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
  if (shown == total)
    subtitle = g_strdup_printf (ngettext ("%u machine", "%u machines", total), total);
  else
    /* Translators: while searching, e.g. "3 of 1000 machines" */
    subtitle = g_strdup_printf (ngettext ("%u of %u machine", "%u of %u machines", total), shown,
                                total);
  adw_window_title_set_subtitle (self->window_title, subtitle);
}

/* The status pages' icons, set when a page is first shown on screen: GTK loads an image's icon as soon
 * as its style is known, shown or not, and these large icons are SVGs, which bring in librsvg
 * (+6 MB) and rendering them at start-up for pages that are usually never seen. */
static const struct {
  const char *page;
  const char *icon_name;
} status_icons[] = {
  { "no-connection", "network-server-symbolic" },
  { "disconnected", "network-offline-symbolic" },
  { "reconnecting", "network-offline-symbolic" },
  { "empty", "computer-symbolic" },
  { "no-results", "edit-find-symbolic" },
};

static void
show_status_icon (HangarMachineList *self,
                  const char        *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_icons); i++)
    if (g_str_equal (status_icons[i].page, name))
      {
        AdwStatusPage *page = ADW_STATUS_PAGE (gtk_stack_get_child_by_name (self->stack, name));

        if (adw_status_page_get_icon_name (page) == NULL)
          adw_status_page_set_icon_name (page, status_icons[i].icon_name);
        return;
      }
}

#define SPINNER_DELAY_MS 500

static gboolean
show_spinner_cb (gpointer user_data)
{
  HangarMachineList *self = HANGAR_MACHINE_LIST (user_data);

  self->spinner_id = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->connecting_spinner), TRUE);
  gtk_spinner_set_spinning (self->connecting_spinner, TRUE);

  return G_SOURCE_REMOVE;
}

static void
update_view (HangarMachineList *self)
{
  const char *name = "machines";
  g_autofree char *description = NULL;
  g_autofree char *escaped = NULL;
  const GError *error;
  const char *reason;

  if (self->connection == NULL)
    {
      name = "no-connection";
    }
  else
    {
      switch (hangar_connection_get_state (self->connection))
        {
        case HANGAR_CONNECTION_STATE_CONNECTING:
          name = "connecting";
          break;

        case HANGAR_CONNECTION_STATE_DISCONNECTED:
          name = "disconnected";
          error = hangar_connection_get_error (self->connection);
          /* Status page descriptions are markup; messages may quote a URI with '&'. */
          escaped = g_markup_escape_text (error ? error->message
                                                : hangar_connection_get_status (self->connection), -1);
          adw_status_page_set_description (self->disconnected_page, escaped);
          break;

        case HANGAR_CONNECTION_STATE_RECONNECTING:
          name = "reconnecting";
          error = hangar_connection_get_error (self->connection);
          reason = error ? error->message : hangar_connection_get_status (self->connection);
          /* Translators: %s says why the connection was lost */
          escaped = g_markup_escape_text (reason ? reason : "", -1);
          description = g_strdup_printf (_("%s\n\nHangar keeps trying to reconnect; the machines "
                                           "come back when the daemon answers."),
                                         escaped);
          adw_status_page_set_description (self->reconnecting_page, description);
          break;

        case HANGAR_CONNECTION_STATE_CONNECTED:
        default:
          if (g_list_model_get_n_items (hangar_connection_get_machines (self->connection)) == 0)
            name = "empty";
          else if (g_list_model_get_n_items (G_LIST_MODEL (self->filter_model)) == 0)
            name = "no-results";
          break;
        }
    }

  gtk_stack_set_visible_child_name (self->stack, name);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    show_status_icon (self, name);
  /* A spinning spinner ticks the frame clock even on a hidden page: spin only when shown. And
   * only when connecting takes a while: most connections answer well within SPINNER_DELAY_MS,
   * and a spinner flashed for a few frames costs those frames plus loading its SVG icon. */
  if (g_str_equal (name, "connecting"))
    {
      if (self->spinner_id == 0 && !gtk_widget_get_visible (GTK_WIDGET (self->connecting_spinner)))
        self->spinner_id = g_timeout_add (SPINNER_DELAY_MS, show_spinner_cb, self);
    }
  else
    {
      g_clear_handle_id (&self->spinner_id, g_source_remove);
      gtk_spinner_set_spinning (self->connecting_spinner, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->connecting_spinner), FALSE);
    }
  update_subtitle (self, g_str_equal (name, "machines") || g_str_equal (name, "empty") ||
                         g_str_equal (name, "no-results"));
}

static void title_changed_cb (HangarMachineList *self);

void
hangar_machine_list_set_connection (HangarMachineList *self,
                                    HangarConnection  *connection)
{
  g_return_if_fail (HANGAR_IS_MACHINE_LIST (self));
  g_return_if_fail (connection == NULL || HANGAR_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;

  /* Stop following the titles of the machines of the connection we leave. */
  if (self->connection != NULL && self->titles_wanted)
    {
      GListModel *machines = hangar_connection_get_machines (self->connection);
      guint n = g_list_model_get_n_items (machines);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(HangarMachine) machine = g_list_model_get_item (machines, i);

          g_signal_handlers_disconnect_by_func (machine, title_changed_cb, self);
        }
    }
  g_set_object (&self->connection, connection);

  g_signal_group_set_target (self->connection_signals, connection);
  g_signal_group_set_target (self->machines_signals,
                             connection ? hangar_connection_get_machines (connection) : NULL);
  self->titles_wanted = FALSE;
  if (self->row_menu != NULL)
    gtk_popover_popdown (GTK_POPOVER (self->row_menu));
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
  update_view (self);
}

static void
emit_activated (HangarMachineList *self,
                HangarMachine     *machine)
{
  if (machine != NULL)
    g_signal_emit (self, signals[SIGNAL_MACHINE_ACTIVATED], 0, machine);
}

static void
list_activate_cb (HangarMachineList *self,
                  guint              position,
                  GtkListView       *view)
{
  g_autoptr(HangarMachine) machine = g_list_model_get_item (G_LIST_MODEL (self->selection),
                                                            position);

  emit_activated (self, machine);
}

/* Title and OS live in each machine's XML, one call per machine. Ask only for the machines in
 * view: GTK 4.8 binds up to 200 rows whatever the window shows, so asking on bind would fetch
 * ten times more than is seen. The rows all have the same height, so the visible positions
 * follow from the scroll position. */
static gboolean
load_visible_summaries_cb (gpointer user_data)
{
  HangarMachineList *self = HANGAR_MACHINE_LIST (user_data);
  GtkAdjustment *vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));
  GListModel *model = G_LIST_MODEL (self->selection);
  guint n_items = g_list_model_get_n_items (model);
  double upper;
  double row_height;
  guint first;
  guint last;

  self->summaries_id = 0;

  upper = vadjustment ? gtk_adjustment_get_upper (vadjustment) : 0.0;
  if (n_items == 0 || upper <= 0.0)
    return G_SOURCE_REMOVE;

  row_height = upper / n_items;
  first = (guint) MAX (0.0, gtk_adjustment_get_value (vadjustment) / row_height);
  last = (guint) ((gtk_adjustment_get_value (vadjustment) +
                   gtk_adjustment_get_page_size (vadjustment)) / row_height) + 1;
  for (guint i = first; i <= last && i < n_items; i++)
    {
      g_autoptr(HangarMachine) machine = g_list_model_get_item (model, i);

      hangar_machine_load_summary (machine);
    }

  return G_SOURCE_REMOVE;
}

static void
queue_visible_summaries (HangarMachineList *self)
{
  /* After the list view has laid out the change, so the adjustment is up to date. */
  if (self->summaries_id == 0)
    self->summaries_id = g_idle_add_full (G_PRIORITY_LOW, load_visible_summaries_cb, self, NULL);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              HangarMachineList        *self)
{
  gtk_list_item_set_child (item, g_object_new (HANGAR_TYPE_MACHINE_ROW, NULL));
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             HangarMachineList        *self)
{
  HangarMachine *machine = gtk_list_item_get_item (item);

  hangar_machine_row_set_machine (HANGAR_MACHINE_ROW (gtk_list_item_get_child (item)), machine);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               HangarMachineList        *self)
{
  hangar_machine_row_set_machine (HANGAR_MACHINE_ROW (gtk_list_item_get_child (item)), NULL);
}

/* Searching by title */

static gboolean
refilter_cb (gpointer user_data)
{
  HangarMachineList *self = HANGAR_MACHINE_LIST (user_data);

  self->refilter_id = 0;
  gtk_filter_changed (self->title_filter, GTK_FILTER_CHANGE_DIFFERENT);

  return G_SOURCE_REMOVE;
}

/* A title came in: the filter model does not watch its items, so filter again (once for a burst). */
static void
title_changed_cb (HangarMachineList *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (text != NULL && *text != '\0' && self->refilter_id == 0)
    self->refilter_id = g_idle_add_full (G_PRIORITY_LOW, refilter_cb, self, NULL);
}

/* Titles live in each machine's XML and are fetched only for the rows in view. The first search
 * asks for all of them (in the background, a batch at a time) and filters again as they come. */
static void
search_changed_cb (HangarMachineList *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  GListModel *machines;
  guint n;

  if (text == NULL || *text == '\0' || self->titles_wanted || self->connection == NULL ||
      hangar_connection_get_state (self->connection) != HANGAR_CONNECTION_STATE_CONNECTED)
    return;

  self->titles_wanted = TRUE;
  machines = hangar_connection_get_machines (self->connection);
  n = g_list_model_get_n_items (machines);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HangarMachine) machine = g_list_model_get_item (machines, i);

      g_signal_connect_object (machine, "notify::title", G_CALLBACK (title_changed_cb), self,
                               G_CONNECT_SWAPPED);
      hangar_machine_load_summary (machine);
    }
}

/* The context menu of a row: the lifecycle actions the machine's state allows */

typedef struct
{
  const char          *name;    /* in the "machines" action group, with the uuid as target */
  HangarMachineAction  action;
  const char          *label;
} RowAction;

static const RowAction row_actions[] = {
  { "machines.start", HANGAR_MACHINE_ACTION_START, N_("_Start") },
  { "machines.resume", HANGAR_MACHINE_ACTION_RESUME, N_("_Resume") },
  { "machines.shutdown", HANGAR_MACHINE_ACTION_SHUTDOWN, N_("Shut _Down") },
  { "machines.reboot", HANGAR_MACHINE_ACTION_REBOOT, N_("Re_boot") },
  { "machines.pause", HANGAR_MACHINE_ACTION_PAUSE, N_("_Pause") },
  { "machines.force-off", HANGAR_MACHINE_ACTION_FORCE_OFF, N_("_Force Off…") },
};

static void
append_item (GMenu      *section,
             const char *label,
             const char *action,
             const char *uuid)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action, g_variant_new_string (uuid));
  g_menu_append_item (section, item);
}

static GMenuModel *
build_row_menu (HangarMachine *machine)
{
  const char *uuid = hangar_machine_get_uuid (machine);
  HangarMachineState state = hangar_machine_get_state (machine);
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) open = g_menu_new ();
  g_autoptr(GMenu) lifecycle = g_menu_new ();
  g_autoptr(GMenu) remove = g_menu_new ();

  append_item (open, _("_Open"), "machines.open", uuid);
  if (state == HANGAR_MACHINE_STATE_RUNNING || state == HANGAR_MACHINE_STATE_PAUSED ||
      state == HANGAR_MACHINE_STATE_BLOCKED)
    append_item (open, _("Open _Console"), "machines.open-console", uuid);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (open));

  for (guint i = 0; i < G_N_ELEMENTS (row_actions); i++)
    if (hangar_machine_can (machine, row_actions[i].action))
      append_item (lifecycle, _(row_actions[i].label), row_actions[i].name, uuid);
  if (g_menu_model_get_n_items (G_MENU_MODEL (lifecycle)) > 0)
    g_menu_append_section (menu, NULL, G_MENU_MODEL (lifecycle));

  if (hangar_machine_can (machine, HANGAR_MACHINE_ACTION_DELETE))
    {
      append_item (remove, _("_Delete…"), "machines.delete", uuid);
      g_menu_append_section (menu, NULL, G_MENU_MODEL (remove));
    }

  return G_MENU_MODEL (menu);
}

static void
select_machine (HangarMachineList *self,
                HangarMachine     *machine)
{
  GListModel *model = G_LIST_MODEL (self->selection);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HangarMachine) item = g_list_model_get_item (model, i);

      if (item == machine)
        {
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), i, TRUE);
          return;
        }
    }
}

/* Opens the menu of @row's machine at (@x, @y) in @row's coordinates. */
static void
popup_row_menu (HangarMachineList *self,
                HangarMachineRow  *row,
                double             x,
                double             y)
{
  HangarMachine *machine = hangar_machine_row_get_machine (row);
  g_autoptr(GMenuModel) model = NULL;
  double list_x, list_y;

  if (machine == NULL)
    return;

  select_machine (self, machine);
  model = build_row_menu (machine);
  if (self->row_menu == NULL)
    {
      self->row_menu = gtk_popover_menu_new_from_model (NULL);
      gtk_popover_set_has_arrow (GTK_POPOVER (self->row_menu), FALSE);
      gtk_widget_set_halign (self->row_menu, GTK_ALIGN_START);
      gtk_widget_set_parent (self->row_menu, GTK_WIDGET (self));
    }
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->row_menu), model);

  if (!gtk_widget_translate_coordinates (GTK_WIDGET (row), GTK_WIDGET (self), x, y, &list_x, &list_y))
    list_x = list_y = 0;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->row_menu),
                               &(GdkRectangle) { (int) list_x, (int) list_y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->row_menu));
}

static void
row_pressed_cb (HangarMachineList *self,
                int                n_press,
                double             x,
                double             y,
                GtkGestureClick   *gesture)
{
  GtkWidget *picked = gtk_widget_pick (GTK_WIDGET (self->list_view), x, y, GTK_PICK_DEFAULT);
  GtkWidget *row = NULL;
  double row_x, row_y;

  if (picked != NULL)
    row = HANGAR_IS_MACHINE_ROW (picked) ? picked
                                         : gtk_widget_get_ancestor (picked, HANGAR_TYPE_MACHINE_ROW);
  /* The list item around the row has the padding: a click there is on the row too. */
  if (row == NULL && picked != NULL)
    {
      GtkWidget *child = gtk_widget_get_first_child (picked);

      if (child != NULL && HANGAR_IS_MACHINE_ROW (child))
        row = child;
    }
  if (row == NULL || hangar_machine_row_get_machine (HANGAR_MACHINE_ROW (row)) == NULL)
    return;

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  if (!gtk_widget_translate_coordinates (GTK_WIDGET (self->list_view), row, x, y, &row_x, &row_y))
    row_x = row_y = 0;
  /* The list item around the row is what takes the focus. */
  gtk_widget_grab_focus (gtk_widget_get_parent (row));
  popup_row_menu (self, HANGAR_MACHINE_ROW (row), row_x, row_y);
}

/* Menu key or Shift+F10: the menu of the row that has the focus, under its name. */
static void
show_menu_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HangarMachineList *self = HANGAR_MACHINE_LIST (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkWidget *row = NULL;

  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->list_view)))
    {
      GtkWidget *child = gtk_widget_get_first_child (focus);

      if (HANGAR_IS_MACHINE_ROW (focus))
        row = focus;
      else if (child != NULL && HANGAR_IS_MACHINE_ROW (child))
        row = child;
      else
        row = gtk_widget_get_ancestor (focus, HANGAR_TYPE_MACHINE_ROW);
    }
  if (row == NULL)
    return;

  popup_row_menu (self, HANGAR_MACHINE_ROW (row), 0, gtk_widget_get_height (row));
}

static HangarMachine *
lookup_target (HangarMachineList *self,
               GVariant          *parameter)
{
  if (self->connection == NULL)
    return NULL;

  return hangar_connection_lookup_machine (self->connection, g_variant_get_string (parameter, NULL));
}

static void
row_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  HangarMachineList *self = HANGAR_MACHINE_LIST (widget);
  HangarMachine *machine = lookup_target (self, parameter);

  if (machine == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (row_actions); i++)
    if (g_str_equal (action_name, row_actions[i].name))
      {
        if (hangar_machine_can (machine, row_actions[i].action))
          hangar_machine_actions_run (widget, machine, row_actions[i].action);
        return;
      }
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  HangarMachine *machine = lookup_target (HANGAR_MACHINE_LIST (widget), parameter);

  if (machine != NULL && hangar_machine_can (machine, HANGAR_MACHINE_ACTION_DELETE))
    hangar_machine_actions_delete (widget, machine);
}

static void
open_console_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  HangarMachine *machine = lookup_target (HANGAR_MACHINE_LIST (widget), parameter);

  if (machine != NULL)
    gtk_widget_activate_action (widget, "win.show-machine-console", "s",
                                hangar_machine_get_uuid (machine));
}

/**
 * hangar_machine_list_get_row_menu:
 *
 * Returns: (transfer none) (nullable): the context menu of the rows, once it was first opened
 */
GtkWidget *
hangar_machine_list_get_row_menu (HangarMachineList *self)
{
  g_return_val_if_fail (HANGAR_IS_MACHINE_LIST (self), NULL);

  return self->row_menu;
}

static void
filter_items_changed_cb (HangarMachineList *self)
{
  update_view (self);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HangarMachineList *self = HANGAR_MACHINE_LIST (widget);
  const char *uuid = g_variant_get_string (parameter, NULL);

  if (self->connection != NULL)
    emit_activated (self, hangar_connection_lookup_machine (self->connection, uuid));
}

static void
delete_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  HangarMachineList *self = HANGAR_MACHINE_LIST (widget);
  HangarMachine *machine = gtk_single_selection_get_selected_item (self->selection);

  if (machine != NULL && hangar_machine_can (machine, HANGAR_MACHINE_ACTION_DELETE))
    hangar_machine_actions_delete (widget, machine);
}

/* Type-to-search works while the list is on screen, wherever the focus is in the window. */
static void
hangar_machine_list_map (GtkWidget *widget)
{
  HangarMachineList *self = HANGAR_MACHINE_LIST (widget);

  GTK_WIDGET_CLASS (hangar_machine_list_parent_class)->map (widget);

  show_status_icon (self, gtk_stack_get_visible_child_name (self->stack));

  gtk_search_bar_set_key_capture_widget (self->search_bar,
                                         GTK_WIDGET (gtk_widget_get_root (widget)));
}

static void
hangar_machine_list_unmap (GtkWidget *widget)
{
  HangarMachineList *self = HANGAR_MACHINE_LIST (widget);

  gtk_search_bar_set_key_capture_widget (self->search_bar, NULL);

  GTK_WIDGET_CLASS (hangar_machine_list_parent_class)->unmap (widget);
}

static gboolean
hangar_machine_list_grab_focus (GtkWidget *widget)
{
  HangarMachineList *self = HANGAR_MACHINE_LIST (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "machines") == 0)
    return gtk_widget_grab_focus (GTK_WIDGET (self->list_view));

  return gtk_widget_child_focus (GTK_WIDGET (self->stack), GTK_DIR_TAB_FORWARD);
}

static void
hangar_machine_list_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  HangarMachineList *self = HANGAR_MACHINE_LIST (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;

    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;

    case PROP_SEARCH_MODE:
      g_value_set_boolean (value, hangar_machine_list_get_search_mode (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hangar_machine_list_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  HangarMachineList *self = HANGAR_MACHINE_LIST (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      hangar_machine_list_set_connection (self, g_value_get_object (value));
      break;

    case PROP_FOLDED:
      if (self->folded != g_value_get_boolean (value))
        {
          self->folded = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    case PROP_SEARCH_MODE:
      hangar_machine_list_set_search_mode (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
search_mode_changed_cb (HangarMachineList *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_MODE]);
}

static void
hangar_machine_list_dispose (GObject *object)
{
  GtkWidget *child;
  HangarMachineList *self = HANGAR_MACHINE_LIST (object);

  g_clear_handle_id (&self->summaries_id, g_source_remove);
  g_clear_handle_id (&self->spinner_id, g_source_remove);
  g_clear_handle_id (&self->refilter_id, g_source_remove);
  /* A child like the others: the loop below unparents it. */
  self->row_menu = NULL;
  if (self->connection_signals != NULL)
    g_signal_group_set_target (self->connection_signals, NULL);
  if (self->machines_signals != NULL)
    g_signal_group_set_target (self->machines_signals, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), HANGAR_TYPE_MACHINE_LIST);
  /* dispose_template () only unparents bound children; the template has others. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->connection_signals);
  g_clear_object (&self->machines_signals);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (hangar_machine_list_parent_class)->dispose (object);
}

static void
hangar_machine_list_class_init (HangarMachineListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hangar_machine_list_dispose;
  object_class->get_property = hangar_machine_list_get_property;
  object_class->set_property = hangar_machine_list_set_property;

  widget_class->map = hangar_machine_list_map;
  widget_class->unmap = hangar_machine_list_unmap;
  widget_class->grab_focus = hangar_machine_list_grab_focus;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL,
                         HANGAR_TYPE_CONNECTION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SEARCH_MODE] =
    g_param_spec_boolean ("search-mode", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_MACHINE_ACTIVATED] =
    g_signal_new ("machine-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, HANGAR_TYPE_MACHINE);

  hangar_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/ui/hangar-machine-list.ui");
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, box);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, search_bar);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, stack);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, list_view);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, selection);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, filter_model);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, title_filter);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, disconnected_page);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, reconnecting_page);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, connecting_page);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, window_title);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, connecting_spinner);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, add_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, reconnect_button);
  gtk_widget_class_bind_template_child (widget_class, HangarMachineList, reconnect_now_button);
  gtk_widget_class_bind_template_callback (widget_class, list_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, escape_markup_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_items_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, setup_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, unbind_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_mode_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);

  gtk_widget_class_install_action (widget_class, "machines.open", "s", open_action);
  gtk_widget_class_install_action (widget_class, "machines.delete-selected", NULL,
                                   delete_selected_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "machines.delete-selected",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0,
                                       "machines.delete-selected", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (row_actions); i++)
    gtk_widget_class_install_action (widget_class, row_actions[i].name, "s", row_action);
  gtk_widget_class_install_action (widget_class, "machines.delete", "s", delete_action);
  gtk_widget_class_install_action (widget_class, "machines.open-console", "s", open_console_action);
  gtk_widget_class_install_action (widget_class, "machines.show-menu", NULL, show_menu_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "machines.show-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK,
                                       "machines.show-menu", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  g_type_ensure (HANGAR_TYPE_CONNECTION);
  g_type_ensure (HANGAR_TYPE_MACHINE);
  g_type_ensure (HANGAR_TYPE_MACHINE_ROW);
}

static void
hangar_machine_list_init (HangarMachineList *self)
{
  GtkAdjustment *vadjustment;

  self->connection_signals = g_signal_group_new (HANGAR_TYPE_CONNECTION);
  g_signal_group_connect_object (self->connection_signals, "notify::state",
                                 G_CALLBACK (update_view), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->connection_signals, "notify::status",
                                 G_CALLBACK (update_view), self, G_CONNECT_SWAPPED);

  self->machines_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_object (self->machines_signals, "items-changed",
                                 G_CALLBACK (update_view), self, G_CONNECT_SWAPPED);

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));

  {
    GtkGesture *click = gtk_gesture_click_new ();

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
    g_signal_connect_object (click, "pressed", G_CALLBACK (row_pressed_cb), self, G_CONNECT_SWAPPED);
    gtk_widget_add_controller (GTK_WIDGET (self->list_view), GTK_EVENT_CONTROLLER (click));
  }

  vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));
  g_signal_connect_object (vadjustment, "value-changed",
                           G_CALLBACK (queue_visible_summaries), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (vadjustment, "changed",
                           G_CALLBACK (queue_visible_summaries), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "items-changed",
                           G_CALLBACK (queue_visible_summaries), self, G_CONNECT_SWAPPED);
  hangar_fix_button_name (self->add_button);
  hangar_fix_button_name (self->reconnect_button);
  hangar_fix_button_name (self->reconnect_now_button);

  update_view (self);
}
