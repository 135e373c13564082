"""Indexed substring search, the search paginator and the region page's limits.

Every test runs on SQLite (FTS5 trigram tables) and PostgreSQL (pg_trgm); the search must
give exactly what the plain `search_text__contains` scan gives.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Model, Q, QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from concord.accounts.models import User
from concord.accounts.scoping import scope_for
from concord.directory import pagination, search
from concord.directory.models import (
    Consent,
    Membership,
    Organisation,
    Person,
    PersonRole,
    fold_for_search,
)
from concord.directory.pagination import SearchPaginator
from concord.directory.search import text_filter
from concord.directory.selectors import (
    REGION_SECTION_SIZE,
    DirectoryQuery,
    people_with_details,
    person_search,
    region_directory,
)
from concord.regions.models import Region
from concord.testing.factories import (
    ConsentFactory,
    EthnicCommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    PersonRoleFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 tables")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm")
Kind = Organisation.Kind
Role = PersonRole.Role
migration = importlib.import_module("concord.directory.migrations.0003_search_indexes")


# --- Same results as the plain scan -------------------------------------------------------------

PEOPLE = [
    # last name, first name, patronymic, email, phone, telegram
    ("Иванов", "Иван", "Иванович", "ivanov@example.org", "+79161234567", "ivan_ivanov"),
    ("Иванова", "Мария", "Петровна", "", "+79161234568", ""),
    ("Ёлкин", "Семён", "Фёдорович", "yolkin@mail.ru", "+79031112233", "yolkin"),
    ("Елкина", "Алёна", "", "ALENA.ELKINA@Example.ORG", "", "Alena_E"),
    ("Smith", "John", "", "john_smith@example.com", "+447700900123", "john__smith"),
    ("O'Brien", "Seán", "", "sean.obrien@example.ie", "", ""),
    ("Хабибуллин", "Рустам", "Ильдарович", "100%rustam@example.org", "+79871234567", ""),
    ("Straße", "Jürgen", "", "", "", ""),
    ('Кавычкин "Зам"', "Пётр", "", "back\\slash@example.org", "", "under_score_"),
    ("Ли", "Ан", "", "li@example.kz", "+77011234567", ""),
    ("Ким", "Ю", "", "", "", ""),
    ("Петров-Водкин", "Кузьма", "Сергеевич", "", "+79160000000", ""),
]
ORGANISATIONS = [
    # name, address, email, telegram
    ("Татарская национально-культурная автономия «Туган тел»", "ул. Иванова, 5", "", ""),
    ("Центр «100% дружбы»", "пр. Мира 1", "info@100.example.org", "druzhba_100"),
    ("Дом дружбы народов_Ярославль", "", "DOM@Example.org", ""),
    ('Общество "Ёлочка"', "ул. Ёлкина, 7", "", "yolochka"),
    ("Uzbek Diaspora Centre (UDC)", "Smith Street 12", "udc@mail.ru", "UDC_centre"),
]
QUERIES = [
    # Cyrillic, with and without ё, any case
    "иванов",
    "Иванов",
    "ИВАНОВА",
    "ёлк",
    "елк",
    "Ёлкин",
    "семен",
    "алена",
    "ова",
    "вич",
    "мария петровна",
    "иванов иван",
    "водкин",
    "петров-",
    "туган тел",
    "дружбы",
    "ёлочка",
    # Latin, case, accents, ß
    "smith",
    "SMITH",
    "john_",
    "j_hn",
    "o'brien",
    "seán",
    "sean",
    "strasse",
    "straße",
    "udc",
    "(udc)",
    "jürgen",
    # digits of phones, e-mails
    "+7916",
    "7916",
    "1234567",
    "916123",
    "+44",
    "@example.org",
    "example",
    "mail.ru",
    "ivanov@",
    ".org",
    # LIKE's and FTS5's special characters, taken literally
    "100%",
    "%",
    "%%",
    "_",
    "__",
    "_smith",
    "ivan_",
    '"',
    '"зам"',
    'ч "з',
    "\\",
    "back\\",
    "*",
    "ив*",
    "ivan OR smith",
    "NEAR",
    "^ив",
    "(",
    "-",
    ":",
    "'",
    # one and two letters: no trigram, plain scan
    "и",
    "ив",
    "ё",
    "ю",
    "a",
    "ab",
    "7",
    "91",
    "@",
    " ",
    # nothing matches
    "zzzz",
    "щщщ",
]


@pytest.fixture
def varied() -> Region:
    region = RegionFactory.create(code="RU-SRCH")
    organisations = [
        OrganisationFactory.create(region=region, name=n, address=a, email=e, telegram=t)
        for n, a, e, t in ORGANISATIONS
    ]
    for n, (last, first, patronymic, email, phone, telegram) in enumerate(PEOPLE):
        person = PersonFactory.create(
            region=region,
            last_name=last,
            first_name=first,
            patronymic=patronymic,
            email=email,
            phone=phone,
            telegram_username=telegram,
        )
        if n % 3 == 0:
            MembershipFactory.create(person=person, organisation=organisations[n % 5])
    return region


def _pks(queryset: QuerySet[Any]) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def _plain(model: type[Model], text: str) -> set[int]:
    return _pks(model._default_manager.filter(search_text__contains=fold_for_search(text)))


def _indexed(model: type[Model], text: str) -> set[int]:
    return _pks(model._default_manager.filter(text_filter(model, fold_for_search(text))))


@pytest.mark.parametrize("model", [Person, Organisation])
def test_indexed_search_equals_the_plain_scan(varied: Region, model: type[Model]) -> None:
    found = 0
    for text in QUERIES:
        assert _indexed(model, text) == _plain(model, text), text
        found += len(_plain(model, text))
    assert found > 40  # the queries do find things: the comparison is not of empty sets


@sqlite_only
def test_sqlite_uses_the_fts_table_from_three_letters(varied: Region) -> None:
    def sql(text: str) -> str:
        return str(Person.objects.filter(text_filter(Person, text)).query)

    assert "directory_person_fts MATCH" in sql("ива")
    assert "directory_person_fts" not in sql("ив")


@postgres_only
def test_postgres_can_serve_like_from_the_trigram_indexes(varied: Region) -> None:
    for model, index in (
        (Person, "directory_person_search_trgm"),
        (Organisation, "directory_organisation_search_trgm"),
    ):
        queryset = model._default_manager.filter(text_filter(model, "иванов")).order_by()
        with connection.cursor() as cursor:
            # A handful of rows is cheaper to scan, or to walk in a b-tree's order: forbid
            # both, to see that the trigram index can serve the LIKE.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            plan = queryset.explain()
        assert index in plan


def _reference_person_search(scope_user: User, text: str) -> set[int]:
    """The search as it was before the indexes: two plain scans."""
    folded = fold_for_search(text.strip())
    in_organisation = Membership.objects.filter(organisation__search_text__contains=folded)
    people = (
        scope_for(scope_user)
        .people()
        .filter(Q(search_text__contains=folded) | Q(pk__in=in_organisation.values("person_id")))
    )
    return _pks(people)


@pytest.mark.parametrize("role", [User.Role.COORDINATOR, User.Role.NGO_MEMBER])
def test_person_search_finds_people_and_members_of_matching_organisations(
    varied: Region, role: str
) -> None:
    user = UserFactory.create(role=role, person=Person.objects.filter(region=varied).first())
    scope = scope_for(user)
    for text in QUERIES:
        found = _pks(person_search(scope=scope, query=DirectoryQuery(text=text)))
        assert found == _reference_person_search(user, text), text
    # "дружбы" is only in the names of organisations: their members are found.
    members = Membership.objects.filter(organisation__name__contains="дружбы")
    found = _pks(person_search(scope=scope, query=DirectoryQuery(text="дружбы")))
    assert found == set(members.values_list("person_id", flat=True)) != set()


@postgres_only
def test_postgres_gets_member_ids_as_one_array(varied: Region) -> None:
    user = UserFactory.create(role=User.Role.COORDINATOR)
    found = person_search(scope=scope_for(user), query=DirectoryQuery(text="дружб"))
    sql, params = found.query.sql_with_params()
    assert "= ANY(%s)" in sql and any(isinstance(p, list) for p in params)
    assert _pks(found) == _reference_person_search(user, "дружб")


def test_many_member_ids_fall_back_to_a_subquery(
    varied: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = UserFactory.create(role=User.Role.COORDINATOR)
    expected = _reference_person_search(user, "дружб")
    monkeypatch.setattr(search, "RELATED_IDS_LIMIT", 0)
    found = person_search(scope=scope_for(user), query=DirectoryQuery(text="дружб"))
    assert _pks(found) == expected
    assert "directory_membership" in str(found.query)


# --- The index follows every write --------------------------------------------------------------


def _fts_rows(table: str) -> set[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid, search_text FROM {table}_fts")
        return set(cursor.fetchall())


@pytest.fixture
def index_matches_table() -> Iterator[None]:
    """After the test, on SQLite, the FTS tables hold exactly the tables' search texts."""
    yield
    if connection.vendor == "sqlite":
        for model in (Person, Organisation):
            expected = set(model._default_manager.values_list("pk", "search_text"))
            assert _fts_rows(model._meta.db_table) == expected


