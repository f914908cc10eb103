"""The outbox in the admin ("Powiadomienia"): read-only listing, and sending failed ones again.

Visible to staff who manage portal users or share items; the rows change only
through the notifications module and ``services.resend_notifications``.
"""

from __future__ import annotations

from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.views.snippets import IndexView, InspectView, SnippetViewSet

from .. import services
from ..models import Notification
from ..notifications.outbox import RESENDABLE_KINDS
from ..notifications.preview import preview
from ..services.notifications import may_see_outbox
from . import roles
from .base import Refuse403Mixin
from .bulk_base import ModelBulkMixin, ServiceErrorMixin, rows_or_404
from .paginator import CountingPaginator

RESEND_ACTION = "clientportal_resend_notifications"
# Statuses after which something went wrong: shown as a highlighted tag.
PROBLEMS = {Notification.Status.FAILED, *Notification.UNDELIVERABLE}


def can_resend(notification: Notification) -> bool:
    return notification.status == Notification.Status.FAILED and (
        notification.kind in RESENDABLE_KINDS
    )


def resend_url(notifications, next_url: str = "") -> str:
    query = [("id", n.pk) for n in notifications]
    if next_url:
        query.append(("next", next_url))
    return (
        reverse(
            "wagtail_bulk_action",
            args=[Notification._meta.app_label, Notification._meta.model_name, RESEND_ACTION],
        )
        + "?"
        + urlencode(query)
    )


class NotificationFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Notification.Status.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Notification.Kind.choices)
    created_at = django_filters.DateFromToRangeFilter(
        label=_("Created at"), widget=DateRangePickerWidget
    )
    problems = django_filters.BooleanFilter(
        label=_("Delivery problem"),
        method="filter_problems",
        widget=forms.NullBooleanSelect,
    )

    class Meta:
        model = Notification
        fields = []

    def filter_problems(self, queryset, name, value):
        if value is None:
            return queryset
        problems = queryset.filter(status__in=PROBLEMS)
        return problems if value else queryset.exclude(status__in=PROBLEMS)


class ErrorColumn(Column):
    """The last error, cut short to keep the rows readable."""

    def get_value(self, instance):
        return Truncator(instance.last_error).chars(120) if instance.last_error else "—"


class NextAttemptColumn(DateColumn):
    """When delivery is tried next: only for notifications still waiting."""

    def get_value(self, instance):
        if instance.status == Notification.Status.QUEUED:
            return instance.next_attempt_at
        return None


class OutboxAccessMixin(Refuse403Mixin):
    """The outbox: for staff who may see it, a real 403 for anyone else."""

    def check_access(self, request) -> None:
        if not may_see_outbox(request.user) or not request.user.has_perm(
            "wagtailadmin.access_admin"
        ):
            raise PermissionDenied


class NotificationIndexView(OutboxAccessMixin, IndexView):
    paginator_class = CountingPaginator

    any_permission_required = ["view"]

    @cached_property
    def listing_url(self) -> str:
        """Back to the full listing with its filters (never the results-only fragment)."""
        query = self.request.GET.urlencode()
        return reverse(self.index_url_name) + (f"?{query}" if query else "")

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if can_resend(instance):
            buttons.append(
                MenuItem(
                    _("Send again"),
                    url=resend_url([instance], self.listing_url),
                    icon_name="mail",
                    priority=10,
                )
            )
        return buttons


class NotificationInspectView(OutboxAccessMixin, InspectView):
    """A row's details and its message as the recipient reads it, minus codes and links.

    The stored context (a staff note, item titles) shows only through the rendered
    message; a link or a login code never does (``notifications.preview``).
    """

    any_permission_required = ["view"]
    template_name = "wagtail_clientportal/staff/notification_inspect.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "preview": preview(self.object)}


class NotificationViewSet(SnippetViewSet):
    model = Notification
    icon = "mail"
    menu_label = _("Notifications")
    menu_name = "clientportal_notifications"
    url_prefix = "clientportal/notifications"
    admin_url_namespace = "clientportal_notifications"
    add_to_admin_menu = False  # an entry of the "Panel klienta" group (staff/menu.py)
    index_view_class = NotificationIndexView
    filterset_class = NotificationFilterSet
    search_fields = ["recipient"]
    search_backend_name = None
    copy_view_enabled = False
    # The row opens a read-only preview; the raw context is never listed as a field.
    inspect_view_enabled = True
    inspect_view_class = NotificationInspectView
    inspect_view_fields = [
        "kind",
        "status",
        "recipient",
        "portal",
        "language",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "status_changed_at",
    ]
    list_per_page = 50
    list_display = [
        # A plain field name: the first column is the title column that carries the buttons.
        "recipient",
        Column("kind_label", accessor="get_kind_display", label=_("Kind")),
        StatusTagColumn(
            "status_label",
            accessor="get_status_display",
            label=_("Status"),
            primary=lambda n: n.status not in PROBLEMS,
        ),
        Column("attempts", label=_("Attempts")),
        NextAttemptColumn("next_attempt", label=_("Next attempt")),
        ErrorColumn("last_error", label=_("Last error")),
        Column("portal", label=_("Client portal")),
        DateColumn("created_at", label=_("Created at")),
    ]
    # The outbox changes only through delivery and the services: no forms.
    form_fields = []

    def get_permissions_to_register(self):
        return roles.package_permissions()  # none: rows change only through delivery

    def get_queryset(self, request):
        return Notification.objects.select_related("portal__client")


class ResendNotificationsBulkAction(
    OutboxAccessMixin, ModelBulkMixin, ServiceErrorMixin, SnippetBulkAction
):
    """ "Wyślij ponownie": failed notifications go back to the outbox and are delivered."""

    models = [Notification]
    display_name = _("Send again")
    action_type = RESEND_ACTION
    aria_label = _("Send the selected failed notifications again")
    template_name = "wagtail_clientportal/staff/bulk_resend.html"
    action_priority = 10
    form_class = forms.Form

    def check_perm(self, obj):
        return may_see_outbox(self.request.user) and can_resend(obj)

    @classmethod
    def get_queryset(cls, model, object_ids):
        return rows_or_404(Notification.objects.all(), object_ids)

    def get_execution_context(self):
        return {"actor": self.request.user}

    @classmethod
    def execute_action(cls, objects, actor=None, **kwargs):
        requeued = services.resend_notifications(actor, list(objects))
        return len(requeued), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d notification queued to be sent again.",
            "%(count)d notifications queued to be sent again.",
            num_parent_objects,
        ) % {"count": num_parent_objects}
