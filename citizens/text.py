"""Text that is printed as it was given (names, addresses, documents): no invisible characters.

A control character (Unicode category Cc), a format character (Cf: the bidirectional overrides and isolates
U+202A-202E and U+2066-2069, zero-width characters, the soft hyphen...), a line or paragraph separator, a
surrogate or a private-use character changes how a name prints (U+202E prints it backwards on a sealed slip)
or hides what it says. ``validate_plain_text`` refuses them on every name and address field of the register;
the import, the admin's and the portal's forms run it through the model fields.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
CONTROL_CHARACTER = "control_character"


def first_forbidden_character(value: str) -> tuple[int, str] | None:
    """The position and the character of the first invisible character in ``value``, or None."""
    for position, character in enumerate(value):
        if unicodedata.category(character) in FORBIDDEN_CATEGORIES:
            return position, character
    return None


@deconstructible(path="citizens.text.PlainTextValidator")
class PlainTextValidator:
    message = _(
        "Contains the invisible character %(code)s (%(name)s) at position %(position)s: remove it and type the text "
        "again."
    )

    def __call__(self, value: object) -> None:
        if not isinstance(value, str):
            return
        found = first_forbidden_character(value)
        if found is not None:
            position, character = found
            raise ValidationError(
                self.message,
                code=CONTROL_CHARACTER,
                params={
                    "code": f"U+{ord(character):04X}",
                    "name": unicodedata.name(character, "control"),
                    "position": position + 1,
                },
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainTextValidator)

    def __hash__(self) -> int:
        return hash(PlainTextValidator)


validate_plain_text = PlainTextValidator()
