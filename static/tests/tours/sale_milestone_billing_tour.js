/* Copyright 2026 Milestone Billing
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {registry} from "@web/core/registry";

// Reach a Manual milestone on the order's Billing Schedule tab, Create Invoice,
// and post the draft invoice: the flow a salesperson and an accountant click.
registry.category("web_tour.tours").add("sale_milestone_billing_invoice_tour", {
    steps: () => [
        {
            content: "Open the order's Billing Schedule tab",
            trigger: ".o_notebook .nav-link[name='billing_schedule']",
            run: "click",
        },
        {
            content: "The schedule lists the product's milestones",
            trigger:
                ".o_field_widget[name='billing_milestone_ids'] .o_data_row:contains('Design approved')",
        },
        {
            content: "Edit the M2 row",
            trigger:
                ".o_field_widget[name='billing_milestone_ids'] .o_data_row:contains('Design approved') td[name='description']",
            run: "click",
        },
        {
            content: "Reach M2",
            trigger:
                ".o_field_widget[name='billing_milestone_ids'] .o_selected_row td[name='is_reached'] input",
            run: "click",
        },
        {
            content: "M2 is ticked as reached",
            trigger:
                ".o_field_widget[name='billing_milestone_ids'] .o_selected_row td[name='is_reached'] input:checked",
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
            content: "Create the draft invoice",
            trigger: ".modal button#create_invoice_open",
            run: "click",
        },
        {
            content: "The draft invoice bills M1 and M2, one line each",
            trigger:
                ".o_field_widget[name='invoice_line_ids'] .o_data_row:nth-child(2):contains('400.00')",
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

// The customer reads the schedule of its order on the portal.
registry.category("web_tour.tours").add("sale_milestone_billing_portal_tour", {
    steps: () => [
        {
            content: "The portal order shows the billing schedule",
            trigger: "#billing_schedule_table tr:contains('Kick-off'):contains('Invoiced')",
        },
        {
            content: "Upcoming milestones read in the customer's words",
            trigger:
                "#billing_schedule_table tr:contains('Design approved'):contains('Upcoming'):contains('When Design approved is reached')",
        },
        {
            content: "The page is fully loaded, chatter included",
            trigger: ".o_portal_chatter #chatterRoot",
        },
    ],
});

// Invoice Milestones: the preview lists what is billable, untick one, create.
registry.category("web_tour.tours").add("sale_milestone_billing_batch_tour", {
    steps: () => [
        {
            content: "Open Sales ‣ Orders ‣ Invoice Milestones",
            trigger: ".o_menu_sections [data-menu-xmlid='sale.sale_order_menu']",
            run: "click",
        },
        {
            content: "Invoice Milestones",
            trigger:
                ".dropdown-item[data-menu-xmlid='sale_milestone_billing.sale_billing_milestone_invoice_menu']",
            run: "click",
        },
        {
            content: "The preview lists the two billable milestones",
            trigger:
                ".modal .o_field_widget[name='line_ids'] .o_data_row:nth-child(2) .o_field_widget[name='include'] input:checked",
        },
        {
            content: "Leave the second one for later",
            trigger:
                ".modal .o_field_widget[name='line_ids'] .o_data_row:nth-child(2) .o_field_widget[name='include'] input",
            run: "click",
        },
        {
            content: "The total follows: one milestone, 300.00",
            trigger: ".modal .o_field_widget[name='milestone_count']:contains('1')",
        },
        {
            content: "Create Draft Invoices",
            trigger: ".modal button[name='action_create_invoices']",
            run: "click",
        },
        {
            content: "The new invoice opens",
            trigger: ".o_form_view button[name='action_post']",
        },
    ],
});

// A sales manager holds a milestone with a reason, then releases it.
registry.category("web_tour.tours").add("sale_milestone_billing_hold_tour", {
    steps: () => [
        {
            content: "Open Put on Hold",
            trigger: ".o_form_view button[name='action_hold']",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal .o_field_widget[name='reason'] input",
            run: "edit Waiting for the acceptance report",
        },
        {
            content: "Put on Hold",
            trigger: ".modal button[name='action_apply']",
            run: "click",
        },
        {
            content: "The milestone is on hold",
            trigger: ".o_form_view button[name='action_release']",
            run: "click",
        },
        {
            content: "Give the reason to release",
            trigger: ".modal .o_field_widget[name='reason'] input",
            run: "edit Report received",
        },
        {
            content: "Release",
            trigger: ".modal button[name='action_apply']",
            run: "click",
        },
        {
            content: "Released",
            trigger: ".o_form_view button[name='action_hold']",
        },
    ],
});

// The customer accepts a reached milestone on the portal, with a signature.
registry.category("web_tour.tours").add("sale_milestone_billing_acceptance_tour", {
    steps: () => [
        {
            content: "The milestone awaits the customer's acceptance",
            trigger: "#billing_acceptance .o_billing_acceptance_row:contains('Design approved')",
        },
        {
            content: "Accept",
            trigger: "#billing_acceptance .o_billing_accept",
            run: "click",
        },
        {
            content: "The name signs in the automatic style",
            trigger: ".modal.show .o_portal_sign_submit:enabled",
        },
        {
            content: "Sign and accept",
            trigger: ".modal.show .o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            content: "Accepted: nothing awaits any more",
            trigger: "body:not(:has(#billing_acceptance)) #billing_schedule_table",
        },
        {
            content: "The page confirms it, and the milestone reads Accepted",
            trigger: ".o_billing_acceptance_confirmation:contains('is accepted') ~ .table-responsive .o_billing_accepted",
        },
        {
            content: "The page is fully loaded, chatter included",
            trigger: ".o_portal_chatter #chatterRoot",
        },
    ],
});
