"""Password reset by email: the same answer and the same work for known and unknown addresses."""

from __future__ import annotations

import logging
from functools import partial

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from ...services import accounts
from ...services.access import client_ip
from .. import throttle
from .activation import _user_from

logger = logging.getLogger(__name__)


def _ask_worker(email: str, known_address: bool) -> None:
    # HttpResponse.close() swallows a closer's exceptions: log them here instead.
    try:
        accounts.request_password_reset(email, known_address)
    except Exception:
        logger.exception("Could not ask for a password reset")


class ResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PasswordResetView(View):
    template_name = "wagtail_clientportal/portal/password_reset.html"

    def get(self, request):
        return render(request, self.template_name, {"form": ResetRequestForm()})

    def post(self, request):
        form = ResetRequestForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        email = form.cleaned_data["email"]
        ip = client_ip(request)
        # The same work for every address: the throttle counts what was typed, and the
        # worker (not this request) finds out whether it belongs to anyone.
        response = render(request, self.template_name, {"sent": True})
        if not throttle.is_locked(email, ip, scope="reset"):
            throttle.record_failure(email, ip, scope="reset")  # one address, many requests
            # Asked only once the answer has gone out: HttpResponse.close() runs its
            # closers after the server has sent the body. Even with an immediate task
            # backend (the lookup and the email then run in this process) the client
            # times the same work for every address.
            known = throttle.is_known_address(email, ip)  # a cache read for every address
            response._resource_closers.append(partial(_ask_worker, email, known))
        return response


class PasswordResetConfirmView(View):
    template_name = "wagtail_clientportal/portal/password_reset_confirm.html"

    def dispatch(self, request, uidb64, token):
        self.user = _user_from(uidb64)
        valid = (
            self.user is not None
            and default_token_generator.check_token(self.user, token)
            and accounts.is_portal_login(self.user)
        )
        if not valid:
            return render(request, self.template_name, {"invalid": True}, status=400)
        return super().dispatch(request, uidb64, token)

    def get(self, request, uidb64, token):
        return render(request, self.template_name, {"form": SetPasswordForm(self.user)})

    def post(self, request, uidb64, token):
        form = SetPasswordForm(self.user, request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        accounts.change_password(self.user, form.cleaned_data["new_password1"])
        # A locked-out person may log in with the new password at once.
        throttle.reset_account(
            getattr(self.user, self.user.get_email_field_name(), ""), client_ip(request)
        )
        return render(request, self.template_name, {"done": True})
