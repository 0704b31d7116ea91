"""Which CPT codes a month of CCM time supports: one table of rules, by the year it takes effect.

Minutes count in the track of the staff who spent them: clinical staff minutes toward the
non-complex codes (99490, 99439) or, when the patient's CCM plan is marked complex and they reach
its first threshold, the complex codes (99487, 99489), never both in one month; physician/QHP
minutes toward their own codes (99491, 99437). A base code needs its first block of minutes in
full; each add-on unit needs another full block, up to the add-on's cap. Only billable minutes
come here: time before consent or after its revocation was left out upstream (ccm.totals)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class Track:
    NON_COMPLEX = "non_complex"
    COMPLEX = "complex"
    PHYSICIAN = "physician"


@dataclass(frozen=True)
class CodeRule:
    code: str
    track: str
    minutes: int  # the base: the first block; an add-on: each further block
    add_on_to: str | None = None
    max_units: int | None = None  # an add-on's cap per month (None: no cap)
    description: str = ""


@dataclass(frozen=True)
class RuleSet:
    effective_year: int
    rules: tuple[CodeRule, ...]

    def track(self, track: str) -> tuple[CodeRule, CodeRule]:
        base = next(r for r in self.rules if r.track == track and r.add_on_to is None)
        add_on = next(r for r in self.rules if r.track == track and r.add_on_to == base.code)
        return base, add_on


# The table. A change in the rules is a new RuleSet with the year it takes effect; a month is
# billed by the newest set in effect in its year.
RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        effective_year=2022,
        rules=(
            CodeRule("99490", Track.NON_COMPLEX, 20, description="CCM, first 20 min of clinical staff time"),
            CodeRule(
                "99439",
                Track.NON_COMPLEX,
                20,
                add_on_to="99490",
                max_units=2,
                description="CCM, each additional 20 min of clinical staff time",
            ),
            CodeRule(
                "99487", Track.COMPLEX, 60, description="Complex CCM, first 60 min of clinical staff time"
            ),
            CodeRule(
                "99489",
                Track.COMPLEX,
                30,
                add_on_to="99487",
                description="Complex CCM, each additional 30 min of clinical staff time",
            ),
            CodeRule("99491", Track.PHYSICIAN, 30, description="CCM, first 30 min by the physician/QHP"),
            CodeRule(
                "99437",
                Track.PHYSICIAN,
                30,
                add_on_to="99491",
                description="CCM, each additional 30 min by the physician/QHP",
            ),
        ),
    ),
)


def rules_for(month: dt.date) -> RuleSet:
    in_effect = [s for s in RULE_SETS if s.effective_year <= month.year]
    if not in_effect:
        raise LookupError(f"No CCM billing rules in effect in {month.year}")
    return max(in_effect, key=lambda s: s.effective_year)


@dataclass(frozen=True)
class Line:
    code: str
    units: int
    minutes: int  # the minutes of the track this line bills
    track: str


def _track_lines(rule_set: RuleSet, track: str, minutes: int) -> list[Line]:
    base, add_on = rule_set.track(track)
    if minutes < base.minutes:
        return []
    lines = [Line(base.code, 1, minutes, track)]
    units = (minutes - base.minutes) // add_on.minutes
    if add_on.max_units is not None:
        units = min(units, add_on.max_units)
    if units:
        lines.append(Line(add_on.code, units, minutes, track))
    return lines


def clinical_track(rule_set: RuleSet, minutes: int, *, complex_plan: bool) -> str:
    """Complex when the plan is marked complex and the minutes reach the complex base; otherwise
    non-complex (a complex patient short of 60 minutes may still earn 99490)."""
    base, _ = rule_set.track(Track.COMPLEX)
    return Track.COMPLEX if complex_plan and minutes >= base.minutes else Track.NON_COMPLEX


def bill(month: dt.date, *, clinical: int, physician: int, complex_plan: bool) -> list[Line]:
    """The codes a month's billable minutes support, with units."""
    rule_set = rules_for(month)
    track = clinical_track(rule_set, clinical, complex_plan=complex_plan)
    return _track_lines(rule_set, track, clinical) + _track_lines(rule_set, Track.PHYSICIAN, physician)


def clinical_steps(month: dt.date, *, complex_plan: bool) -> tuple[list[int], int | None, int | None]:
    """The clinical minutes at which a code or unit is earned, as (the listed thresholds, then
    every `step` minutes from `start` with no end, or (None, None) when the list is all). The
    non-complex track's thresholds come first (a complex patient short of the complex base still
    earns them); a complex plan then goes on past the complex base in its add-on steps."""
    rule_set = rules_for(month)
    base, add_on = rule_set.track(Track.NON_COMPLEX)
    listed = [base.minutes + n * add_on.minutes for n in range((add_on.max_units or 0) + 1)]
    if not complex_plan:
        return listed, None, None
    c_base, c_add = rule_set.track(Track.COMPLEX)
    listed = sorted({*(m for m in listed if m < c_base.minutes), c_base.minutes})
    return listed, c_base.minutes, c_add.minutes


def next_threshold(month: dt.date, minutes: int, *, complex_plan: bool) -> int | None:
    """The clinical minutes at which the next code or unit is earned; None once capped."""
    listed, start, step = clinical_steps(month, complex_plan=complex_plan)
    for threshold in listed:
        if minutes < threshold:
            return threshold
    if step is None:
        return None
    return start + ((minutes - start) // step + 1) * step