@pytest.mark.usefixtures("index_matches_table")
def test_create_update_delete_stay_in_sync() -> None:
    person = PersonFactory.create(last_name="Зарубин")
    assert _indexed(Person, "зарубин") == {person.pk}
    person.last_name = "Загребин"
    person.save()
    assert _indexed(Person, "зарубин") == set()
    assert _indexed(Person, "загребин") == {person.pk}
    person.first_name = "Олег"
    person.save(update_fields=["first_name"])  # search_text not written: index unchanged
    assert _indexed(Person, "загребин") == {person.pk}
    organisation = OrganisationFactory.create(name="Клуб «Родник»")
    assert _indexed(Organisation, "родник") == {organisation.pk}
    person.delete()
    organisation.delete()
    assert _indexed(Person, "загребин") == set()
    assert _indexed(Organisation, "родник") == set()


@pytest.mark.usefixtures("index_matches_table")
def test_bulk_create_and_raw_updates_stay_in_sync() -> None:
    region = RegionFactory.create()
    people = [
        Person(last_name=f"Массов{n}", first_name="Пётр", region=region, phone=f"+7999000{n:04d}")
        for n in range(30)
    ]
    for person in people:
        person.search_text = person.build_search_text()
    Person.objects.bulk_create(people)
    assert len(_indexed(Person, "массов")) == 30
    assert _indexed(Person, "0000007") == {people[7].pk}
    Person.objects.filter(pk=people[0].pk).update(search_text="переименован")
    assert _indexed(Person, "массов0 ") == set()
    assert _indexed(Person, "переименован") == {people[0].pk}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE directory_person SET search_text = %s WHERE id = %s",
            ["сырой sql", people[1].pk],
        )
    assert _indexed(Person, "сырой") == {people[1].pk}
    Person.objects.filter(pk__in=[p.pk for p in people[2:10]]).delete()
    assert len(_indexed(Person, "массов")) == 20


