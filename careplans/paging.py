"""Pages that stop after the page: a long list (the team queue, the patient list) reads the rows
it shows and one more from an index, and counts its rows only up to a bound. Beyond the bound
the total reads "1,000+": exact figures stay on the dashboard, which keeps them summed
(dashboards.open_counts), and a list of 200,000 rows costs what its first page costs.

One query for the rows (the page and one more: whether a next page exists) and, unless those rows
show where the list ends, one for the total: `SELECT COUNT(*) FROM (... LIMIT bound + 1)`.
A page past the end opens the last page (as Paginator.get_page does), counted in full: rare."""

from __future__ import annotations

import math

from django.core.paginator import Page
from django.utils.formats import number_format

COUNT_BOUND = 1000
# Past any list's end, and an offset the database can still take: the last page, not a 500.
MAX_PAGE = 10**9


class BoundedCount:
    """What the templates read from `page.paginator`: the total (exact, or the bound when `more`)
    and the number of pages (known only when the total is)."""

    def __init__(self, count: int, per_page: int, *, more: bool = False):
        self.count = count
        self.per_page = per_page
        self.more = more

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def label(self) -> str:
        """ "532", or "1,000+" past the bound."""
        shown = number_format(self.count, force_grouping=True)
        return f"{shown}+" if self.more else shown


class BoundedPage(Page):
    """A page that knows whether another follows from the row it read past its end."""

    def __init__(self, object_list, number: int, paginator: BoundedCount, *, has_next: bool):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


def page_number(number) -> int:
    """The page asked for: a bad number is the first, one past any end is capped."""
    try:
        return min(max(1, int(number)), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def bounded_page(queryset, number, per_page: int, *, bound: int | None = None) -> BoundedPage:
    """Page `number` of the ordered `queryset`, its total counted up to `bound` (COUNT_BOUND)."""
    bound = COUNT_BOUND if bound is None else bound
    number = page_number(number)

    def rows(n: int) -> list:
        start = (n - 1) * per_page
        return list(queryset[start : start + per_page + 1])

    found = rows(number)
    if not found and number > 1:  # past the end: count in full, show the last page
        total = queryset.order_by().count()
        number = max(1, math.ceil(total / per_page))
        found = rows(number)
        return BoundedPage(found[:per_page], number, BoundedCount(total, per_page), has_next=False)
    has_next = len(found) > per_page
    found = found[:per_page]
    if not has_next:  # the rows show where the list ends: the total is exact
        total = (number - 1) * per_page + len(found)
        return BoundedPage(found, number, BoundedCount(total, per_page), has_next=False)
    # At least the rows read so far; rows come and go between the two queries.
    seen = number * per_page + 1
    if seen <= bound:
        seen = max(seen, queryset.order_by().values("pk")[: bound + 1].count())
    count = BoundedCount(bound, per_page, more=True) if seen > bound else BoundedCount(seen, per_page)
    return BoundedPage(found, number, count, has_next=True)
