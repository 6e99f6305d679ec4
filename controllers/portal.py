# Copyright 2026 Milestone Billing
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request


class BillingAcceptancePortal(http.Controller):
    """The customer accepts or rejects a reached milestone from the portal."""

    def _get_milestone_to_answer(self, order_id, milestone_id, token):
        """The milestone whose pending request the visitor may answer, even if
        it was invoiced meanwhile; refused (404) when there is none."""
        # To find the order whatever the visitor's rights; who may answer is
        # decided right after, from the visitor and the token.
        order = request.env["sale.order"].sudo().browse(order_id).exists()
        if not order:
            raise request.not_found()
        requests = order._get_billing_acceptance_requests(request.env.user, token)
        milestone = requests.milestone_id.filtered(lambda m: m.id == milestone_id)
        if not milestone:
            raise request.not_found()
        return milestone

    def _prepare_answer_values(self):
        """Who answered, from where, as the request shows it."""
        user = request.env.user
        visitor = request.env["res.users"] if user._is_public() else user
        httprequest = request.httprequest
        return {
            "answered_user_id": visitor.id,
            "answered_partner_id": visitor.partner_id.id,
            "ip_address": httprequest.remote_addr,
            "user_agent": httprequest.user_agent.string,
        }

    def _get_invoiced_message(self):
        return request.env._(
            "This milestone has already been invoiced, so it can no longer be "
            "accepted or rejected here. Please contact us if you disagree."
        )

    @http.route(
        "/my/orders/<int:order_id>/billing_milestone/<int:milestone_id>/accept",
        type="json",
        auth="public",
        website=True,
    )
    def billing_milestone_accept(
        self, order_id, milestone_id, name=None, signature=None, token=None
    ):
        token = token or request.httprequest.args.get("milestone_token")
        milestone = self._get_milestone_to_answer(order_id, milestone_id, token)
        if milestone._filter_processed():
            return {"error": self._get_invoiced_message()}
        if not (name or "").strip() or not signature:
            return {"error": request.env._("Your name and signature are needed.")}
        milestone._accept_on_portal(
            name.strip(), signature, self._prepare_answer_values()
        )
        return {
            "force_refresh": True,
            "redirect_url": self._get_answered_url(milestone, "billing_accepted"),
        }

    @http.route(
        "/my/orders/<int:order_id>/billing_milestone/<int:milestone_id>/reject",
        type="http",
        methods=["POST"],
        auth="public",
        website=True,
    )
    def billing_milestone_reject(
        self, order_id, milestone_id, reason=None, milestone_token=None, **kwargs
    ):
        milestone = self._get_milestone_to_answer(
            order_id, milestone_id, milestone_token
        )
        if milestone._filter_processed():
            return request.redirect(
                self._get_answered_url(milestone, "billing_invoiced")
            )
        if not (reason or "").strip():
            raise request.not_found()
        milestone._reject_on_portal(reason.strip(), self._prepare_answer_values())
        return request.redirect(self._get_answered_url(milestone, "billing_rejected"))

    def _get_answered_url(self, milestone, message):
        """The order's page, saying what became of ``milestone``."""
        return milestone.order_id.get_portal_url(
            query_string=f"&message={message}&billing_milestone_id={milestone.id}",
            anchor="billing_schedule",
        )
