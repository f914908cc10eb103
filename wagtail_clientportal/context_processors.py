"""Firm name and logo for the portal's templates and emails."""

from . import conf


def firm(request) -> dict:
    return {"clientportal_firm_name": conf.firm_name(), "clientportal_firm_logo": conf.firm_logo()}
