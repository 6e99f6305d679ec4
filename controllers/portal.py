from odoo import http
from odoo.http import request


class BillingAcceptancePortal(http.Controller):
    """The customer accepts or rejects a reached milestone from the portal."""

    def _get_milestone_to_accept(self, order_id, milestone_id, token):
        """The milestone, if the visitor may accept it; else nothing."""
        # To find the order whatever the visitor's rights; who may accept is
        # decided right after, from the visitor and the token.
        order = request.env["sale.order"].sudo().browse(order_id).exists()
        if not order:
            return order.billing_milestone_ids
        milestones = order._get_billing_milestones_to_accept(request.env.user, token)
        return milestones.filtered(lambda m: m.id == milestone_id)

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
        milestone = self._get_milestone_to_accept(order_id, milestone_id, token)
        if not milestone:
            return {"error": request.env._("This milestone cannot be accepted here.")}
        if not (name or "").strip() or not signature:
            return {"error": request.env._("Your name and signature are needed.")}
        milestone._accept(name.strip(), signature)
        return {
            "force_refresh": True,
            "redirect_url": milestone.order_id.get_portal_url(
                query_string="&message=billing_accepted", anchor="billing_schedule"
            ),
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
        milestone = self._get_milestone_to_accept(
            order_id, milestone_id, milestone_token
        )
        if not milestone or not (reason or "").strip():
            return request.not_found()
        milestone._reject(reason.strip())
        return request.redirect(
            milestone.order_id.get_portal_url(
                query_string="&message=billing_rejected", anchor="billing_schedule"
            )
        )
