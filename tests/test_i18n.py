# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import BillingMilestoneCommon

EXPECTED = {
    "fr_FR": ("À traiter", "À venir", "doit être supérieur à 0"),
    "de_DE": ("Offen", "Anstehend", "muss größer als 0"),
    "es_ES": ("Pendiente", "Próximo", "debe ser mayor que 0"),
}

# The credit-note intents (Final Reduction, Bill Again Later), the customer's
# "Credited", and the write guard's message on a salesman's write of Due.
EXPECTED_CREDIT = {
    "fr_FR": (
        "Réduction définitive",
        "Refacturer plus tard",
        "Crédité",
        r"Dû ne peut pas être modifié\. Ces valeurs découlent de l'échéancier",
    ),
    "de_DE": (
        "Endgültige Minderung",
        "Später erneut abrechnen",
        "Gutgeschrieben",
        r"Fällig kann nicht geschrieben werden\. Diese Werte ergeben sich aus dem",
    ),
    "es_ES": (
        "Reducción definitiva",
        "Volver a facturar más tarde",
        "Abonado",
        r"Exigible no se puede escribir\. Estos valores se derivan del calendario",
    ),
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

    def test_each_language_reads_credit_intents_and_the_write_guard(self):
        salesman = new_test_user(
            self.env, "smb_i18n_salesman", groups="sales_team.group_sale_salesman"
        )
        order = self._create_order(user_id=salesman.id)
        (milestone,) = self._add_milestones(
            order.order_line, {"kind": "date", "date": "2030-01-01", "percent": 100}
        )
        for code, (final, rebill, credited, guard) in EXPECTED_CREDIT.items():
            with self.subTest(lang=code):
                env = self.env(context=dict(self.env.context, lang=code))
                intents = dict(
                    env["account.move"]
                    ._fields["billing_credit_intent"]
                    ._description_selection(env)
                )
                self.assertEqual(intents["final"], final)
                self.assertEqual(intents["rebill"], rebill)
                self.assertEqual(
                    dict(
                        env["sale.billing.milestone"]
                        ._fields["customer_status"]
                        ._description_selection(env)
                    )["credited"],
                    credited,
                )
                with self.assertRaisesRule(UserError, guard):
                    milestone.with_env(env).with_user(salesman).is_due = True
                self.assertFalse(milestone.is_due)
