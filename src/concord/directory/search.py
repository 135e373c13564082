"""Substring search of the pre-folded `search_text` columns, indexed on both databases.

The result is always exactly that of `search_text__contains`; an index only narrows the
candidates first (migration 0003):

* PostgreSQL: the GIN trigram index serves `LIKE '%…%'` itself, so the plain lookup is all.
* SQLite: the FTS5 trigram table `<table>_fts` (rowid = pk) finds the rows that contain the
  text as a phrase of trigrams; the plain LIKE then confirms them. A text shorter than a
  trigram has nothing to look up, so it scans the table as before.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql.compiler import SQLCompiler

TRIGRAM = 3
# How many related ids text_filter_or sends as an array (see there).
RELATED_IDS_LIMIT = 2000


def text_filter(model: type[Model], folded_text: str) -> Q:
    """Rows of `model` whose search_text contains `folded_text` (see models.fold_for_search)."""
    contains = Q(search_text__contains=folded_text)
    if connection.vendor != "sqlite" or len(folded_text) < TRIGRAM:
        return contains
    return Q(pk__in=_fts_rowids(model, folded_text)) & contains


def text_filter_or(model: type[Model], folded_text: str, related: QuerySet[Any]) -> Q:
    """Rows whose own text matches, or whose pk is one of `related` (a flat values_list).

    SQLite looks both sides up by index as they are. PostgreSQL cannot OR a subquery with
    its bitmap index scan and would read the whole table, so `related` is read first and sent
    as one array of ids (AnyOf), which it can OR; a list too long to send stays a subquery.
    """
    if connection.vendor == "sqlite":
        return text_filter(model, folded_text) | Q(pk__in=related)
    ids = list(related.order_by()[: RELATED_IDS_LIMIT + 1])
    either = Q(pk__in=related) if len(ids) > RELATED_IDS_LIMIT else Q(AnyOf(F("pk"), ids))
    return text_filter(model, folded_text) | either


class AnyOf(Func):
    """`column = ANY(%s)`, PostgreSQL's `IN (…)` with the whole list as one array parameter:
    a thousand ids cost one placeholder to build and send, not a thousand."""

    output_field = BooleanField()

    def __init__(self, column: F, values: list[Any]) -> None:
        super().__init__(column)
        self.values = values

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, Any]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{sql} = ANY(%s)", (*params, self.values)


def _fts_rowids(model: type[Model], folded_text: str) -> RawSQL:
    # A quoted FTS5 phrase takes every character literally once `"` is doubled; LIKE's
    # wildcards mean nothing to MATCH, so `%` and `_` need no escaping here.
    phrase = '"' + folded_text.replace('"', '""') + '"'
    table = f"{model._meta.db_table}_fts"
    return RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [phrase])
