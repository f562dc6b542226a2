"""Schemathesis hooks: rules of the API that JSON Schema cannot state, taught to the
generator so that its "valid" data is valid, and kept quick to draw. No check is
changed here.

SIREN (9 digits) and SIRET (14 digits) end in a Luhn key. The document says so, and its
pattern gives the digits, but no pattern can compute a checksum: the last digit of a
generated identifier is set to its key.
"""

import os
import re
import zlib
from datetime import date

import schemathesis
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

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


# Rules of positive data that depend on a list or on the caller, which the document
# states in words: a project's `license` is an SPDX expression over the SPDX list (some
# 600 ids); an admin creating a tender names the buyer it is for, and an admin bidding
# names the lead partner (a buyer's or partner's own token names them already); a
# partner leaves the network's fields of its profile alone. A license of the documented
# shape becomes a valid expression, the admin run's tenders and bids name the demo buyer
# and partner, and the partner run's positive profile edits keep to its own fields;
# none of it turns a negative case positive.
SPDX_EXPRESSIONS = [
    "MIT",
    "Apache-2.0",
    "GPL-2.0-or-later",
    "PostgreSQL",
    "BSD-3-Clause",
    "MIT OR Apache-2.0",
    "GPL-2.0-or-later WITH Classpath-exception-2.0",
]
LICENSED = {"POST /api/v1/projects", "PATCH /api/v1/projects/{id}"}
# The pattern the document gives `license`.
LICENSE_SHAPE = re.compile(r"^[ A-Za-z0-9.+:()_-]*[A-Za-z0-9][ A-Za-z0-9.+:()_-]*$")
ADMIN_NAMES = [
    ("POST /api/v1/tenders", "buyer_id", "BUYER_ID"),
    ("POST /api/v1/tenders/{id}/bids", "lead_partner_id", "PARTNER_ID"),
]
NEW_BID = "POST /api/v1/tenders/{id}/bids"
PROPOSAL = "POST /api/v1/tenders/{id}/lots/{lot_id}/consortium-proposals"
DEFAULT_MAX_MEMBERS = 5
BIDDING = {NEW_BID, "PATCH /api/v1/bids/{id}"}
# What a partner may not set on its own profile and claims (the operations' descriptions
# say so: "the network's call", "only an admin sends `verified`"); a partner's positive
# edits leave them out.
NETWORK_FIELDS = {
    "PATCH /api/v1/partners/{id}": ["siren", "status", "membership", "verified"],
    "PUT /api/v1/partners/{id}/projects/{project}": ["verified"],
}


REVENUE_SHARE = "PUT /api/v1/contracts/{id}/revenue-share"
PAYMENT = "POST /api/v1/contracts/{id}/payments"
# The network's default floor under `upstream_bps` (UPSTREAM_FLOOR_BPS).
UPSTREAM_FLOOR_BPS = 100
WHOLE_BPS = 10000
# Operations whose `from` and `to` days bound a period: `to` may not precede `from`.
PERIODS = {"GET /api/v1/ledger/accounts/{id}/entries", "GET /api/v1/reports/transparency"}


def _distinct(items, key):
    seen = set()
    kept = []
    for item in items:
        if isinstance(item, dict) and item.get(key) not in seen:
            seen.add(item.get(key))
            kept.append(item)
    return kept


def _positive_revenue_share(body):
    """An agreement that keeps the rules across its fields: the upstream part at least
    the floor and, with the fee, at most the whole; each project and member once, an
    upstream part going somewhere; members' shares summing to the whole."""
    upstream = body.get("upstream_bps")
    fee = body.get("platform_fee_bps")
    if isinstance(upstream, int) and isinstance(fee, int):
        upstream = min(max(upstream, UPSTREAM_FLOOR_BPS), WHOLE_BPS)
        body["upstream_bps"] = upstream
        body["platform_fee_bps"] = min(fee, WHOLE_BPS - upstream)
    allocation = body.get("upstream_allocation")
    if isinstance(allocation, list):
        allocation = _distinct(allocation, "project_id")
        if not allocation:
            allocation = [{"project_id": "no-such-project", "weight": 1}]
        body["upstream_allocation"] = allocation
    members = body.get("members")
    if isinstance(members, list) and members and isinstance(members[0], dict):
        body["members"] = [{"partner_id": members[0].get("partner_id"), "share_bps": WHOLE_BPS}]


