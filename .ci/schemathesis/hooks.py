"""Schemathesis hooks: rules of the API that JSON Schema cannot state, taught to the
generator so that its "valid" data is valid, and kept quick to draw. No check is
changed here.

SIREN (9 digits) and SIRET (14 digits) end in a Luhn key. The document says so, and its
pattern gives the digits, but no pattern can compute a checksum: the last digit of a
generated identifier is set to its key.
"""

from datetime import date

import schemathesis
from hypothesis import strategies as st

IDENTIFIER_LENGTHS = {"siren": 9, "siret": 14}


def luhn_keyed(digits: str) -> str:
    """`digits` with its last digit replaced by the Luhn key of the others."""
    body = digits[:-1]
    total = 0
    # Positions counted from the right of the full number: the key is position 0.
    for position, char in enumerate(reversed(body), start=1):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return body + str((10 - total % 10) % 10)


@schemathesis.hook
def map_body(context, body):
    if isinstance(body, dict):
        for name, length in IDENTIFIER_LENGTHS.items():
            value = body.get(name)
            if isinstance(value, str) and len(value) == length and value.isdigit():
                body[name] = luhn_keyed(value)
    return body


# Deadlines fall in the years 2000 to 2199: the document's pattern `^2[01][0-9]{2}-`
# says so beside `format: date-time`. Date-times drawn over the years 1 to 9999 would
# nearly all be thrown away by that pattern (Hypothesis then stops: "filter_too_much"),
# so they are drawn from those years. Negative cases still break the pattern.
def _two_digits(low, high):
    return st.integers(low, high).map("{:02d}".format)


_OFFSETS = st.just("Z") | st.builds(
    "{}{}:{}".format, st.sampled_from("+-"), _two_digits(0, 23), _two_digits(0, 59)
)
_FRACTIONS = st.just("") | st.integers(0, 999_999).map(".{:06d}".format)
_PLAUSIBLE_DATE_TIMES = st.builds(
    "{}T{}:{}:{}{}{}".format,
    st.dates(date(2000, 1, 1), date(2199, 12, 31)).map(str),
    _two_digits(0, 23),
    _two_digits(0, 59),
    _two_digits(0, 59),
    _FRACTIONS,
    _OFFSETS,
)
schemathesis.openapi.format("date-time", _PLAUSIBLE_DATE_TIMES)
