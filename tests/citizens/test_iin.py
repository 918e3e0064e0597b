import pytest
from django.core.exceptions import ValidationError
from kz_iin_validator import generate_iin, safe_validate_iin

from citizens.iin import (
    IIN_BAD_CHECKSUM,
    IIN_IS_BIN,
    IIN_NOT_DIGITS,
    IIN_REQUIRED,
    IIN_WRONG_LENGTH,
    iin_birth_date_hint,
    iin_check_digit,
    iin_error,
    is_valid_iin,
    validate_iin,
)


def code_of(value):
    error = iin_error(value)
    return None if error is None else error.code


@pytest.mark.parametrize("iin", ["800315300018", "850722400028", "900101300811"])
def test_valid_iin_passes(iin):
    assert is_valid_iin(iin)
    validate_iin(iin)  # raises if not


def test_wrong_checksum_is_refused():
    assert code_of("800315300019") == IIN_BAD_CHECKSUM
    with pytest.raises(ValidationError) as excinfo:
        validate_iin("800315300019")
    assert excinfo.value.code == IIN_BAD_CHECKSUM


def test_number_valid_only_by_the_second_pass_is_accepted():
    digits = [int(c) for c in "06121160001"]
    first_pass = sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
    assert first_pass == 10  # so the first pass alone could not validate it
    assert iin_check_digit("06121160001") == 2
    assert is_valid_iin("061211600012")


def test_number_whose_both_passes_give_ten_has_no_valid_check_digit():
    # Search the 11-digit prefixes for one where both passes give 10, and check no 12th digit makes it valid.
    prefix = next(
        p
        for p in (f"9001013{n:04d}" for n in range(10000))
        if sum(int(d) * w for d, w in zip(p, range(1, 12), strict=True)) % 11 == 10
        and sum(int(d) * w for d, w in zip(p, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2), strict=True)) % 11 == 10
    )
    assert iin_check_digit(prefix) is None
    assert all(code_of(f"{prefix}{d}") == IIN_BAD_CHECKSUM for d in range(10))


def test_bin_of_a_legal_entity_is_refused():
    # A BIN: year and month of registration, then 4, 5 or 6 (legal entity type), with the same checksum.
    bin_prefix = "08044000123"[:11]
    bin_number = f"{bin_prefix}{iin_check_digit(bin_prefix)}"
    assert bin_number[4] in "456"
    assert iin_check_digit(bin_prefix) is not None
    assert code_of(bin_number) == IIN_IS_BIN


@pytest.mark.parametrize("value", ["80031530001", "8003153000180", ""])
def test_wrong_length_is_refused(value):
    assert code_of(value) == (IIN_REQUIRED if value == "" else IIN_WRONG_LENGTH)


@pytest.mark.parametrize(
    "value", ["80031530001A", "800315-30001", "８００３１５３０００１８", 800315300018, None]
)
def test_non_digit_input_is_refused(value):
    assert code_of(value) in {IIN_NOT_DIGITS, IIN_REQUIRED}
    assert not is_valid_iin(value)


def test_digits_are_never_checked_against_a_birth_date():
    # 99 13 00: no such month or day, and 9 is no century digit; since 2013 the first digits need not be a date.
    prefix = next(p for p in (f"9913009{n:04d}" for n in range(1000)) if iin_check_digit(p) is not None)
    iin = f"{prefix}{iin_check_digit(prefix)}"
    assert is_valid_iin(iin)
    assert iin_birth_date_hint(iin) is None


def test_agrees_with_an_independent_implementation():
    """kz-iin-validator (0.7.1) as an oracle on generated numbers, valid and with a corrupted check digit."""
    for _ in range(300):
        iin = generate_iin()
        assert is_valid_iin(iin) == (safe_validate_iin(iin)[0] is not None), iin
        broken = iin[:11] + str((int(iin[11]) + 1) % 10)
        assert not is_valid_iin(broken)