@schemathesis.hook
def map_query(context, query):
    # A period's `to` does not precede its `from` (a rule across parameters).
    if (
        context.operation is not None
        and context.operation.label in PERIODS
        and isinstance(query, dict)
        and isinstance(query.get("from"), str)
        and isinstance(query.get("to"), str)
        and query["to"] < query["from"]
    ):
        query["from"], query["to"] = query["to"], query["from"]
    return query


def _is_negative(case):
    # Cases from the document's own examples carry no metadata: they are positive.
    return case.meta is not None and case.meta.generation.mode == GenerationMode.NEGATIVE


@schemathesis.hook
def map_case(context, case):
    body = case.body
    if not isinstance(body, dict):
        return case
    label = case.operation.label
    license_text = body.get("license")
    # Only a license the document's pattern takes is replaced, by another it takes: a
    # negative case stays negative.
    if label in LICENSED and isinstance(license_text, str) and LICENSE_SHAPE.match(license_text):
        # The same drawn text always maps to the same expression: runs stay repeatable.
        pick = zlib.crc32(license_text.encode("utf-8", "surrogatepass"))
        body["license"] = SPDX_EXPRESSIONS[pick % len(SPDX_EXPRESSIONS)]
    principal = os.environ.get("GATE_PRINCIPAL")
    if principal == "admin":
        for operation, field, source in ADMIN_NAMES:
            if label == operation and body.get(field) is None:
                body[field] = os.environ[source]
    # Dropping a field could drop what made a negative case negative.
    if principal == "partner" and not _is_negative(case):
        for field in NETWORK_FIELDS.get(label, []):
            body.pop(field, None)
    # A consortium's shares add up to 10000 with the lead among the members, each partner
    # once (rules across members that no schema states): a positive bid's consortium is
    # its lead alone, with the whole.
    lead = body.get("lead_partner_id") or (
        os.environ.get("PARTNER_ID") if principal == "partner" else None
    )
    if label in BIDDING and isinstance(body.get("members"), list) and lead and not _is_negative(case):
        body["members"] = [{"partner_id": lead, "share_bps": 10000}]
    # A bid is made on a lot of its tender, in the tender's currency (rules across
    # resources): a positive bid is made on the first lot of the published demo tender,
    # in euros, so that bids exist for the stateful phase to walk.
    if label == NEW_BID and not _is_negative(case):
        body["lot_id"] = os.environ["LOT_ID"]
        body["currency"] = "EUR"
    # An agreement's fields agree with each other; a payment is in the contracts'
    # currency (the stateful phase reaches contracts through awards of euro bids).
    if label == REVENUE_SHARE and not _is_negative(case):
        _positive_revenue_share(body)
    if label == PAYMENT and not _is_negative(case):
        body["currency"] = "EUR"
    # A team's required partners fit in it and are not excluded (rules across fields):
    # a positive proposal drops from the exclusions the partners it requires, and
    # requires at most `max_members` of them.
    if label == PROPOSAL and not _is_negative(case):
        required = list(dict.fromkeys(body.get("require_partner_ids") or []))
        # JSON Schema reads 2.0 as the integer 2, and so does the server.
        size = body.get("max_members")
        size = int(size) if isinstance(size, (int, float)) else DEFAULT_MAX_MEMBERS
        if "require_partner_ids" in body:
            body["require_partner_ids"] = required[:size]
        if "exclude_partner_ids" in body:
            body["exclude_partner_ids"] = [
                partner for partner in body["exclude_partner_ids"] if partner not in required
            ]
    return case
