# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from lxml import etree

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import LedgerCase

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
        r"Exigible no se puede escribir\. Estos valores se derivan del plan",
    ),
}

# The words of the screens, the portal and the PDF that read the same in a
# language as in English.
SAME_WORDS = {
    "fr_FR": {"Action", "Date", "Description", "ID", "Signature", "Total", "Total %"},
    "de_DE": {"ID", "Status"},
    "es_ES": {"Error", "ID", "Manual", "No", "Total", "Total %"},
}

# The Billing Schedule tab's Percent column, the milestone form's section of
# its hold and release, and the refusal to delete a re-opened part.
EXPECTED_WORDS = {
    "fr_FR": (
        "Pourcentage (%)",
        "Mise en attente et libération",
        r"^Le jalon M1 ne peut pas être supprimé : c'est un montant que %s a remis",
    ),
    "de_DE": (
        "Prozentsatz (%)",
        "Zurückhaltung und Freigabe",
        r"^Meilenstein M1 kann nicht gelöscht werden: Er ist ein Betrag, den %s",
    ),
    "es_ES": (
        "Porcentaje (%)",
        "Retención y liberación",
        r"^El hito M1 no se puede eliminar: es un importe que %s devolvió al plan",
    ),
}

# A deemed acceptance, as the customer reads it.
EXPECTED_DEEMED = {
    "fr_FR": "Go-live a été atteint et réputé accepté le",
    "de_DE": "Go-live wurde erreicht und am",
    "es_ES": "Go-live se alcanzó y se consideró aceptado el",
}

LIST_SCHEDULE = "sale_milestone_billing.sale_billing_milestone_view_list_schedule"
FORM = "sale_milestone_billing.sale_billing_milestone_view_form"
PORTAL = "sale_milestone_billing.sale_order_portal_content"


@tagged("post_install", "-at_install")
class TestTranslations(LedgerCase):
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

    def _arch(self, xmlid, view_type, lang):
        Milestone = self.env["sale.billing.milestone"].with_context(lang=lang)
        views = Milestone.get_views([(self.env.ref(xmlid).id, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def test_every_view_term_is_translated(self):
        views = self.env["ir.ui.view"].search(
            [("model_data_id.module", "=", "sale_milestone_billing")]
        )
        self.assertIn(self.env.ref(LIST_SCHEDULE), views)
        for view in views:
            translations, __ = view.get_field_translations("arch_db", list(EXPECTED))
            missing = [
                (term["lang"], term["source"])
                for term in translations
                if not term["value"]
                and any(char.isalpha() for char in term["source"])
                and term["source"] not in SAME_WORDS[term["lang"]]
            ]
            with self.subTest(view=view.xml_id):
                self.assertFalse(missing)

    def test_each_language_reads_the_schedule_tab_and_the_hold_section(self):
        order, m1, __, invoice = self._billed_m1()
        credit_note = self._credit(invoice, 100, intent="rebill")
        for code, (percent, hold, refusal) in EXPECTED_WORDS.items():
            with self.subTest(lang=code):
                [column] = self._arch(LIST_SCHEDULE, "list", code).xpath(
                    "//field[@name='percent']"
                )
                self.assertEqual(column.get("string"), percent)
                [group] = self._arch(FORM, "form", code).xpath("//group[@name='hold']")
                self.assertEqual(group.get("string"), hold)
                env = self.env(context=dict(self.env.context, lang=code))
                status = dict(
                    env["sale.billing.milestone"]
                    ._fields["status"]
                    ._description_selection(env)
                )["hold"]
                self.assertNotEqual(group.get("string"), status)
                with self.assertRaisesRule(
                    UserError, refusal % re.escape(credit_note.name)
                ):
                    m1.reopened_ids.with_env(env).unlink()

    def test_spanish_says_plan_for_the_billing_schedule(self):
        env = self.env(context=dict(self.env.context, lang="es_ES"))
        line_fields = env["sale.order.line"]._fields
        self.assertEqual(
            line_fields["billing_milestone_ids"]._description_string(env),
            "Plan de facturación",
        )
        self.assertEqual(
            line_fields["billing_schedule_summary"]._description_string(env), "Plan"
        )
        translations, __ = self.env.ref(PORTAL).get_field_translations(
            "arch_db", ["es_ES"]
        )
        self.assertIn(
            {
                "lang": "es_ES",
                "source": "Billing Schedule",
                "value": "Plan de facturación",
            },
            translations,
        )
        field_ids = (
            self.env["ir.model.data"]
            .search(
                [
                    ("module", "=", "sale_milestone_billing"),
                    ("model", "=", "ir.model.fields"),
                ]
            )
            .mapped("res_id")
        )
        descriptions = (
            env["ir.model.fields"].browse(field_ids).mapped("field_description")
        )
        self.assertFalse([d for d in descriptions if "alendario" in d])

    def test_each_language_reads_a_deemed_acceptance_as_done(self):
        __, milestone = self._go_live_awaiting_acceptance()
        self._deem_accepted()
        for code, deemed in EXPECTED_DEEMED.items():
            with self.subTest(lang=code):
                env = self.env(context=dict(self.env.context, lang=code))
                self.assertTrue(
                    milestone.with_env(env)._get_customer_trigger().startswith(deemed)
                )

    def test_each_language_counts_the_milestones_a_long_summary_leaves_out(self):
        order = self._create_order()
        self._add_milestones(order.order_line, *[{"percent": 10} for _ in range(8)])
        for code, more in {
            "fr_FR": "3 de plus",
            "de_DE": "3 weitere",
            "es_ES": "3 más",
        }.items():
            with self.subTest(lang=code):
                line = order.order_line.with_context(lang=code)
                line.invalidate_recordset(["billing_schedule_summary"])
                self.assertTrue(
                    line.billing_schedule_summary.endswith(f" · {more}"),
                    line.billing_schedule_summary,
                )
