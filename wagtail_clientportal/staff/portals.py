"""The "Panel klienta" tab: a client's portals; and one portal's shares."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import services
from ..exceptions import ClientPortalValidationError
from ..models import Portal, PortalUser, Share
from . import roles
from .base import ClientCardMixin, StaffView, add_service_error, revoke_selected
from .counts import count_of
from .forms import PortalForm
from .history import access_summary

SHARE_RELATED = ("document", "document_version", "invoice", "settlement__invoice", "shared_by")


class ClientPortalsView(ClientCardMixin, StaffView):
    """Lists the client's portals with a details box; POST adds one ("+" → Zapisz)."""

    template_name = "wagtail_clientportal/staff/client_portals.html"
    active_tab = "portals"
    header_icon = "folder-open-inverse"
    portals_per_page = 50

    def get_portals(self):
        return (
            Portal.objects.filter(client=self.get_client())
            .select_related("created_by")
            .annotate(
                user_count=count_of(PortalUser.objects.all(), "portals"),
                active_share_count=count_of(Share.objects.active(), "portal"),
            )
            .order_by("name", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", PortalForm())
        # A page of portals, not all of them: a client may have thousands, and each
        # box costs two counts and its buttons. Ordered by name (a stable order).
        page = Paginator(self.get_portals(), self.portals_per_page).get_page(
            self.request.GET.get("p")
        )
        context["portals"] = context["page_obj"] = page
        context["elided_page_range"] = page.paginator.get_elided_page_range(page.number)
        context["show_form"] = context["form"].is_bound or self.request.GET.get("add") == "1"
        return context

    def post(self, request, *args, **kwargs):
        roles.require_perm(request.user, roles.MANAGE_PORTALS)
        client = self.get_client()
        form = PortalForm(request.POST)
        if form.is_valid():
            try:
                portal = services.create_portal(
                    request.user,
                    client,
                    form.cleaned_data["name"],
                    form.cleaned_data["description"],
                )
            except ClientPortalValidationError as error:
                add_service_error(form, error, {"portal_name_taken": "name"})
            else:
                messages.success(request, _("Portal “%(name)s” created.") % {"name": portal.name})
                return redirect("clientportal_staff:client_portals", client.pk)
        return self.render_to_response(self.get_context_data(form=form), status=200)


class PortalMixin:
    def get_portal(self) -> Portal:
        if not hasattr(self, "portal"):
            self.portal = get_object_or_404(
                Portal.objects.select_related("client"), pk=self.kwargs["portal_pk"]
            )
            self.client = self.portal.client
        return self.portal

    def get_client(self):
        return self.get_portal().client


class PortalRenameView(PortalMixin, ClientCardMixin, StaffView):
    template_name = "wagtail_clientportal/staff/form.html"
    permission = roles.MANAGE_PORTALS
    active_tab = "portals"
    header_icon = "edit"

    def get_page_subtitle(self):
        return _("Rename portal “%(name)s”") % {"name": self.get_portal().name}

    def get_context_data(self, **kwargs):
        portal = self.get_portal()
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", PortalForm(initial={"name": portal.name, "description": portal.description})
        )
        context["cancel_url"] = reverse(
            "clientportal_staff:client_portals", args=[portal.client_id]
        )
        context["submit_label"] = _("Save")
        return context

    def post(self, request, *args, **kwargs):
        portal = self.get_portal()
        form = PortalForm(request.POST)
        if form.is_valid():
            try:
                services.rename_portal(
                    request.user,
                    portal,
                    form.cleaned_data["name"],
                    form.cleaned_data["description"],
                )
            except ClientPortalValidationError as error:
                add_service_error(form, error, {"portal_name_taken": "name"})
            else:
                messages.success(request, _("Portal “%(name)s” saved.") % {"name": portal.name})
                return redirect("clientportal_staff:client_portals", portal.client_id)
        return self.render_to_response(self.get_context_data(form=form))


class PortalDeleteView(PortalMixin, ClientCardMixin, StaffView):
    """Confirmation page with the consequences computed from the data (DESIGN rule 7)."""

    template_name = "wagtail_clientportal/staff/portal_delete.html"
    permission = roles.MANAGE_PORTALS
    active_tab = "portals"
    header_icon = "bin"

    def get_page_subtitle(self):
        return _("Delete portal “%(name)s”") % {"name": self.get_portal().name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plan"] = services.plan_portal_deletion(self.get_portal())
        context["cancel_url"] = reverse(
            "clientportal_staff:client_portals", args=[self.get_portal().client_id]
        )
        return context

    def post(self, request, *args, **kwargs):
        portal = self.get_portal()
        try:
            result = services.delete_portal(request.user, portal)
        except ClientPortalValidationError as exc:  # e.g. a colleague deleted it meanwhile
            messages.error(request, exc.message)
            return redirect("clientportal_staff:client_portals", portal.client_id)
        messages.success(
            request,
            ngettext(
                "Portal “%(name)s” deleted; %(count)d portal user deleted with it.",
                "Portal “%(name)s” deleted; %(count)d portal users deleted with it.",
                len(result.deleted),
            )
            % {"name": result.portal_name, "count": len(result.deleted)},
        )
        return redirect("clientportal_staff:client_portals", portal.client_id)


class PortalDetailView(PortalMixin, ClientCardMixin, StaffView):
    """One portal: its active shares (with who opened them) and the revoked history."""

    template_name = "wagtail_clientportal/staff/portal_detail.html"
    active_tab = "portals"
    header_icon = "folder-open-inverse"
    per_page = 50

    def get_page_subtitle(self):
        return self.get_portal().name

    def get_context_data(self, **kwargs):
        portal = self.get_portal()
        context = super().get_context_data(**kwargs)
        active = portal.shares.active().select_related(*SHARE_RELATED).order_by("-shared_at", "-pk")
        page = Paginator(active, self.per_page).get_page(self.request.GET.get("p"))
        events = access_summary(s.pk for s in page)
        for share in page:
            share.opened_by = events.get(share.pk, [])
        revoked = (
            portal.shares.revoked()
            .select_related(*SHARE_RELATED, "revoked_by")
            .order_by("-revoked_at")
        )
        revoked_page = Paginator(revoked, self.per_page).get_page(self.request.GET.get("rp"))
        context.update(
            portal=portal,
            page=page,
            revoked_page=revoked_page,
            users=PortalUser.objects.filter(portals=portal).select_related("user"),
        )
        return context

    def post(self, request, *args, **kwargs):
        """Revoke one or many of the portal's shares."""
        roles.require_perm(request.user, roles.SHARE_ITEMS)
        portal = self.get_portal()
        revoke_selected(
            request,
            Share.objects.filter(portal=portal),
            nothing_selected=_("Select at least one share that still exists."),
        )
        return redirect("clientportal_staff:portal_detail", portal.pk)
