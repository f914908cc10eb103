"""Template tags of the client portal: ``{% load clientportal %}``."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from .. import typography

register = template.Library()


@register.filter
def nbsp(value):
    """``{{ name|nbsp }}``: no-break spaces in one value (escaped first, as usual)."""
    from django.utils.html import conditional_escape

    return mark_safe(typography.text(str(conditional_escape(value))))


class NbspNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        return mark_safe(typography.html(self.nodelist.render(context)))


@register.tag("nbsp")
def nbsp_block(parser, token):
    """``{% nbsp %}…{% endnbsp %}``: the text of the rendered block (never its tags)."""
    nodelist = parser.parse(("endnbsp",))
    parser.delete_first_token()
    return NbspNode(nodelist)


@register.simple_tag(takes_context=True)
def firm_contact(context):
    """``{% firm_contact as contact %}``: the firm's contact, with the contact person of the
    client whose portal the page shows (``portal`` or ``contact_client`` in the context)."""
    from ..contact import for_client

    client = context.get("contact_client")
    portal = context.get("portal")
    if client is None and portal is not None:
        client = getattr(portal, "client", None)
    return for_client(client)
