"""Pages of a long list: the one way every list a national round makes long (the audit log, the formal
check, the ranking, the sheets, the pool, the accounts …) is cut into pages, with its true total.

`paginate` runs a query for one page (OFFSET/LIMIT) and counts the whole list in the database; `of_list`
pages a list already in memory. The page number comes from the query string (`number`, see
`web.page_number`); a number past the end shows the last page. The templates draw the links with the
`pager` macro of _macros.html, which keeps the page's other parameters (filters, search) in every link.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

T = TypeVar("T")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its `items`, its `number` (from 1), the page `size` and the list's `total`."""

    items: list[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first(self) -> int:
        """The place of the page's first item in the whole list (from 1; 0 for an empty list)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    def window(self, radius: int = 2) -> list[int | None]:
        """The page numbers to link: the first, the last, and `radius` either side of this one; None
        where numbers are left out.

        >>> Page([], 10, 50, 1000).window()
        [1, None, 8, 9, 10, 11, 12, None, 20]
        """
        shown = sorted({1, self.pages, *range(max(1, self.number - radius), min(self.pages, self.number + radius) + 1)})
        numbers: list[int | None] = []
        for n in shown:
            if numbers and n - numbers[-1] > 1:
                numbers.append(None)
            numbers.append(n)
        return numbers

    def map(self, function: Callable[[list], list]) -> "Page":
        """The same page with its items turned into what the template shows (`function` takes the list)."""
        return Page(function(self.items), self.number, self.size, self.total)


def _clamp(number: int, total: int, size: int) -> int:
    return min(max(1, number), max(1, math.ceil(total / size)))


def paginate(session: Session, query, *, number: int, size: int = PAGE_SIZE, total: int | None = None) -> Page:
    """Page `number` of an ordered select: the rows of that page (entities when the select names one, else
    tuples) and the count of the whole list (`total` when the caller knows it already)."""
    if total is None:
        total = session.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    number = _clamp(number, total, size)
    items = list(session.exec(query.offset((number - 1) * size).limit(size)))
    return Page(items, number, size, total)


def of_list(items: Sequence[T], *, number: int, size: int = PAGE_SIZE) -> Page[T]:
    """Page `number` of a list already in memory."""
    number = _clamp(number, len(items), size)
    start = (number - 1) * size
    return Page(list(items[start : start + size]), number, size, len(items))
