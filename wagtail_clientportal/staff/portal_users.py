"""Portal users on Wagtail's rails (rule 8): one listing, scoped to a client or a portal.

The client card's "Użytkownicy PK" tab and each portal's own users tab are the same
Wagtail listing with a scope; row actions sit in the "⋯" menu and the bulk-action
footer (``portal_user_actions``); writes go through ``services.users``.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from .. import (
    converters,  # noqa: F401  (registers cp_id)
    services,
)
from ..models import PortalUser
from ..notifications import last_bounced_user_ids
from ..permissions import is_staff_login
from ..services.notifications import may_see_outbox
from . import roles
from .base import Refuse403Mixin
from .card import ClientCardMixin, PortalPageMixin
from .filter_choosers import client_filter, portal_filter
from .forms import PortalUserForm
from .ids import clean_ids
from .paginator import CountingPaginator
from .person_data import PersonEraseView, may_manage_personal_data, person_export_zip
from .row_actions import Action, allowed, header_buttons, menu_items
from .viewset_base import ClientFormMixin, ServiceDeleteMixin, ServiceFormMixin

STATUS_LABELS = {
    "invited": gettext_lazy("Invited"),
    "active": gettext_lazy("Active"),
    "blocked": gettext_lazy("Blocked"),
    "expired": gettext_lazy("Expired"),
}
EMAIL = f"user__{get_user_model().get_email_field_name()}"


def status_of(portal_user: PortalUser, today=None) -> str:
    if portal_user.is_blocked:
        return "blocked"
    if portal_user.is_expired(today):
        return "expired"
    if portal_user.activated_at is None:
        return "invited"
    return "active"


def status_q(status: str, today) -> Q:
    """The same rule as ``status_of``, as a filter."""
    open_ = Q(is_blocked=False) & (
        Q(access_expires_on__isnull=True) | Q(access_expires_on__gte=today)
    )
    return {
        "blocked": Q(is_blocked=True),
        "expired": Q(is_blocked=False, access_expires_on__lt=today),
        "invited": open_ & Q(activated_at__isnull=True),
        "active": open_ & Q(activated_at__isnull=False),
    }[status]


class PortalUserFilterSet(WagtailFilterSet):
    client = client_filter()
    portals = portal_filter("portals")
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=list(STATUS_LABELS.items()), method="filter_status"
    )

    class Meta:
        model = PortalUser
        fields = []

    def filter_status(self, queryset, name, value):
        return queryset.filter(status_q(value, timezone.localdate())) if value else queryset


class StatusColumn(Column):
    cell_template_name = "wagtailadmin/tables/status_tag_cell.html"

    def get_value(self, instance):
        return STATUS_LABELS[instance.status]

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["primary"] = instance.status == "active"
        return context


class EmailColumn(Column):
    """The address, with a warning when the last email to it did not arrive."""

    cell_template_name = "wagtail_clientportal/staff/_email_cell.html"

    def get_value(self, instance):
        return instance.email


class PortalsColumn(Column):
    def get_value(self, instance):
        return ", ".join(p.name for p in instance.portals.all()) or "—"


def person_data_buttons(user, portal_user, button_class) -> list:
    """The RODO export and erasure, for the data-protection officer only."""
    if not may_manage_personal_data(user):
        return []
    return [
        button_class(
            _("Export personal data (RODO)"),
            url=reverse("clientportal_portal_users:rodo_export", args=[portal_user.pk]),
            icon_name="download",
            priority=40,
        ),
        button_class(
            _("Erase personal data (RODO)"),
            url=reverse("clientportal_portal_users:erase", args=[portal_user.pk]),
            icon_name="bin",
            priority=41,
        ),
    ]


def action_url(action: str, *portal_users, next_url: str = "") -> str:
    """The bulk-action confirmation page for ``portal_users`` (also a row's "⋯" entry)."""
    url = reverse("wagtail_bulk_action", args=("wagtail_clientportal", "portaluser", action))
    query = [("id", pu.pk) for pu in portal_users]
    if next_url:
        query.append(("next", next_url))
    return f"{url}?{urlencode(query)}"


def user_actions(pu: PortalUser, next_url: str) -> list[Action]:
    """Edit, resend the activation (invited only), block or unblock, delete."""
    actions = [
        Action(
            "edit",
            _("Edit"),
            reverse("clientportal_portal_users:edit", args=[pu.pk]),
            "edit",
            10,
            "change",
        )
    ]
    if pu.activated_at is None:
        actions.append(
            Action(
                "resend",
                _("Resend activation email"),
                action_url("resend", pu, next_url=next_url),
                "mail",
                20,
                "change",
            )
        )
    block = "unblock" if pu.is_blocked else "block"
    actions.append(
        Action(
            block,
            _("Unblock") if pu.is_blocked else _("Block"),
            action_url(block, pu, next_url=next_url),
            "lock-open" if pu.is_blocked else "lock",
            21,
            "change",
        )
    )
    actions.append(
        Action(
            "delete",
            _("Delete"),
            reverse("clientportal_portal_users:delete", args=[pu.pk]),
            "bin",
            30,
            "delete",
        )
    )
    return actions


class PortalUserIndexView(Refuse403Mixin, generic.IndexView):
    """All portal users, or one client's (the card's tab), or one portal's (its tab)."""

    any_permission_required = ["view", "add", "change", "delete"]
    template_name = "wagtail_clientportal/staff/portal_users_index.html"
    scope = ""  # "", "client" or "portal"
    paginator_class = CountingPaginator

    @cached_property
    def columns(self):
        title = self._get_title_column_class(TitleColumn)(
            "full_name",
            label=_("Name"),
            sort_key="last_name",
            get_url=self.get_edit_url,
            get_title_id=lambda instance: f"portaluser_{instance.pk}_title",
        )
        columns = [title, *super().columns]
        if self.user_has_permission("change"):
            columns.insert(0, BulkActionsCheckboxColumn("bulk_actions", obj_type="portaluser"))
        if self.scope:
            columns = [c for c in columns if c.name != "client"]
        return columns

    def get_base_queryset(self):
        queryset = (
            super().get_base_queryset().select_related("user", "client").prefetch_related("portals")
        )
        if self.scope == "client":
            queryset = queryset.filter(client=self.get_client())
        elif self.scope == "portal":
            queryset = queryset.filter(portals=self.get_portal())
        return queryset

    def paginate_queryset(self, queryset, page_size):
        paginator, page, rows, is_paginated = super().paginate_queryset(queryset, page_size)
        rows = list(rows)
        today = timezone.localdate()
        # One query for the page: whose most recent email bounced, was rejected or complained of.
        bounced = last_bounced_user_ids([pu.user_id for pu in rows]) if rows else set()
        outbox = (
            reverse("clientportal_notifications:list") if may_see_outbox(self.request.user) else ""
        )
        for pu in rows:
            pu.status = status_of(pu, today)
            pu.last_email_bounced = pu.user_id in bounced
            # The outbox filtered to the person's emails, for staff who may see it.
            pu.outbox_url = f"{outbox}?{urlencode({'q': pu.email})}" if outbox else ""
        page.object_list = rows
        return paginator, page, rows, is_paginated

    def _scoped(self, name):
        if self.scope == "client":
            return reverse(f"clientportal_portal_users:client{name}", args=[self.get_client().pk])
        if self.scope == "portal":
            return reverse(f"clientportal_portal_users:portal{name}", args=[self.get_portal().pk])
        return None

    def get_index_url(self):
        return self._scoped("") or super().get_index_url()

    def get_index_results_url(self):
        return self._scoped("_results") or super().get_index_results_url()

    def get_add_url(self):
        url = super().get_add_url()
        if not url or not self.scope:
            return None  # added from a client: its card or one of its portals
        query = {"client": self.get_client().pk}
        if self.scope == "portal":
            query["portal"] = self.get_portal().pk
        return f"{url}?{urlencode(query)}"

    def get_list_more_buttons(self, instance):
        rows = allowed(user_actions(instance, self.index_url), self.user_has_permission)
        return menu_items(rows) + person_data_buttons(self.request.user, instance, MenuItem)

    @cached_property
    def add_item_label(self):
        return _("Add portal user")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.scope:
            scope_object = self.get_client() if self.scope == "client" else self.get_portal()
            context["bulk_parent"] = f"{self.scope}-{scope_object.pk}"
        return context


class ClientUsersView(ClientCardMixin, PortalUserIndexView):
    """The client card's "Użytkownicy PK" tab."""

    scope = "client"
    active_tab = "users"


class PortalUsersView(PortalPageMixin, PortalUserIndexView):
    """A portal's own "Użytkownicy PK" tab: the users assigned to it."""

    scope = "portal"
    active_tab = "users"


class PortalUserFormMixin(ClientFormMixin, ServiceFormMixin):
    """The add and edit pages: the package's form (the email lives on the login)."""

    card_tab = "clientportal_portal_users:client"

    def get_form_class(self):
        return PortalUserForm

    def get_success_url(self):
        return reverse("clientportal_portal_users:client", args=[self.get_client().pk])

    def get_success_buttons(self):
        return []


class PortalUserCreateView(PortalUserFormMixin, generic.CreateView):
    """``?client=<pk>`` (and ``&portal=<pk>`` from a portal's tab, preselected)."""

    submit_button_label = gettext_lazy("Save and send the activation email")

    def get_page_subtitle(self):
        return _("Add portal user")

    def get_add_url(self):
        return f"{super().get_add_url()}?{self.request.GET.urlencode()}"

    def get_form_kwargs(self):
        kwargs = {"client": self.get_client(), "initial": {}}
        portal = clean_ids([self.request.GET.get("portal", "")])
        if portal:
            kwargs["initial"]["portals"] = portal
        if self.request.method == "POST":
            kwargs["data"] = self.request.POST
        return kwargs

    def save_instance(self):
        data = self.form.cleaned_data
        return services.create_portal_user(
            self.request.user,
            self.get_client(),
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            portals=list(data["portals"]),
            access_expires_on=data["access_expires_on"],
        )

    def get_success_message(self, instance):
        return _("Portal user %(name)s added; the activation email was sent to %(email)s.") % {
            "name": instance.full_name,
            "email": instance.email,
        }


class PortalUserEditView(PortalUserFormMixin, generic.EditView):
    """First and last name, access expiry and portals, saved in one service call."""

    def get_client(self):
        return self.object.client

    def get_queryset(self):
        return PortalUser.objects.select_related("client", "user")

    def get_page_subtitle(self):
        return _("Edit portal user %(name)s") % {"name": self.object.full_name}

    def get_form_kwargs(self):
        pu = self.object
        kwargs = {
            "client": pu.client,
            "with_email": False,
            "initial": {
                "first_name": pu.first_name,
                "last_name": pu.last_name,
                "access_expires_on": pu.access_expires_on,
                "portals": [p.pk for p in pu.portals.all()],
            },
        }
        if self.request.method == "POST":
            kwargs["data"] = self.request.POST
        return kwargs

    def save_instance(self):
        data = self.form.cleaned_data
        return services.update_portal_user(
            self.request.user,
            self.object,
            first_name=data["first_name"],
            last_name=data["last_name"],
            access_expires_on=data["access_expires_on"],
            portals=list(data["portals"]),
        )

    def get_success_message(self):
        return _("Portal user %(name)s saved.") % {"name": self.object.full_name}

    @cached_property
    def header_more_buttons(self):
        pu = self.object
        next_url = reverse("clientportal_portal_users:client", args=[pu.client_id])
        actions = allowed(user_actions(pu, next_url), self.user_has_permission)
        buttons = header_buttons(a for a in actions if a.name != "edit")
        return buttons + person_data_buttons(self.request.user, pu, Button)


class PortalUserDeleteView(ServiceDeleteMixin, generic.DeleteView):
    template_name = "wagtail_clientportal/staff/portal_user_delete.html"

    def get_page_subtitle(self):
        return _("Delete portal user %(name)s") % {"name": self.object.full_name}

    def get_usage_url(self):
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pu = self.object
        # The login stays when the person is staff or a portal user of another client.
        context["login_kept"] = (
            is_staff_login(pu.user)
            or PortalUser.objects.filter(user_id=pu.user_id).exclude(pk=pu.pk).exists()
        )
        return context

    def delete_action(self):
        self.deleted_name = self.object.full_name
        services.delete_portal_user(self.request.user, self.object)

    def get_success_url(self):
        return reverse("clientportal_portal_users:client", args=[self.object.client_id])

    def get_success_message(self):
        return _("Portal user %(name)s deleted.") % {"name": self.deleted_name}


class PortalUserViewSet(ModelViewSet):
    model = PortalUser
    name = "clientportal_portal_users"
    url_prefix = "clientportal/portal-users"
    icon = "user"
    menu_label = gettext_lazy("Portal users")
    add_to_admin_menu = False
    index_view_class = PortalUserIndexView
    add_view_class = PortalUserCreateView
    edit_view_class = PortalUserEditView
    delete_view_class = PortalUserDeleteView
    filterset_class = PortalUserFilterSet
    search_fields = ["first_name", "last_name", EMAIL]
    search_backend_name = None
    ordering = ["last_name", "first_name"]
    list_per_page = 50
    # The name (a title column linking to the edit page) is added by the index view.
    list_display = [
        EmailColumn("email", label=gettext_lazy("Email"), sort_key=EMAIL),
        Column("client", label=gettext_lazy("Client"), sort_key="client__name"),
        StatusColumn("status", label=gettext_lazy("Status")),
        DateColumn(
            "user.last_login", label=gettext_lazy("Last login"), sort_key="user__last_login"
        ),
        DateColumn(
            "access_expires_on",
            label=gettext_lazy("Access expires on"),
            sort_key="access_expires_on",
        ),
        PortalsColumn("portals", label=gettext_lazy("Client portals")),
    ]
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return PortalUserForm

    def get_permissions_to_register(self):
        return roles.package_permissions("manage_portal_users", "manage_personal_data")

    def scoped_index(self, scope, **kwargs):
        view_class = {"client": ClientUsersView, "portal": PortalUsersView}[scope]
        return self.construct_view(view_class, **self.get_index_view_kwargs(), **kwargs)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("client/<cp_id:client_pk>/", self.scoped_index("client"), name="client"),
            path(
                "client/<cp_id:client_pk>/results/",
                self.scoped_index("client", results_only=True),
                name="client_results",
            ),
            path("portal/<cp_id:portal_pk>/", self.scoped_index("portal"), name="portal"),
            path(
                "portal/<cp_id:portal_pk>/results/",
                self.scoped_index("portal", results_only=True),
                name="portal_results",
            ),
            path("<cp_id:pk>/rodo.zip", person_export_zip, name="rodo_export"),
            path(
                "<cp_id:pk>/erase/",
                self.construct_view(PersonEraseView, **self.get_delete_view_kwargs()),
                name="erase",
            ),
        ]


portal_user_viewset = PortalUserViewSet()
