"""Percentiles: PostgreSQL's percentile_cont in the database, the same interpolation in Python
where the database has none (SQLite, the embedded default)."""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence

from django.contrib.postgres.fields import ArrayField
from django.db.models import Aggregate, DurationField


class PercentilesCont(Aggregate):
    """`percentile_cont(ARRAY[f1, f2, ...]) WITHIN GROUP (ORDER BY expression)`: the continuous
    percentiles of a duration, as a list of timedeltas. One array call sorts the group once, and
    evaluates the expression once per row, whatever the number of fractions. PostgreSQL only."""

    function = "percentile_cont"
    name = "PercentilesCont"
    template = (
        "%(function)s(ARRAY[%(fractions)s]::double precision[]) WITHIN GROUP (ORDER BY %(expressions)s)"
    )

    def __init__(self, expression, *, fractions: Sequence[float], **extra):
        if not fractions or not all(0 <= f <= 1 for f in fractions):
            raise ValueError("fractions are between 0 and 1")
        super().__init__(
            expression,
            output_field=ArrayField(DurationField()),
            fractions=", ".join(repr(float(f)) for f in fractions),
            **extra,
        )


def percentile_cont(ordered: Sequence[datetime.timedelta], fraction: float) -> datetime.timedelta | None:
    """What percentile_cont returns for sorted values: the value at rank fraction * (n - 1),
    interpolated linearly between its two neighbours."""
    if not ordered:
        return None
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
