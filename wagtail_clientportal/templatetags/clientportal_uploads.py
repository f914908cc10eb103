"""The latest files a client sent, on the client card and a portal's staff page."""

from django import template

from ..staff.uploads import is_upload_staff, uploads_of

register = template.Library()
LATEST = 10


@register.inclusion_tag("wagtail_clientportal/staff/_uploads_panel.html", takes_context=True)
def latest_uploads(context, client=None, portal=None):
    request = context["request"]
    if not is_upload_staff(request.user):
        return {"shown": False}
    filters = {"portal": portal} if portal is not None else {"client": client}
    key = "portal" if portal is not None else "client"
    target = portal if portal is not None else client
    return {
        "shown": True,
        "uploads": list(uploads_of(**filters)[:LATEST]),
        "listing_query": f"{key}={target.pk}",
        "request": request,
    }
