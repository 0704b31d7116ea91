"""The rule table: which codes a month of billable minutes earns, and the worklist's next
threshold. Pure functions: no database."""

import datetime as dt

import pytest

from ccm import codes
from ccm.codes import Line, Track, bill, next_threshold

MONTH = dt.date(2026, 11, 1)


def _codes(clinical=0, physician=0, complex_plan=False):
    return [
        (line.code, line.units)
        for line in bill(MONTH, clinical=clinical, physician=physician, complex_plan=complex_plan)
    ]


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, []),
        (19, []),
        (20, [("99490", 1)]),
        (39, [("99490", 1)]),
        (40, [("99490", 1), ("99439", 1)]),
        (59, [("99490", 1), ("99439", 1)]),
        (60, [("99490", 1), ("99439", 2)]),
        (80, [("99490", 1), ("99439", 2)]),  # the add-on is capped at two units
        (200, [("99490", 1), ("99439", 2)]),
    ],
)
def test_clinical_staff_minutes_non_complex(minutes, expected):
    assert _codes(clinical=minutes) == expected


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (19, []),
        (20, [("99490", 1)]),  # short of the complex base: still non-complex
        (59, [("99490", 1), ("99439", 1)]),
        (60, [("99487", 1)]),  # complex from 60, and then never the non-complex codes too
        (80, [("99487", 1)]),
        (89, [("99487", 1)]),
        (90, [("99487", 1), ("99489", 1)]),
        (150, [("99487", 1), ("99489", 3)]),
    ],
)
def test_complex_plan_bills_complex_or_non_complex_never_both(minutes, expected):
    found = _codes(clinical=minutes, complex_plan=True)
    assert found == expected
    tracks = {c for c, _ in found}
    assert not (tracks & {"99490", "99439"} and tracks & {"99487", "99489"})


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (29, []),
        (30, [("99491", 1)]),
        (59, [("99491", 1)]),
        (60, [("99491", 1), ("99437", 1)]),
        (90, [("99491", 1), ("99437", 2)]),
    ],
)
def test_physician_minutes_have_their_own_codes(minutes, expected):
    assert _codes(physician=minutes) == expected


def test_clinical_and_physician_minutes_count_each_in_their_track():
    lines = bill(MONTH, clinical=25, physician=31, complex_plan=False)
    assert lines == [Line("99490", 1, 25, Track.NON_COMPLEX), Line("99491", 1, 31, Track.PHYSICIAN)]


def test_the_rules_carry_their_effective_year():
    assert codes.rules_for(MONTH).effective_year == 2022
    with pytest.raises(LookupError):
        codes.rules_for(dt.date(2019, 1, 1))


def test_a_newer_rule_set_takes_over_in_its_year(monkeypatch):
    newer = codes.RuleSet(
        effective_year=2027,
        rules=tuple(
            codes.CodeRule(r.code, r.track, 25 if r.code == "99490" else r.minutes, r.add_on_to, r.max_units)
            for r in codes.RULE_SETS[0].rules
        ),
    )
    monkeypatch.setattr(codes, "RULE_SETS", (*codes.RULE_SETS, newer))
    assert bill(dt.date(2026, 12, 1), clinical=20, physician=0, complex_plan=False)[0].code == "99490"
    assert bill(dt.date(2027, 1, 1), clinical=20, physician=0, complex_plan=False) == []


@pytest.mark.parametrize(
    ("minutes", "complex_plan", "expected"),
    [
        (0, False, 20),
        (12, False, 20),
        (19, False, 20),
        (20, False, 40),
        (40, False, 60),
        (60, False, None),  # capped: nothing more to earn
        (80, False, None),
        (0, True, 20),
        (45, True, 60),
        (60, True, 90),
        (95, True, 120),
    ],
)
def test_next_threshold(minutes, complex_plan, expected):
    assert next_threshold(MONTH, minutes, complex_plan=complex_plan) == expected
