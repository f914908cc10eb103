"""The actions on one portal or portal user, listed once per model.

The listing's "⋯" row menu (``get_list_more_buttons``), the edit page's header buttons
and the client card's portal box render the same list, so an action added or guarded
there cannot be missing or unguarded elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.widgets.button import Button


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    url: str
    icon: str
    priority: int
    #: "change" or "delete": shown only to staff with that permission on the model.
    permission: str = ""
    aria_label: str = ""


def allowed(actions: Iterable[Action], may: Callable[[str], bool], *names: str) -> list[Action]:
    """The ``actions`` the user ``may`` do (and among ``names``, when given)."""
    return [
        a
        for a in actions
        if (not names or a.name in names) and (not a.permission or may(a.permission))
    ]


def menu_items(actions: Iterable[Action]) -> list[MenuItem]:
    return [MenuItem(a.label, url=a.url, icon_name=a.icon, priority=a.priority) for a in actions]


def header_buttons(actions: Iterable[Action]) -> list[Button]:
    return [
        Button(
            a.label,
            url=a.url,
            icon_name=a.icon,
            priority=a.priority,
            attrs={"aria-label": a.aria_label} if a.aria_label else None,
        )
        for a in actions
    ]
