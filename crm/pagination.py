"""One page of a long list: the rows shown, and where the page stands in the whole."""

from __future__ import annotations

from dataclasses import dataclass


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` items fill, at least 1."""
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int) -> int:
    """The page asked for, within 1..the last page (a page past the end shows the last)."""
    return max(1, min(page, page_count(total, per_page)))


@dataclass
class Page:
    """One page of items, with the total and the page numbers around it."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages there are."""
        return page_count(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        """True when there is a page before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """True when there is a page after this one."""
        return self.page < self.pages
