{
    "name": "Milestone Billing",
    "summary": "Days, Date and Manual billing milestones on sale order lines",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/milestone-billing/sale_milestone_billing",
    "author": "Milestone Billing",
    "license": "LGPL-3",
    "depends": ["sale_project", "account"],
    "data": [
        "security/sale_milestone_billing_security.xml",
        "security/ir.model.access.csv",
        "views/sale_billing_milestone_views.xml",
        "views/sale_billing_milestone_template_views.xml",
        "views/product_template_views.xml",
        "views/sale_order_line_views.xml",
        "views/sale_order_views.xml",
    ],
    "demo": [
        "demo/sale_milestone_billing_demo.xml",
    ],
    "installable": True,
}
