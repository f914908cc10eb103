"""Portals on Wagtail's rails: the "Panel klienta" tab, a portal's page, add/rename/delete.

Writes go through ``services.portals`` (``save_instance`` / ``delete_action``); the
listing, forms, confirmation and messages are Wagtail's generic views.
"""

from __future__ import annotations

from functools import partial

from django.core.paginator import Paginator
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import policy_registry

from .. import (
    converters,  # noqa: F401  (registers cp_id)
    services,
    share_kinds,
)
from ..models import Portal, PortalUser, Share
from . import audit_export, roles
from .base import Refuse403Mixin, StaffView
from .card import ClientCardMixin, PortalPageMixin
from .counts import count_of
from .delivery import DeliveryStatusMixin
from .filter_choosers import client_filter
from .forms import PortalForm
from .history import access_summary
from .paginator import CountingPaginator
from .row_actions import Action, allowed, menu_items
from .viewset_base import ClientFormMixin, ServiceDeleteMixin, ServiceFormMixin

SHARE_RELATED = (*share_kinds.RELATED, "shared_by")
# Revoking from a portal's page goes through the shares' bulk action: one confirmation.
REVOKE_SHARES_URL = partial(
    reverse,
    "wagtail_bulk_action",
    args=["wagtail_clientportal", "share", "clientportal_revoke_shares"],
)
PORTAL_ERRORS = {"portal_name_taken": "name", "portal_name_required": "name"}


def with_counts(queryset):
    return queryset.annotate(
        user_count=count_of(PortalUser.objects.all(), "portals"),
        active_share_count=count_of(Share.objects.active(), "portal"),
    )


def portal_actions(portal: Portal) -> list[Action]:
    """Its shares, its users, rename, delete (the card's box shows the last two)."""
    return [
        Action(
            "shares",
            _("Shares"),
            reverse("clientportal_portals:detail", args=[portal.pk]),
            "link",
            1,
        ),
        Action(
            "users",
            _("Portal users"),
            reverse("clientportal_portal_users:portal", args=[portal.pk]),
            "group",
            2,
        ),
        Action(
            "rename",
            _("Rename"),
            reverse("clientportal_portals:edit", args=[portal.pk]),
            "edit",
            10,
            "change",
            _("Rename portal %(name)s") % {"name": portal.name},
        ),
        Action(
            "delete",
            _("Delete"),
            reverse("clientportal_portals:delete", args=[portal.pk]),
            "bin",
            30,
            "delete",
            _("Delete portal %(name)s") % {"name": portal.name},
        ),
    ]


class PortalFilterSet(WagtailFilterSet):
    client = client_filter()

    class Meta:
        model = Portal
        fields = []


class PortalIndexView(Refuse403Mixin, generic.IndexView):
    """Every portal of every client; the name opens the portal's page."""

    any_permission_required = ["view", "add", "change", "delete"]
    paginator_class = CountingPaginator

    def get_base_queryset(self):
        return with_counts(super().get_base_queryset().select_related("client"))

    def get_edit_url(self, instance):
        return reverse("clientportal_portals:detail", args=[instance.pk])

    def get_add_url(self):
        return None  # a portal is added from its client's card

    def get_list_more_buttons(self, instance):
        return menu_items(allowed(portal_actions(instance), self.user_has_permission))


def _save_uploads_switch(actor, portal, data):
    from ..services import uploads

    return uploads.set_portal_uploads(
        actor, portal, data.get("uploads_enabled", False), data.get("upload_instructions", "")
    )


def _save_legal_hold(actor, portal, data):
    """Only when the form offered the field (``manage_personal_data``); logged on change."""
    from ..services import retention

    if "legal_hold" in data:
        portal = retention.set_legal_hold(actor, portal, data["legal_hold"])
    return portal


