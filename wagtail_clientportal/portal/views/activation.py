"""First step of activation: a valid link lets the person set a password."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views import View

from ... import services
from ..tokens import activation_token_generator


def _user_from(uidb64: str):
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return get_user_model()._default_manager.get(pk=pk)
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        return None


class ActivateView(View):
    template_name = "wagtail_clientportal/portal/activate.html"

    def dispatch(self, request, uidb64, token):
        self.user = _user_from(uidb64)
        self.reason = activation_token_generator.check_token_reason(self.user, token)
        if self.reason is None and not self.user.clientportal_memberships.exists():
            self.reason = "invalid"
        if self.reason:
            return render(request, self.template_name, {"reason": self.reason}, status=400)
        return super().dispatch(request, uidb64, token)

    def get(self, request, uidb64, token):
        return self._render(SetPasswordForm(self.user))

    def post(self, request, uidb64, token):
        form = SetPasswordForm(self.user, request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        services.activate_login(self.user, form.cleaned_data["new_password1"])
        return render(request, self.template_name, {"done": True})

    def _render(self, form, status=200):
        return render(
            request=self.request,
            template_name=self.template_name,
            context={"form": form},
            status=status,
        )
