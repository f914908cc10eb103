"""Forms of the staff side; they validate input, the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from ..models import Portal


class PortalForm(forms.ModelForm):
    """Name and description; the client and the uniqueness rule are the service's."""

    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    class Meta:
        model = Portal
        fields = ["name", "description", "uploads_enabled", "upload_instructions", "legal_hold"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .person_data import may_manage_personal_data

        # The legal hold is the data-protection officer's: others do not see the field.
        if not may_manage_personal_data(for_user):
            del self.fields["legal_hold"]

    def validate_unique(self):
        """The service checks the name case-insensitively, under a lock."""

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a name."))
        return name


class PortalChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


def group_by_client(field, portals) -> None:
    """Offer ``portals`` in the select box grouped by client: names repeat across clients."""
    field.queryset = portals
    groups: dict[str, list] = {}
    for portal in portals:
        groups.setdefault(portal.client.name, []).append((portal.pk, portal.name))
    field.choices = list(groups.items())


def all_portals():
    return Portal.objects.select_related("client").order_by("client__name", "name")


def _not_in_past(value):
    if value is not None and value < timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the past."))
    return value


class PortalUserForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email"), max_length=254)
    portals = PortalChoiceField(
        label=_("Client portals"),
        queryset=Portal.objects.none(),
        error_messages={
            "required": _("Choose at least one portal."),
            "invalid_choice": _("The portal belongs to another client."),
            "invalid_pk_value": _("The portal belongs to another client."),
        },
    )
    access_expires_on = forms.DateField(
        label=_("Access expires on"),
        required=False,
        widget=AdminDateInput,
        help_text=_("Access ends at the end of this day. Leave empty for no limit."),
    )

    def __init__(self, *args, client, with_email=True, **kwargs):
        super().__init__(*args, **kwargs)
        portals = Portal.objects.filter(client=client).order_by("name")
        self.fields["portals"].queryset = portals
        if not with_email:
            del self.fields["email"]
        if not self.is_bound and "portals" not in self.initial:
            only = list(portals[:2])
            if len(only) == 1:
                self.initial["portals"] = [only[0].pk]

    def clean_access_expires_on(self):
        value = self.cleaned_data.get("access_expires_on")
        if value != self.initial.get("access_expires_on"):
            _not_in_past(value)
        return value


class ShareForm(forms.Form):
    """Dodaj udostępnienie: which portals, live or pinned, until when, with what message."""

    LIVE = "live"
    PIN = "pin"

    portals = forms.ModelMultipleChoiceField(
        label=_("Client portals"),
        queryset=Portal.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 12}),
        error_messages={
            "required": _("Choose at least one portal."),
            "invalid_choice": _("The chosen portal no longer exists."),
            "invalid_pk_value": _("The chosen portal no longer exists."),
        },
    )
    mode = forms.ChoiceField(
        label=_("What to share"),
        choices=[
            (LIVE, _("The document as it is now and after later edits")),
            (PIN, _("The current version, pinned (later edits are not shown)")),
        ],
        initial=LIVE,
        widget=forms.RadioSelect,
    )
    expires_at = forms.DateTimeField(
        label=_("Share expires at"), required=False, widget=AdminDateTimeInput
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Optional. Shown in the email to every portal user who is notified, not in the portal."
        ),
    )
    require_receipt = forms.BooleanField(
        label=_("Ask for a confirmation of receipt"),
        required=False,
        help_text=_("Portal users see “I confirm receipt” on the item and confirm it there."),
    )
    confirm_by = forms.DateField(
        label=_("Confirm by"),
        required=False,
        widget=AdminDateInput,
        help_text=_("Optional. One reminder is emailed before this date; you are told after it."),
    )

    older_versions = forms.ChoiceField(
        label=_("Older versions on the portal"),
        choices=[
            ("keep", _("Keep them visible, marked as superseded, under the new version")),
            ("revoke", _("Revoke them")),
        ],
        initial="keep",
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Applies when a newer pinned version replaces one already shared."),
    )

    def __init__(self, *args, user=None, with_mode=True, **kwargs):
        super().__init__(*args, **kwargs)
        group_by_client(self.fields["portals"], all_portals())
        if not with_mode:
            del self.fields["mode"]
            del self.fields["older_versions"]  # invoices have no versions

    def clean_expires_at(self):
        value = self.cleaned_data.get("expires_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(_("The date cannot be in the past."))
        return value

    def clean_confirm_by(self):
        value = self.cleaned_data.get("confirm_by")
        if value is not None:
            _not_in_past(value)
        return value

    def clean(self):
        data = super().clean()
        if data.get("confirm_by") and not data.get("require_receipt"):
            self.add_error(
                "confirm_by", _("Tick “Ask for a confirmation of receipt” to set a date.")
            )
        return data

    def version_options(self) -> dict:
        """What happens to an older pinned version this share supersedes (issue 12)."""
        return {"older_versions": self.cleaned_data.get("older_versions") or "keep"}

    def receipt_options(self) -> dict:
        return {
            "require_receipt": bool(self.cleaned_data.get("require_receipt")),
            "confirm_by": self.cleaned_data.get("confirm_by"),
        }


class RevokeForm(forms.Form):
    """Cofnij udostępnienie: from the chosen portals, or from all."""

    portals = forms.ModelMultipleChoiceField(
        label=_("Client portals"),
        queryset=Portal.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Leave empty to revoke from every portal."),
        error_messages={
            "invalid_choice": _("The chosen portal no longer exists."),
            "invalid_pk_value": _("The chosen portal no longer exists."),
        },
    )

    def __init__(self, *args, user=None, portals=None, **kwargs):
        """``portals``: where the selected items are shared (all portals when None)."""
        super().__init__(*args, **kwargs)
        offered = all_portals() if portals is None else all_portals().filter(pk__in=portals)
        group_by_client(self.fields["portals"], offered)
