"""Directory search results one page at a time, without reading the matches twice.

Django's Paginator runs `COUNT(*)` and then the page query: two passes over every match of a
broad search. `SearchPaginator` first reads only the page's ids, then the page's rows by
primary key with what the cards show (`details`), and picks what measured fastest on the
benchmark (docs/benchmarks.md):

* `one_pass` on SQLite — for a broad search, whose matches come through subqueries: one query
  gives the page's ids and the total, the matches collected once into a materialised CTE,
  then counted and the page sorted out of it. (`COUNT(*) OVER ()` does the same in one pass,
  but measured 10–25% slower.) The count runs on its own only when that page is empty: past
  the end, or nothing found.
* Otherwise the count comes first — cheap from an index for a region or the whole directory,
  where a `LIMIT` walk of the name index then stops after one page. PostgreSQL always takes
  this way: its planner reads every match for a window or a CTE even where the `LIMIT` walk
  would stop early. A few matches are read whole and sorted (a `LIMIT` walk could pass most
  of the table before it finds them), many by `LIMIT`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, QuerySet

Details = Callable[[QuerySet[Any]], QuerySet[Any]]
# Up to this many matches all ids are read and sorted; beyond, the page is read by LIMIT.
# A LIMIT walk of the name index reads about per_page × table ÷ matches rows before it has a
# page (more when the matches crowd at one letter, as a surname's do): ~3,000 of 50,000 for
# 500 matches, a few milliseconds.
FEW_MATCHES = 500
# Beyond this a page number is surely past the end: counted, never sent as an OFFSET.
MAX_ONE_PASS_PAGE = 1_000_000


class SearchPaginator(Paginator):
    """A Paginator over an ordered queryset; `page.paginator.count`, `num_pages` and the
    Page API work as usual. `details` adds select_related/prefetch_related to the page's
    rows only."""

    def __init__(
        self, items: QuerySet[Any], per_page: int, *, details: Details, one_pass: bool = False
    ) -> None:
        super().__init__(items, per_page)
        self.items = items
        self.details = details
        self.one_pass = one_pass and connection.vendor == "sqlite"

    def get_page(self, number: Any) -> Page[Any]:
        """Like Paginator.get_page: the first page for what is not a number, the last page
        for a number below 1 or past the end."""
        wanted = _page_number(number)
        if self.one_pass and 1 <= wanted <= MAX_ONE_PASS_PAGE:
            number, ids = self._one_pass_ids(wanted)
        else:
            number, ids = self._counted_ids(wanted)
        return Page(self._rows(ids), number, self)

    @property
    def _ids(self) -> QuerySet[Any]:
        return self.items.prefetch_related(None)

    def _slice(self, number: int) -> slice:
        bottom = (number - 1) * self.per_page
        return slice(bottom, bottom + self.per_page)

    def _one_pass_ids(self, number: int) -> tuple[int, list[int]]:
        order = _sort_keys(self.items.query.order_by)
        if not order:
            return self._counted_ids(number)
        keys = {f"sort{n}": F(field) for n, (field, _descending) in enumerate(order)}
        matches = self._ids.order_by().values(row_pk=F("pk"), **keys)
        sql, params = matches.query.sql_with_params()
        order_by = ", ".join(
            f"sort{n} {'DESC' if descending else 'ASC'}" for n, (_f, descending) in enumerate(order)
        )
        page = self._slice(number)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH matches AS MATERIALIZED ({sql}) "
                f"SELECT row_pk, (SELECT COUNT(*) FROM matches) FROM matches "
                f"ORDER BY {order_by} LIMIT %s OFFSET %s",
                [*params, self.per_page, page.start],
            )
            rows = cursor.fetchall()
        if not rows:
            # Past the end, or nothing at all: only a count can tell the last page.
            return self._counted_ids(number)
        self.count = rows[0][1]
        return number, [pk for pk, _total in rows]

    def _counted_ids(self, number: int) -> tuple[int, list[int]]:
        number = min(number, self.num_pages) if number >= 1 else self.num_pages
        ids = self._ids.values_list("pk", flat=True)
        if self.count <= FEW_MATCHES:
            return number, list(ids)[self._slice(number)]
        return number, list(ids[self._slice(number)])

    def _rows(self, ids: list[int]) -> list[Any]:
        if not ids:
            return []
        model = self.items.model
        rows = self.details(model._default_manager.filter(pk__in=ids))
        position = {pk: n for n, pk in enumerate(ids)}
        return sorted(rows, key=lambda row: position[row.pk])


def _sort_keys(order_by: Any) -> list[tuple[str, bool]] | None:
    """[("last_name", False), ("name", True)] for ("last_name", "-name"); None for an empty
    ordering or one with expressions, which the one-pass query does not rebuild."""
    keys = []
    for name in order_by:
        if not isinstance(name, str) or name in ("", "?"):
            return None
        keys.append((name[1:], True) if name.startswith("-") else (name, False))
    return keys or None


def _page_number(number: Any) -> int:
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        return int(number)
    except (TypeError, ValueError):
        return 1
