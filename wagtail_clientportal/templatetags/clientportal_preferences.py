"""``{% notification_preference_form %}``: the notification choice on the account page.

A tag, so that the account view need not know of it (its form posts to its own view).
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag(
    "wagtail_clientportal/portal/_notification_preference.html", takes_context=True
)
def notification_preference_form(context):
    from ..portal.views.preferences import form_for

    request = context["request"]
    return {"form": form_for(request.user), "csrf_token": context.get("csrf_token")}
