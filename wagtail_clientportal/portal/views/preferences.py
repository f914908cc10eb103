"""The person's choice of notification emails, on their account page.

Its own view and form (not part of ``account``): the account page only includes
the form (``clientportal_preferences`` template tag), and the change is a POST
from a verified session to ``services.preferences``, which writes and logs it.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...exceptions import ClientPortalValidationError
from ...models import PortalUser
from ...services import preferences
from ..access import VerifiedUserMixin


class NotificationPreferenceForm(forms.Form):
    notification_preference = forms.ChoiceField(
        label=gettext_lazy("How should we tell you about new items?"),
        widget=forms.RadioSelect,
        choices=PortalUser.NotificationPreference.choices,
        help_text=gettext_lazy(
            "Login codes and security messages are always sent at once, whatever you choose."
        ),
        error_messages={
            "required": gettext_lazy("Choose how to be told about new items."),
            "invalid_choice": gettext_lazy("Choose how to be told about new items."),
        },
    )


def form_for(user, data=None) -> NotificationPreferenceForm:
    initial = {"notification_preference": preferences.notification_preference_of(user)}
    return NotificationPreferenceForm(data, initial=initial)


class NotificationPreferenceView(VerifiedUserMixin):
    template_name = "wagtail_clientportal/portal/notification_preference.html"

    def get(self, request):
        return render(request, self.template_name, {"form": form_for(request.user)})

    def post(self, request):
        form = form_for(request.user, request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        try:
            preferences.set_notification_preference(
                request.user, form.cleaned_data["notification_preference"]
            )
        except ClientPortalValidationError as exc:
            form.add_error("notification_preference", exc.message)
            return render(request, self.template_name, {"form": form}, status=400)
        if form.cleaned_data["notification_preference"] == preferences.CHOICES.DAILY:
            messages.success(request, _("Saved. New items will be summarised in one email a day."))
        else:
            messages.success(request, _("Saved. An email will be sent after each sharing."))
        return redirect("wagtail_clientportal:account")
