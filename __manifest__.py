# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Milestone Billing",
    "summary": "Days, Date and Manual billing milestones on sale order lines",
    "version": "18.0.1.0.0",
    "development_status": "Beta",
    "category": "Sales/Sales",
    "website": "https://github.com/milestone-billing/sale_milestone_billing",
    "author": "Milestone Billing",
    "maintainers": ["milestone-billing"],
    "license": "LGPL-3",
    "depends": ["sale_project", "account"],
    "data": [
        "security/sale_milestone_billing_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/account_data.xml",
        "data/mail_template_data.xml",
        "views/sale_billing_milestone_views.xml",
        "views/sale_billing_milestone_template_views.xml",
        "views/product_template_views.xml",
        "views/sale_order_line_views.xml",
        "views/sale_order_line_retention_views.xml",
        "views/sale_order_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/sale_order_report_templates.xml",
        "views/sale_portal_templates.xml",
        "views/project_milestone_views.xml",
        "wizards/sale_billing_milestone_invoice_views.xml",
        "wizards/sale_billing_milestone_hold_views.xml",
        "wizards/sale_billing_milestone_replan_views.xml",
        "wizards/account_move_reversal_views.xml",
        "wizards/sale_make_invoice_advance_views.xml",
    ],
    "demo": [
        "demo/sale_milestone_billing_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "sale_milestone_billing/static/src/views/**/*",
            "sale_milestone_billing/static/src/scss/*.scss",
        ],
        "web.assets_tests": [
            "sale_milestone_billing/static/tests/tours/*.js",
        ],
    },
}
