"""The "Użytkownicy PK" tab: a client's portal users and the actions on them (rule 8)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import services
from ..exceptions import ClientPortalValidationError
from ..models import PortalUser
from ..notifications import last_bounced_user_ids
from ..permissions import is_staff_login
from ..services.notifications import may_see_outbox
from . import roles
from .base import ClientCardMixin, StaffView, add_service_error, refuse_with_403
from .forms import PortalUserForm

STATUS_LABELS = {
    "invited": gettext_lazy("Invited"),
    "active": gettext_lazy("Active"),
    "blocked": gettext_lazy("Blocked"),
    "expired": gettext_lazy("Expired"),
}


def status_of(portal_user: PortalUser, today=None) -> str:
    if portal_user.is_blocked:
        return "blocked"
    if portal_user.is_expired(today):
        return "expired"
    if portal_user.activated_at is None:
        return "invited"
    return "active"


class ClientUsersView(ClientCardMixin, StaffView):
    template_name = "wagtail_clientportal/staff/client_users.html"
    active_tab = "users"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        users = list(
            PortalUser.objects.filter(client=self.get_client())
            .select_related("user")
            .prefetch_related("portals")
            .order_by("last_name", "first_name")
        )
        # One query for the page: whose most recent email bounced, was rejected or complained of.
        bounced = last_bounced_user_ids([pu.user_id for pu in users]) if users else set()
        for pu in users:
            pu.status = status_of(pu, today)
            pu.status_label = STATUS_LABELS[pu.status]
            pu.last_email_bounced = pu.user_id in bounced
        context["portal_users"] = users
        context["outbox_url"] = (
            reverse("clientportal_notifications:list") if may_see_outbox(self.request.user) else ""
        )
        return context


class PortalUserFormPage(ClientCardMixin, StaffView):
    """The add and edit pages: one form page, Cancel back to the client's portal users."""

    template_name = "wagtail_clientportal/staff/form.html"
    permission = roles.MANAGE_PORTAL_USERS
    active_tab = "users"
    header_icon = "user"
    submit_label = gettext_lazy("Save")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        context["cancel_url"] = reverse("clientportal_staff:client_users", args=[self.client.pk])
        context["submit_label"] = str(self.submit_label)
        return context


class PortalUserCreateView(PortalUserFormPage):
    submit_label = gettext_lazy("Save and send the activation email")

    def get_page_subtitle(self):
        return _("Add portal user")

    def get_form(self):
        data = self.request.POST if self.request.method == "POST" else None
        return PortalUserForm(data, client=self.get_client())

    def post(self, request, *args, **kwargs):
        client = self.get_client()
        form = self.get_form()
        if form.is_valid():
            data = form.cleaned_data
            try:
                portal_user = services.create_portal_user(
                    request.user,
                    client,
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    portals=list(data["portals"]),
                    access_expires_on=data["access_expires_on"],
                )
            except ClientPortalValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("Portal user %(name)s added; the activation email was sent to %(email)s.")
                    % {"name": portal_user.full_name, "email": portal_user.email},
                )
                return redirect("clientportal_staff:client_users", client.pk)
        return self.render_to_response(self.get_context_data(form=form))


class PortalUserMixin:
    def get_portal_user(self) -> PortalUser:
        if not hasattr(self, "portal_user"):
            self.portal_user = get_object_or_404(
                PortalUser.objects.select_related("client", "user"), pk=self.kwargs["pk"]
            )
            self.client = self.portal_user.client
        return self.portal_user

    def get_client(self):
        return self.get_portal_user().client


class PortalUserEditView(PortalUserMixin, PortalUserFormPage):
    """Change first and last name, access expiry and portals; each through its service."""

    def get_page_subtitle(self):
        return _("Edit portal user %(name)s") % {"name": self.get_portal_user().full_name}

    def get_form(self):
        pu = self.get_portal_user()
        initial = {
            "first_name": pu.first_name,
            "last_name": pu.last_name,
            "access_expires_on": pu.access_expires_on,
            "portals": [p.pk for p in pu.portals.all()],
        }
        data = self.request.POST if self.request.method == "POST" else None
        return PortalUserForm(data, client=pu.client, initial=initial, with_email=False)

    def post(self, request, *args, **kwargs):
        pu = self.get_portal_user()
        form = self.get_form()
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_portal_user(
                    request.user,
                    pu,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    access_expires_on=data["access_expires_on"],
                    portals=list(data["portals"]),
                )
            except ClientPortalValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Portal user %(name)s saved.") % {"name": pu.full_name})
                return redirect("clientportal_staff:client_users", pu.client_id)
        return self.render_to_response(self.get_context_data(form=form))


class PortalUserDeleteView(PortalUserMixin, ClientCardMixin, StaffView):
    template_name = "wagtail_clientportal/staff/portal_user_delete.html"
    permission = roles.MANAGE_PORTAL_USERS
    active_tab = "users"
    header_icon = "bin"

    def get_page_subtitle(self):
        return _("Delete portal user %(name)s") % {"name": self.get_portal_user().full_name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pu = self.get_portal_user()
        context["portal_user"] = pu
        # The login stays when the person is staff or a portal user of another client.
        context["login_kept"] = (
            is_staff_login(pu.user)
            or PortalUser.objects.filter(user_id=pu.user_id).exclude(pk=pu.pk).exists()
        )
        context["cancel_url"] = reverse("clientportal_staff:client_users", args=[self.client.pk])
        return context

    def post(self, request, *args, **kwargs):
        pu = self.get_portal_user()
        name, client_id = pu.full_name, pu.client_id
        try:
            services.delete_portal_user(request.user, pu)
        except ClientPortalValidationError as error:  # deleted meanwhile, e.g. in another tab
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Portal user %(name)s deleted.") % {"name": name})
        return redirect("clientportal_staff:client_users", client_id)


ACTIONS = {
    "resend": (
        services.send_activation,
        gettext_lazy("The activation email was sent again to %(email)s."),
    ),
    "block": (services.block_portal_user, gettext_lazy("Portal user %(name)s blocked.")),
    "unblock": (services.unblock_portal_user, gettext_lazy("Portal user %(name)s unblocked.")),
}


@refuse_with_403
@require_POST
def portal_user_action(request, pk, action):
    """Resend activation, block, unblock: one POST button each."""
    roles.require_perm(request.user, roles.MANAGE_PORTAL_USERS)
    pu = get_object_or_404(PortalUser.objects.select_related("user", "client"), pk=pk)
    if action not in ACTIONS:
        raise Http404
    service, message = ACTIONS[action]
    try:
        service(request.user, pu)
    except ClientPortalValidationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, str(message) % {"name": pu.full_name, "email": pu.email})
    return redirect("clientportal_staff:client_users", pu.client_id)
