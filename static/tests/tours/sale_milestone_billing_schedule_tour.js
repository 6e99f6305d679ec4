/* Copyright 2026 Milestone Billing
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {registry} from "@web/core/registry";

const schedule = ".o_field_widget[name='billing_milestone_ids']";
const editor = `.modal ${schedule}`;

// A processed milestone cannot be deleted: neither the order's Billing Schedule
// tab nor the line's schedule editor offers its trash icon; open ones keep it.
registry.category("web_tour.tours").add("sale_milestone_billing_schedule_delete_tour", {
    steps: () => [
        {
            content: "Open the order's Billing Schedule tab",
            trigger: ".o_notebook .nav-link[name='billing_schedule']",
            run: "click",
        },
        {
            content: "The open M3 row can be deleted",
            trigger: `${schedule} .o_data_row:contains('Go-live') .o_list_record_remove button[name='delete']`,
        },
        {
            content: "The processed M1 row keeps its cell, without the trash icon",
            trigger: `${schedule} .o_data_row:contains('Kick-off') .o_list_record_remove:not(:has(button))`,
        },
        {
            content: "A click on that empty cell deletes nothing",
            trigger: `${schedule} .o_data_row:contains('Kick-off') .o_list_record_remove`,
            run: "click",
        },
        {
            content: "Delete M3",
            trigger: `${schedule} .o_data_row:contains('Go-live') .o_list_record_remove button[name='delete']`,
            run: "click",
        },
        {
            content: "M3 is gone, M1 stays",
            trigger: `${schedule}:not(:has(.o_data_row:contains('Go-live'))) .o_data_row:contains('Kick-off')`,
        },
        {
            content: "Save the order: the server accepts, as M1 was kept",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Back to the order lines",
            trigger: ".o_notebook .nav-link[name='order_lines']",
            run: "click",
        },
        {
            content: "Open the line's schedule editor",
            trigger:
                ".o_field_widget[name='order_line'] .o_data_row button[name='action_open_billing_schedule']",
            run: "click",
        },
        {
            content: "In the editor, the open M2 row can be deleted",
            trigger: `${editor} .o_data_row:contains('Design approved') .o_list_record_remove button[name='delete']`,
        },
        {
            content: "In the editor, the processed M1 row has no trash icon",
            trigger: `${editor} .o_data_row:contains('Kick-off') .o_list_record_remove:not(:has(button))`,
        },
        {
            content: "Close the editor",
            trigger: ".modal .modal-footer button:contains('Discard')",
            run: "click",
        },
        {
            content: "The editor is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});

// A new line's schedule from the first click: the product brings its template's
// milestones, the line reads them at once, and its calendar button saves the
// quotation and opens them, editable.
registry.category("web_tour.tours").add("sale_milestone_billing_schedule_new_line_tour", {
    steps: () => [
        {
            content: "Pick the customer",
            trigger: ".o_field_widget[name='partner_id'] input",
            run: "edit partner_a",
        },
        {
            content: "Choose partner_a",
            trigger: ".ui-autocomplete a:contains('partner_a')",
            run: "click",
        },
        {
            content: "Add a product",
            trigger: ".o_field_widget[name='order_line'] a:contains('Add a product')",
            run: "click",
        },
        {
            content: "Type the scheduled product",
            trigger: ".o_field_widget[name='order_line'] div[name='product_template_id'] input",
            run: "edit Website (scheduled)",
        },
        {
            content: "Choose it",
            trigger: ".ui-autocomplete a:contains('Website (scheduled)')",
            run: "click",
        },
        {
            content: "The unsaved line reads its schedule",
            trigger:
                ".o_field_widget[name='order_line'] .o_data_row td[name='billing_schedule_summary']:contains('M1 30 %')",
        },
        {
            content: "Open the new line's schedule: the quotation is saved first",
            trigger:
                ".o_field_widget[name='order_line'] .o_data_row button[name='action_open_billing_schedule']",
            run: "click",
        },
        {
            content: "The editor lists the template's milestones",
            trigger: `${editor} .o_data_row:contains('Go-live')`,
        },
        {
            content: "Edit M1's description",
            trigger: `${editor} .o_data_row:contains('Kick-off') td[name='description']`,
            run: "click",
        },
        {
            content: "Name it",
            trigger: `${editor} .o_data_row.o_selected_row td[name='description'] input`,
            run: "edit Kick-off meeting",
        },
        {
            content: "Save the schedule",
            trigger: ".modal .modal-footer button:contains('Save')",
            run: "click",
        },
        {
            content: "The editor is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Open the order's Billing Schedule tab",
            trigger: ".o_notebook .nav-link[name='billing_schedule']",
            run: "click",
        },
        {
            content: "The tab lists the edited schedule",
            trigger: `${schedule} .o_data_row:contains('Kick-off meeting')`,
        },
    ],
});