@sqlite_only
def test_sqlite_triggers_exist() -> None:
    """A migration that rebuilds a table drops its triggers: see migration 0003."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {name for (name,) in cursor.fetchall()}
    for table in ("directory_person", "directory_organisation"):
        assert {f"{table}_fts_{event}" for event in ("insert", "delete", "update")} <= triggers


@dataclass
class _FailingCursor:
    def __enter__(self) -> _FailingCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, sql: str) -> None:
        raise DatabaseError("permission denied to create extension")


@dataclass
class _NoPrivilegeConnection:
    vendor: str = "postgresql"
    alias: str = "default"

    def cursor(self) -> _FailingCursor:
        return _FailingCursor()


@dataclass
class _RecordingEditor:
    connection: _NoPrivilegeConnection
    executed: list[str]

    def execute(self, sql: str) -> None:
        self.executed.append(sql)


def test_migration_skips_the_indexes_without_pg_trgm(caplog: pytest.LogCaptureFixture) -> None:
    editor = _RecordingEditor(_NoPrivilegeConnection(), executed=[])
    with caplog.at_level(logging.WARNING):
        migration.forwards(None, editor)
    assert editor.executed == []
    assert "pg_trgm is not available" in caplog.text


# --- Pagination ---------------------------------------------------------------------------------


@pytest.fixture
def sixty() -> QuerySet[Person]:
    region = RegionFactory.create()
    for n in range(61):
        PersonFactory.create(region=region, last_name=f"Страничкин{n % 7}", first_name=f"И{n}")
    people = person_search(
        scope=scope_for(UserFactory.create(role=User.Role.COORDINATOR)),
        query=DirectoryQuery(text="страничкин"),
    )
    return people


def _page_facts(page: Any) -> tuple[Any, ...]:
    return (
        page.number,
        [p.pk for p in page.object_list],
        page.paginator.count,
        page.paginator.num_pages,
        page.has_next(),
        page.has_previous(),
    )


NUMBERS: list[Any] = [1, 2, 3, "3", 3.0, 4, 99, 0, -1, "x", None, 2.5, "", 10**30]


@pytest.mark.parametrize(
    ("few", "one_pass"),
    [(1000, False), (10, False), (1000, True)],  # sort all ids, LIMIT, one query (SQLite)
)
def test_search_paginator_pages_like_django(
    sixty: QuerySet[Person], few: int, one_pass: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagination, "FEW_MATCHES", few)
    for number in NUMBERS:
        paginator = SearchPaginator(sixty, 25, details=people_with_details, one_pass=one_pass)
        ours = paginator.get_page(number)
        django = Paginator(sixty, 25).get_page(number)
        assert _page_facts(ours) == _page_facts(django), number


def test_search_paginator_follows_any_ordering(sixty: QuerySet[Person]) -> None:
    for ordering in (("region__name_ru", "pk"), ("-last_name", "first_name", "-pk")):
        people = sixty.order_by(*ordering)
        for number in (1, 2, 3):
            paginator = SearchPaginator(people, 25, details=people_with_details, one_pass=True)
            ours = paginator.get_page(number)
            assert _page_facts(ours) == _page_facts(Paginator(people, 25).get_page(number))


def test_both_ways_of_reading_ids_agree(sixty: QuerySet[Person]) -> None:
    for number in (1, 2, 3, 7):
        paginator = SearchPaginator(sixty, 25, details=people_with_details)
        in_one_pass = paginator._one_pass_ids(number)
        assert paginator.count == 61
        counted = SearchPaginator(sixty, 25, details=people_with_details)._counted_ids(number)
        assert in_one_pass == counted


@pytest.mark.parametrize("one_pass", [False, True])
def test_empty_results_give_an_empty_first_page(one_pass: bool) -> None:
    paginator = SearchPaginator(
        Person.objects.order_by("pk"), 25, details=people_with_details, one_pass=one_pass
    )
    assert _page_facts(paginator.get_page(2)) == (1, [], 0, 1, False, False)


@pytest.mark.parametrize(
    ("query", "tab", "broad"),
    [
        (DirectoryQuery(), "people", False),
        (DirectoryQuery(region=Region(code="RU-MOW")), "people", False),
        (DirectoryQuery(role="official"), "people", False),
        (DirectoryQuery(text="ов"), "people", True),
        (DirectoryQuery(kind="police"), "people", True),
        (DirectoryQuery(kind="police"), "organisations", False),
        (DirectoryQuery(role="official"), "organisations", True),
    ],
)
def test_broad_searches_are_read_in_one_pass(query: DirectoryQuery, tab: str, broad: bool) -> None:
    assert query.is_broad(tab) is broad


def test_page_rows_come_with_their_details(sixty: QuerySet[Person]) -> None:
    page = SearchPaginator(sixty, 25, details=people_with_details).get_page(2)
    with CaptureQueriesContext(connection) as captured:
        shown = [
            (p.region.name, list(p.roles.all()), list(p.memberships.all()))
            for p in page.object_list
        ]
    assert len(shown) == 25
    assert len(captured) == 0


def test_search_page_shows_the_total_and_pages(sixty: QuerySet[Person]) -> None:
    client = _client(User.Role.COORDINATOR)
    response = client.get(reverse("directory:search"), {"q": "Страничкин", "page": "3"})
    assert response.context["page"].paginator.count == 61
    assert response.context["page"].number == 3
    assert len(response.context["page"].object_list) == 11
    assert "61 found" in response.text
    assert "Page 3 of 3" in response.text


# --- Region page: first cards, totals and links --------------------------------------------------


@dataclass
class BigRegion:
    region: Region
    liaisons: list[Person]


def _client(role: str, **extra: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory.create(role=role, **extra))
    return client


def _contact(region: Region, role: str, last_name: str, **extra: Any) -> Person:
    person = PersonFactory.create(region=region, last_name=last_name, **extra)
    PersonRoleFactory.create(person=person, role=role)
    return person


def _fill_region(region: Region, scale: int) -> list[Person]:
    """Every section filled; `scale` copies of each so a big region overflows its sections."""
    community = EthnicCommunityFactory.create(slug="tatar")
    liaisons = []
    for n in range(scale):
        liaisons.append(_contact(region, Role.POLICE_LIAISON, f"Постов{n:02d}"))
        _contact(region, Role.OFFICIAL, f"Чиновников{n:02d}")
        _contact(region, Role.COORDINATOR, f"Связкин{n:02d}")
        for kind in Kind.values:
            organisation = OrganisationFactory.create(region=region, kind=kind)
            organisation.communities.add(community)
        ngo = OrganisationFactory.create(region=region, kind=Kind.ETHNIC_NGO)
        leader = _contact(region, Role.LEADER, f"Лидеров{n:02d}")
        MembershipFactory.create(person=leader, organisation=ngo)
    return liaisons


@pytest.fixture
def big_region() -> BigRegion:
    region = RegionFactory.create(code="RU-BIG")
    liaisons = _fill_region(region, scale=REGION_SECTION_SIZE + 3)
    # Both an official and a coordinator: ranked in both sections.
    both = _contact(region, Role.OFFICIAL, "Аардварков")
    PersonRoleFactory.create(person=both, role=Role.COORDINATOR)
    return BigRegion(region, liaisons)


def test_region_sections_show_the_first_cards_and_the_totals(big_region: BigRegion) -> None:
    scope = scope_for(UserFactory.create(role=User.Role.COORDINATOR))
    d = region_directory(scope=scope, region=big_region.region)
    n = REGION_SECTION_SIZE + 3
    assert [p.pk for p in d.police_liaisons.shown] == [
        p.pk for p in big_region.liaisons[:REGION_SECTION_SIZE]
    ]
    assert (d.police_liaisons.total, d.officials.total, d.coordinators.total) == (n, n + 1, n + 1)
    assert d.officials.shown[0].last_name == d.coordinators.shown[0].last_name == "Аардварков"
    assert (d.ngos.total, d.hosts.total, d.public_bodies.total) == (3 * n, n, 3 * n)
    assert d.kind_counts == {
        Kind.ETHNIC_NGO: 2 * n,
        Kind.MIGRANT_NGO: n,
        Kind.HOST: n,
        Kind.POLICE: n,
        Kind.AUTHORITY: n,
        Kind.OTHER: n,
    }
    for section in (d.ngos, d.hosts, d.public_bodies, d.police_liaisons, d.officials):
        assert len(section.shown) == REGION_SECTION_SIZE and section.more
    names = [o.name for o in d.ngos.shown]
    assert names == sorted(names)
    assert all(o.kind in (Kind.ETHNIC_NGO, Kind.MIGRANT_NGO) for o in d.ngos.shown)
    assert d.people_count == 4 * n + 1


def test_region_page_links_to_every_full_list(big_region: BigRegion) -> None:
    response = _client(User.Role.COORDINATOR).get(reverse("directory:region", args=["RU-BIG"]))
    n = REGION_SECTION_SIZE + 3
    page = response.text
    search_url = reverse("directory:search")
    links = {
        "?region=RU-BIG&amp;role=police_liaison": f"All {n} police liaisons",
        "?region=RU-BIG&amp;role=official": f"All {n + 1} officials",
        "?region=RU-BIG&amp;role=coordinator": f"All {n + 1} coordinators",
        "?tab=organisations&amp;region=RU-BIG&amp;kind=host": f"All {n} host institutions",
        "?tab=organisations&amp;region=RU-BIG&amp;kind=ethnic_ngo": f"All {2 * n} ethnic NGOs",
        "?tab=organisations&amp;region=RU-BIG&amp;kind=migrant_ngo": (
            f"All {n} NGOs working with migrants"
        ),
        "?tab=organisations&amp;region=RU-BIG&amp;kind=police": f"All {n} police units",
        "?tab=organisations&amp;region=RU-BIG&amp;kind=authority": f"All {n} authority bodies",
        "?tab=organisations&amp;region=RU-BIG&amp;kind=other": f"All {n} other organisations",
    }
    for query, text in links.items():
        assert f'href="{search_url}{query}">{text} →</a>' in page
    assert page.count('class="card"') == 6 * REGION_SECTION_SIZE


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"region": "RU-BIG", "role": "police_liaison"}, REGION_SECTION_SIZE + 3),
        (
            {"tab": "organisations", "region": "RU-BIG", "kind": "ethnic_ngo"},
            2 * (REGION_SECTION_SIZE + 3),
        ),
    ],
)
def test_the_links_find_what_they_promise(
    big_region: BigRegion, query: dict[str, str], expected: int
) -> None:
    response = _client(User.Role.COORDINATOR).get(reverse("directory:search"), query)
    assert response.context["page"].paginator.count == expected


def test_small_region_has_no_links() -> None:
    region = RegionFactory.create(code="RU-SML")
    _fill_region(region, scale=1)
    page = _client(User.Role.COORDINATOR).get(reverse("directory:region", args=["RU-SML"]))
    assert "→" not in page.text
    assert "All 4 people of the region" in page.text


def test_region_totals_count_only_what_the_viewer_may_see(big_region: BigRegion) -> None:
    home = RegionFactory.create()
    viewer = UserFactory.create(role=User.Role.NGO_MEMBER, person=PersonFactory.create(region=home))
    for liaison in big_region.liaisons[:2]:
        ConsentFactory.create(person=liaison, purpose=Consent.Purpose.NETWORK_LISTING)
    d = region_directory(scope=scope_for(viewer), region=big_region.region)
    assert d.police_liaisons.total == 2
    assert [p.pk for p in d.police_liaisons.shown] == [p.pk for p in big_region.liaisons[:2]]
    assert d.officials.total == 0 and not d.officials.shown
    assert d.people_count == 2
    assert d.ngos.total == 3 * (REGION_SECTION_SIZE + 3)  # organisations are network-wide


def test_region_links_in_russian(big_region: BigRegion) -> None:
    client = _client(User.Role.COORDINATOR)
    with translation.override("ru"):
        page = client.get(
            reverse("directory:region", args=["RU-BIG"]), HTTP_ACCEPT_LANGUAGE="ru"
        ).text
    assert f"Все контактные лица полиции: {REGION_SECTION_SIZE + 3} →" in page


# --- Queries per page do not grow with the data -------------------------------------------------


@contextmanager
def _counting() -> Iterator[CaptureQueriesContext]:
    with CaptureQueriesContext(connection) as captured:
        yield captured


def _queries(client: Client, url: str, params: dict[str, Any] | None = None) -> int:
    with _counting() as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


PAGES: list[tuple[str, dict[str, Any]]] = [
    ("search", {"q": "Постов"}),
    ("search", {"q": "ов"}),
    ("search", {"q": "Постов00"}),
    ("search", {"region": "RU-QC"}),
    ("search", {"community": "tatar"}),
    ("search", {"role": "police_liaison"}),
    ("search", {"tab": "organisations", "kind": "ethnic_ngo"}),
    ("search", {"tab": "organisations", "q": "автономия"}),
    ("region", {}),
]


@pytest.mark.parametrize("role", [User.Role.COORDINATOR, User.Role.NGO_MEMBER])
def test_query_count_does_not_depend_on_the_amount_of_data(role: str) -> None:
    region = RegionFactory.create(code="RU-QC")
    liaisons = _fill_region(region, scale=2)
    client = _client(role, person=liaisons[0])

    def counts() -> list[int]:
        result = []
        for name, params in PAGES:
            url = (
                reverse("directory:region", args=["RU-QC"])
                if name == "region"
                else (reverse("directory:search"))
            )
            result.append(_queries(client, url, params))
        return result

    small = counts()
    more = _fill_region(region, scale=REGION_SECTION_SIZE * 3)
    for liaison in more[::2]:
        ConsentFactory.create(person=liaison, purpose=Consent.Purpose.NETWORK_LISTING)
    assert counts() == small
