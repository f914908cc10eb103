"""The link every record of the firm's evidence uses to what it describes (rule 12).

Access events, delivery records and uploads outlive the shares, people, portals and
logins they point at: the link goes to NULL when its row is deleted, and the names
copied onto the record keep it readable.
"""

from django.db import models


def history_link(to, *, related_name: str, verbose_name) -> models.ForeignKey:
    return models.ForeignKey(
        to,
        on_delete=models.SET_NULL,
        null=True,
        related_name=related_name,
        verbose_name=verbose_name,
    )
