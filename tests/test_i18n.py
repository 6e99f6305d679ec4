from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import BillingMilestoneCommon

EXPECTED = {
    "fr_FR": ("À traiter", "À venir", "doit être supérieur à 0"),
    "de_DE": ("Offen", "Anstehend", "muss größer als 0"),
    "es_ES": ("Pendiente", "Próximo", "debe ser mayor que 0"),
}


@tagged("post_install", "-at_install")
class TestTranslations(BillingMilestoneCommon):
    """French, German and Spanish: labels, customer words and rule messages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in EXPECTED:
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(
            ["sale_milestone_billing"], list(EXPECTED), overwrite=True
        )

    def test_each_language_reads_its_own_words(self):
        order = self._create_order()
        (milestone,) = self._add_milestones(
            order.order_line, {"kind": "manual", "percent": 100}
        )
        for code, (to_process, upcoming, rule) in EXPECTED.items():
            with self.subTest(lang=code):
                env = self.env(context=dict(self.env.context, lang=code))
                Milestone = env["sale.billing.milestone"]
                statuses = dict(Milestone._fields["status"]._description_selection(env))
                self.assertEqual(statuses["to_process"], to_process)
                self.assertEqual(
                    dict(
                        Milestone._fields["customer_status"]._description_selection(env)
                    )["upcoming"],
                    upcoming,
                )
                with self.assertRaisesRule(ValidationError, rule) as caught:
                    milestone.with_env(env).percent = -5
                self.assertIn("M1", str(caught.exception))
