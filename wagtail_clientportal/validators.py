"""Polish tax identifiers, validated by python-stdnum (checksums included)."""

from importlib import import_module

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError


@deconstructible
class StdnumValidator:
    """Validate with ``stdnum.<module>``; deconstructible so migrations can refer to it."""

    messages = {
        "pl.nip": _("Enter a valid NIP (10 digits with a correct checksum)."),
        "pl.regon": _("Enter a valid REGON (9 or 14 digits with a correct checksum)."),
        "pl.pesel": _("Enter a valid PESEL (11 digits with a correct checksum)."),
    }

    def __init__(self, module: str):
        self.module = module

    def __call__(self, value: str) -> None:
        try:
            import_module(f"stdnum.{self.module}").validate(value)
        except StdnumError:
            raise ValidationError(self.messages[self.module], code="invalid") from None

    def __eq__(self, other) -> bool:
        return isinstance(other, StdnumValidator) and other.module == self.module


validate_nip = StdnumValidator("pl.nip")
validate_regon = StdnumValidator("pl.regon")
validate_pesel = StdnumValidator("pl.pesel")
