"""The ``cp_id`` path converter of the portal's and the staff side's URLs.

A row id of the URL: at most 18 digits, what a 64-bit key column holds. A longer
number is no row (a 404), never a database overflow error (a 500). Registered on
import; ``portal/urls.py`` and the staff URL modules import it before their patterns.
"""

from django.urls import register_converter
from django.urls.converters import IntConverter


class RowIdConverter(IntConverter):
    regex = "[0-9]{1,18}"


register_converter(RowIdConverter, "cp_id")
