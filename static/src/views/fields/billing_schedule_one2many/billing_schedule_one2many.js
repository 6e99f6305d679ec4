/* Copyright 2026 Milestone Billing
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {registry} from "@web/core/registry";
import {X2ManyField, x2ManyField} from "@web/views/fields/x2many/x2many_field";
import {ListRenderer} from "@web/views/list/list_renderer";

// The server refuses to delete a processed milestone (it is billed by a live
// invoice line): its row offers no trash icon, and neither a click on the empty
// cell nor Enter on it deletes the row.
export class BillingScheduleListRenderer extends ListRenderer {
    static recordRowTemplate = "sale_milestone_billing.BillingScheduleListRenderer.RecordRow";

    isProcessed(record) {
        return record.data.status === "processed";
    }

    onRemoveCellClicked(record, ev) {
        if (!this.isProcessed(record)) {
            super.onRemoveCellClicked(record, ev);
        }
    }

    async onDeleteRecord(record) {
        if (!this.isProcessed(record)) {
            return super.onDeleteRecord(...arguments);
        }
    }
}

export class BillingScheduleOne2Many extends X2ManyField {
    static components = {
        ...X2ManyField.components,
        ListRenderer: BillingScheduleListRenderer,
    };
}

export const billingScheduleOne2Many = {
    ...x2ManyField,
    component: BillingScheduleOne2Many,
};

registry.category("fields").add("billing_schedule_one2many", billingScheduleOne2Many);
