/* Copyright 2026 Milestone Billing
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {Component} from "@odoo/owl";
import {registry} from "@web/core/registry";
import {standardFieldProps} from "@web/views/fields/standard_field_props";

// An order line's schedule ("M1 30 % · M2 40 %") and the button that opens it.
// Odoo runs no button of a new row of a one2many ("Please save your changes
// first"): this one saves the quotation itself, so that a line's schedule opens
// from the first click, as soon as its product is picked.
export class BillingScheduleSummary extends Component {
    static template = "sale_milestone_billing.BillingScheduleSummary";
    static props = {...standardFieldProps};

    setup() {
        // Not useService: saving a new quotation renders its lines anew, which
        // destroys this field, and the protected services would then never
        // answer the calls that open the schedule.
        this.action = this.env.services.action;
        this.orm = this.env.services.orm;
    }

    get summary() {
        return this.props.record.data[this.props.name] || "";
    }

    get isScheduled() {
        return this.props.record.data.is_billing_milestone_line;
    }

    async openSchedule() {
        const line = this.props.record;
        const model = line.model;
        const index = model.root.data.order_line.records.indexOf(line);
        if (!(await model.root.save())) {
            return;
        }
        // Saving a new quotation loads it anew: a new line is a new record of
        // the new root, at its place.
        const root = model.root;
        const saved = line.resId ? line : root.data.order_line.records[index];
        if (!saved?.resId) {
            return;
        }
        const action = await this.orm.call("sale.order.line", "action_open_billing_schedule", [
            [saved.resId],
        ]);
        await this.action.doAction(action, {onClose: () => root.load()});
    }
}

export const billingScheduleSummary = {
    component: BillingScheduleSummary,
    displayName: "Billing Schedule Summary",
    supportedTypes: ["char"],
    fieldDependencies: [{name: "is_billing_milestone_line", type: "boolean"}],
};

registry.category("fields").add("billing_schedule_summary", billingScheduleSummary);
