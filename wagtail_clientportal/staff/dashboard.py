"""The "Panel klienta" panel on Wagtail's dashboard (``construct_homepage_panels``)."""

from __future__ import annotations

from django.urls import reverse
from wagtail.admin.ui.components import Component

from ..services import dashboard


class ClientPortalPanel(Component):
    name = "clientportal"
    order = 150
    template_name = "wagtail_clientportal/staff/dashboard_panel.html"

    def __init__(self, summary: dashboard.Dashboard):
        self.summary = summary

    def get_context_data(self, parent_context=None):
        return {
            "summary": self.summary,
            "failed_url": reverse("clientportal_notifications:list") + "?status=failed",
            "shares_url": reverse("clientportal_shares:list"),
        }


def add_panel(request, panels) -> None:
    summary = dashboard.for_staff(request.user)
    if summary:  # nothing for staff without the package's permissions
        panels.append(ClientPortalPanel(summary))
