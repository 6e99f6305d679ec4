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
