"""The individual identification number (IIN, ЖСН/ИИН): the one place where it is checked.

An IIN is 12 digits; the 12th is a check digit (SERVICE.md):
  first pass:  sum(d[i] * w[i]) mod 11 with weights 1..11;
  second pass: if that gives 10, weights 3,4,5,6,7,8,9,10,11,1,2;
  if the second pass gives 10 as well, the number is invalid.
A BIN (business identification number) uses the same checksum and has 4, 5 or 6 as its fifth digit
(an IIN's fifth digit is the first digit of a day of the month, 0 to 3); it identifies a legal entity,
never a person, so it is refused here.

Since 2013 the first digits need not encode the birth date, century or sex: they are never checked
against the person's data (``iin_birth_date_hint`` offers them as a hint at most).
"""

from __future__ import annotations

import datetime as dt
import operator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

IIN_LENGTH = 12
FIRST_PASS_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND_PASS_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
BIN_FIFTH_DIGITS = frozenset("456")

# Error codes, stable for tests and API clients.
IIN_REQUIRED = "iin_required"
IIN_NOT_DIGITS = "iin_not_digits"
IIN_WRONG_LENGTH = "iin_wrong_length"
IIN_BAD_CHECKSUM = "iin_bad_checksum"
IIN_IS_BIN = "iin_is_bin"


def iin_check_digit(first_eleven: str) -> int | None:
    """The check digit for 11 digits, or None when both passes give 10 (no valid number exists)."""
    if len(first_eleven) != len(FIRST_PASS_WEIGHTS):
        raise ValueError("eleven digits expected")
    digits = [int(c) for c in first_eleven]
    for weights in (FIRST_PASS_WEIGHTS, SECOND_PASS_WEIGHTS):
        remainder = sum(map(operator.mul, digits, weights)) % 11
        if remainder != 10:
            return remainder
    return None


def iin_error(value: object) -> ValidationError | None:
    """Why ``value`` is not a valid IIN, as a ValidationError with a stable code; None when it is valid."""
    if value is None or value == "":
        return ValidationError(_("Enter the IIN."), code=IIN_REQUIRED)
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return ValidationError(_("An IIN consists of digits only."), code=IIN_NOT_DIGITS)
    if len(value) != IIN_LENGTH:
        return ValidationError(
            _("An IIN has exactly 12 digits; %(count)d given."),
            code=IIN_WRONG_LENGTH,
            params={"count": len(value)},
        )
    if iin_check_digit(value[:11]) != int(value[11]):
        return ValidationError(
            _("This IIN is not valid: its check digit does not match."), code=IIN_BAD_CHECKSUM
        )
    if value[4] in BIN_FIFTH_DIGITS:
        return ValidationError(
            _("This is a BIN of a legal entity, not the IIN of a person."), code=IIN_IS_BIN
        )
    return None


def is_valid_iin(value: object) -> bool:
    return iin_error(value) is None


def validate_iin(value: object) -> None:
    """Django validator: raises ValidationError (with one of the codes above) unless ``value`` is a valid IIN."""
    error = iin_error(value)
    if error is not None:
        raise error


def iin_birth_date_hint(value: str) -> dt.date | None:
    """The birth date the IIN's first digits suggest, if they form one; a hint for display, never a rule."""
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}.get(value[6:7])
    if century is None:
        return None
    try:
        return dt.date(century + int(value[0:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        return None


def make_iin(first_eleven: str) -> str | None:
    """Complete 11 digits into a valid IIN, or None if no check digit exists (for fixtures and demo data)."""
    check = iin_check_digit(first_eleven)
    candidate = None if check is None else f"{first_eleven}{check}"
    return candidate if candidate is not None and is_valid_iin(candidate) else None
