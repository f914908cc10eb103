"""The share dialog's "Panele klienta" field: the chosen portals and a button to choose more.

The button opens Wagtail's chooser modal (``portal_chooser``) in its multiple-choice
mode; each chosen portal is a hidden ``portals`` input with its name, client and user
count, and a button to take it off. The form posts the same ``portals`` ids as a select
box would, so the form and the service check them as before. Behaviour lives in a
static file (``js/portal-chooser.js``, form media): no inline script.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse
from wagtail.admin.staticfiles import versioned_static

from .ids import clean_ids


class PortalsChooser(forms.Widget):
    template_name = "wagtail_clientportal/staff/widgets/portals_chooser.html"

    def __init__(self, attrs=None, client_id: int | None = None):
        super().__init__(attrs)
        #: The client the modal starts on (the client of the selected items), if one.
        self.client_id = client_id

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # no ticked portal is an empty list, not a missing field

    def format_value(self, value):
        if value is None:
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        return clean_ids(getattr(v, "pk", v) for v in values)

    def get_context(self, name, value, attrs):
        from .portal_chooser import portals_with_user_counts, users_label

        context = super().get_context(name, value, attrs)
        ids = context["widget"]["value"]
        # Only the chosen portals are read (after a refused POST), never every portal.
        chosen = (
            portals_with_user_counts().filter(pk__in=ids).order_by("client__name", "name")
            if ids
            else []
        )
        context["widget"].update(
            chosen=[(p, users_label(p.user_count)) for p in chosen],
            chooser_url=reverse("clientportal_portal_chooser:choose"),
            client_id=self.client_id or "",
        )
        return context

    def use_required_attribute(self, initial):
        return False

    def id_for_label(self, id_):
        return f"{id_}-choose" if id_ else id_

    @property
    def media(self):
        return forms.Media(
            js=[
                versioned_static("wagtailadmin/js/chooser-modal.js"),
                "wagtail_clientportal/js/portal-chooser.js",
            ]
        )