class PortalFormKwargsMixin:
    """The form hides the legal hold from staff who may not set it."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "for_user": self.request.user}


class PortalCreateView(
    ClientFormMixin, PortalFormKwargsMixin, ServiceFormMixin, generic.CreateView
):
    """ "+ Dodaj panel klienta" on the card: ``?client=<pk>`` says whose."""

    error_fields = PORTAL_ERRORS
    page_title = gettext_lazy("New client portal")
    card_tab = "clientportal_portals:client"

    def get_add_url(self):
        return f"{super().get_add_url()}?client={self.get_client().pk}"

    def get_page_subtitle(self):
        return str(self.get_client())

    def get_breadcrumb_label(self):
        return self.page_title

    def save_instance(self):
        data = self.form.cleaned_data
        portal = services.create_portal(
            self.request.user, self.get_client(), data["name"], data["description"]
        )
        portal = _save_uploads_switch(self.request.user, portal, data)
        return _save_legal_hold(self.request.user, portal, data)

    def get_success_url(self):
        return reverse("clientportal_portals:client", args=[self.get_client().pk])

    def get_success_message(self, instance):
        return _("Portal “%(name)s” created.") % {"name": instance.name}

    def get_success_buttons(self):
        return [
            messages.button(
                reverse("clientportal_portals:detail", args=[self.object.pk]), _("Open")
            )
        ]


class PortalEditView(PortalFormKwargsMixin, ServiceFormMixin, generic.EditView):
    """Rename a portal (and change its description) through ``services.rename_portal``."""

    error_fields = PORTAL_ERRORS

    def get_page_subtitle(self):
        return _("Rename portal “%(name)s”") % {"name": self.saved_name}

    def get_object(self, queryset=None):
        portal = super().get_object(queryset)
        self.saved_name = portal.name  # the form writes the typed name onto the instance
        return portal

    def save_instance(self):
        data = self.form.cleaned_data
        portal = Portal.objects.get(pk=self.object.pk)
        portal = services.rename_portal(
            self.request.user, portal, data["name"], data["description"]
        )
        portal = _save_uploads_switch(self.request.user, portal, data)
        return _save_legal_hold(self.request.user, portal, data)

    def get_success_url(self):
        return reverse("clientportal_portals:client", args=[self.object.client_id])

    def get_success_message(self):
        return _("Portal “%(name)s” saved.") % {"name": self.object.name}

    def get_success_buttons(self):
        return []

    @cached_property
    def header_more_buttons(self):
        return []


class PortalDeleteView(ServiceDeleteMixin, generic.DeleteView):
    """The confirmation states the consequences computed from the data (rule 7)."""

    template_name = "wagtail_clientportal/staff/portal_delete.html"

    def get_page_subtitle(self):
        return _("Delete portal “%(name)s”") % {"name": self.object.name}

    def get_usage_url(self):
        return None  # the plan below says more than the reference count

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plan"] = services.plan_portal_deletion(self.object)
        return context

    def delete_action(self):
        self.result = services.delete_portal(self.request.user, self.object)

    def get_success_url(self):
        return reverse("clientportal_portals:client", args=[self.object.client_id])

    def get_success_message(self):
        count = len(self.result.deleted)
        if not count:
            return _("Portal “%(name)s” deleted.") % {"name": self.result.portal_name}
        return ngettext(
            "Portal “%(name)s” deleted; %(count)d portal user deleted with it.",
            "Portal “%(name)s” deleted; %(count)d portal users deleted with it.",
            count,
        ) % {"name": self.result.portal_name, "count": count}


class ClientPortalsView(ClientCardMixin, StaffView):
    """The card's "Panel klienta" tab: a "Szczegóły" box per portal, "+" to add one."""

    template_name = "wagtail_clientportal/staff/client_portals.html"
    active_tab = "portals"
    portals_per_page = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        portals = with_counts(
            Portal.objects.filter(client=self.get_client()).select_related("created_by")
        ).order_by("name", "pk")
        # A page of portals, not all of them: a client may have thousands, and each
        # box costs two counts and its buttons. Ordered by name (a stable order).
        page = Paginator(portals, self.portals_per_page).get_page(self.request.GET.get("p"))
        policy = policy_registry.get_by_type(Portal)
        may = partial(policy.user_has_permission, self.request.user)
        for portal in page:
            portal.box_actions = allowed(portal_actions(portal), may, "rename", "delete")
        context["portals"] = context["page_obj"] = page
        context["elided_page_range"] = page.paginator.get_elided_page_range(page.number)
        context["add_url"] = f"{reverse('clientportal_portals:add')}?client={self.get_client().pk}"
        return context


class PortalDetailView(DeliveryStatusMixin, PortalPageMixin, StaffView):
    """One portal's "Udostępnienia" tab: active shares (who opened them) and the history."""

    template_name = "wagtail_clientportal/staff/portal_detail.html"
    active_tab = "shares"
    per_page = 50

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
        context.update(page=page, revoked_page=revoked_page, revoke_url=REVOKE_SHARES_URL())
        context.update(self.delivery_context(page.object_list))
        return context

    def delivery_shares(self):
        self.delivery_export_name = f"delivery-portal-{self.get_portal().pk}"
        return self.get_portal().shares.select_related(*SHARE_RELATED)


class PortalViewSet(ModelViewSet):
    model = Portal
    name = "clientportal_portals"
    url_prefix = "clientportal/portals"
    icon = "folder-open-inverse"
    menu_label = gettext_lazy("Client portals")
    add_to_admin_menu = False
    index_view_class = PortalIndexView
    add_view_class = PortalCreateView
    edit_view_class = PortalEditView
    delete_view_class = PortalDeleteView
    filterset_class = PortalFilterSet
    search_fields = ["name", "client__name"]
    search_backend_name = None
    ordering = ["client__name", "name"]
    list_per_page = 50
    list_display = [
        "name",
        Column("client", label=gettext_lazy("Client"), sort_key="client__name"),
        Column("user_count", label=gettext_lazy("Portal users"), sort_key="user_count"),
        Column(
            "active_share_count", label=gettext_lazy("Active shares"), sort_key="active_share_count"
        ),
        DateColumn("created_at", label=gettext_lazy("Created at")),
    ]
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return PortalForm

    def get_permissions_to_register(self):
        return roles.package_permissions("manage_portals")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("client/<cp_id:client_pk>/", ClientPortalsView.as_view(), name="client"),
            path("<cp_id:portal_pk>/", PortalDetailView.as_view(), name="detail"),
            path("<cp_id:portal_pk>/audit.zip", audit_export.portal_audit_zip, name="audit_zip"),
            path(
                "client/<cp_id:client_pk>/audit.zip",
                audit_export.client_audit_zip,
                name="client_audit_zip",
            ),
        ]


portal_viewset = PortalViewSet()
