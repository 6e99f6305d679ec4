/* Copyright 2026 Milestone Billing
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {registry} from "@web/core/registry";

const schedule = ".o_field_widget[name='billing_milestone_ids']";
const invoiceLines = ".o_field_widget[name='invoice_line_ids']";

// An order of 1,000 withholding 10 %: invoice M1 (100 %) with its retention,
// then reach the Retention Release and invoice it.
registry.category("web_tour.tours").add("sale_milestone_billing_retention_tour", {
    steps: () => [
        {
            content: "Create Invoice",
            trigger: "button#create_invoice",
            run: "click",
        },
        {
            content: "Create the draft invoice",
            trigger: ".modal button#create_invoice_open",
            run: "click",
        },
        {
            content: "The invoice withholds 10 % of M1 on its own line",
            trigger: `${invoiceLines} .o_data_row:nth-child(2):contains('-100.00')`,
        },
        {
            content: "Post it",
            trigger: "button[name='action_post']",
            run: "click",
        },
        {
            content: "Posted",
            trigger: "button[name='button_draft']",
        },
        {
            content: "Back to the order",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('S0')",
            run: "click",
        },
        {
            content: "Open the order's Billing Schedule tab",
            trigger: ".o_notebook .nav-link[name='billing_schedule']",
            run: "click",
        },
        {
            content: "The tab shows the retention held",
            trigger: ".o_field_widget[name='billing_retention_held']:contains('100.00')",
        },
        {
            content: "Edit the release row",
            trigger: `${schedule} .o_data_row:contains('Works accepted') td[name='description']`,
            run: "click",
        },
        {
            content: "Reach the release",
            trigger: `${schedule} .o_selected_row td[name='is_reached'] input`,
            run: "click",
        },
        {
            content: "Save the order",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Create Invoice",
            trigger: "button#create_invoice",
            run: "click",
        },
        {
            content: "Create the release invoice",
            trigger: ".modal button#create_invoice_open",
            run: "click",
        },
        {
            content: "The release invoice bills what was withheld",
            trigger: `${invoiceLines} .o_data_row:nth-child(1):contains('100.00')`,
        },
        {
            content: "Post it",
            trigger: "button[name='action_post']",
            run: "click",
        },
        {
            content: "Posted",
            trigger: "button[name='button_draft']",
        },
    ],
});
