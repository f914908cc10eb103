"""Amounts as people read them, one formatter for the portal and the admin: ``5 966,12 zł``."""

from __future__ import annotations

from django.utils import formats

CURRENCY_SYMBOLS = {"PLN": "zł", "EUR": "€", "USD": "$", "GBP": "£"}


def format_amount(amount, currency: str) -> str:
    """``1 234,56 zł`` in Polish; the active locale decides separators."""
    number = formats.number_format(amount, 2, use_l10n=True, force_grouping=True)
    return f"{number}\xa0{CURRENCY_SYMBOLS.get(currency, currency)}"
