"""Block, unblock, resend activation, delete: Wagtail bulk actions on portal users.

A row's "⋯" entry opens the same confirmation page with that one user; every write is
the service's (rule 8), for each selected user in the bulk action's one transaction.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.views.bulk_action import BulkAction

from .. import services
from ..models import PortalUser
from ..permissions import MANAGE_PORTAL_USERS
from .base import Refuse403Mixin
from .bulk_base import ServiceErrorMixin, rows_or_404
from .ids import clean_ids


class PortalUserBulkAction(Refuse403Mixin, ServiceErrorMixin, BulkAction):
    """One service call per selected user; the confirmation lists whom it concerns."""

    models = [PortalUser]
    template_name = "wagtail_clientportal/staff/bulk_portal_users.html"
    service = None
    #: The sentence above the list of users on the confirmation page.
    confirm_text = ""
    #: Which selected users the action concerns (the others are listed as left alone).
    applies_to = staticmethod(lambda portal_user: True)
    #: The success message for ``n`` users (an ``ngettext`` call, so each is extracted).
    done = staticmethod(lambda n: "")

    def check_access(self, request) -> None:
        from django.core.exceptions import PermissionDenied

        if not request.user.has_perm(MANAGE_PORTAL_USERS):
            raise PermissionDenied

    def check_perm(self, obj):
        return self.applies_to(obj)

    @classmethod
    def get_queryset(cls, model, object_ids):
        return rows_or_404(PortalUser.objects.select_related("user", "client"), object_ids)

    def get_all_objects_in_listing_query(self, parent_id):
        """ "Select all" on a client's or a portal's tab means that tab's users only."""
        users = PortalUser.objects.all()
        parent_id = parent_id or ""
        kind, _, raw = parent_id.partition("-")
        ids = clean_ids([raw])
        if kind == "client" and ids:
            users = users.filter(client_id=ids[0])
        elif kind == "portal" and ids:
            users = users.filter(portals=ids[0])
        return users.values_list("pk", flat=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.display_name, confirm_text=self.confirm_text, icon=self.icon)
        return context

    def prepare_action(self, objects, objects_without_access):
        if not objects:  # nothing the action applies to: say so rather than "0 done"
            from django.shortcuts import redirect
            from wagtail.admin import messages

            messages.error(
                self.request, _("The action does not apply to any of the selected portal users.")
            )
            return redirect(self.next_url)
        return None

    def get_execution_context(self):
        return {"actor": self.request.user, "service": type(self).service}

    @classmethod
    def execute_action(cls, objects, actor=None, service=None, **kwargs):
        for portal_user in objects:
            service(actor, portal_user)
        return len(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return self.done(num_parent_objects) % {"count": num_parent_objects}


class BlockPortalUsers(PortalUserBulkAction):
    display_name = _("Block")
    action_type = "block"
    aria_label = _("Block the selected portal users")
    icon = "lock"
    service = staticmethod(services.block_portal_user)
    confirm_text = _("To be blocked (access ends at their next request):")
    action_priority = 10
    applies_to = staticmethod(lambda pu: not pu.is_blocked)
    done = staticmethod(
        lambda n: ngettext("%(count)d portal user blocked.", "%(count)d portal users blocked.", n)
    )


class UnblockPortalUsers(PortalUserBulkAction):
    display_name = _("Unblock")
    action_type = "unblock"
    aria_label = _("Unblock the selected portal users")
    icon = "lock-open"
    service = staticmethod(services.unblock_portal_user)
    confirm_text = _("To be unblocked (access comes back at once):")
    action_priority = 20
    applies_to = staticmethod(lambda pu: pu.is_blocked)
    done = staticmethod(
        lambda n: ngettext(
            "%(count)d portal user unblocked.", "%(count)d portal users unblocked.", n
        )
    )


class ResendActivation(PortalUserBulkAction):
    display_name = _("Resend activation email")
    action_type = "resend"
    aria_label = _("Send the activation email again to the selected portal users")
    icon = "mail"
    service = staticmethod(services.send_activation)
    confirm_text = _("The activation email is sent again to:")
    action_priority = 30
    applies_to = staticmethod(lambda pu: pu.activated_at is None)
    done = staticmethod(
        lambda n: ngettext(
            "The activation email was sent again to %(count)d portal user.",
            "The activation email was sent again to %(count)d portal users.",
            n,
        )
    )


class DeletePortalUsers(PortalUserBulkAction):
    display_name = _("Delete")
    action_type = "delete"
    aria_label = _("Delete the selected portal users")
    icon = "bin"
    service = staticmethod(services.delete_portal_user)
    confirm_text = _(
        "To be deleted: access to every portal of their client ends at once. Shared items "
        "are not deleted; a login no other client or the firm uses is deleted too:"
    )
    action_priority = 100
    classes = {"serious"}
    done = staticmethod(
        lambda n: ngettext("%(count)d portal user deleted.", "%(count)d portal users deleted.", n)
    )


PORTAL_USER_BULK_ACTIONS = (
    BlockPortalUsers,
    UnblockPortalUsers,
    ResendActivation,
    DeletePortalUsers,
)
