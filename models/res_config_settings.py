# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    billing_milestone_auto_invoice = fields.Selection(
        related="company_id.billing_milestone_auto_invoice", readonly=False
    )
    billing_acceptance_mail_template_id = fields.Many2one(
        related="company_id.billing_acceptance_mail_template_id", readonly=False
    )
    billing_retention_account_id = fields.Many2one(
        related="company_id.billing_retention_account_id", readonly=False
    )
    billing_retention_tax = fields.Selection(
        related="company_id.billing_retention_tax", readonly=False
    )
    billing_acceptance_reminder_days = fields.Integer(
        related="company_id.billing_acceptance_reminder_days", readonly=False
    )
