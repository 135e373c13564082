"""Incidents in the demo: response circles from the directory, and 25 cases of the last weeks.

Every case goes through the same services as real use (report_submit, case_take,
case_transition, case_resolve, case_decline), so the timelines, alerts and escalations are the
real ones. The services stamp everything with `timezone.now()`; afterwards each case's
timestamps are moved back to when the case is meant to have happened, step by step (opened,
taken, verified …), with `QuerySet.update()`. That rewriting is for the demo only — nothing
else in Concord ever changes a timeline — and the messages the replay queued are dropped, as
the programme's replay does: they are about the past.

The cases are a fixed list (no random draw): the same build always gives the same cases.
Samara has a run of serious cases in the last two days, so the tension dashboard shows a
region well above its usual level; the other regions have a case here and there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Model, QuerySet
from django.utils import timezone

from concord.accounts.models import User
from concord.directory.models import EthnicCommunity, Organisation, Person, PersonRole
from concord.incidents import services
from concord.incidents.models import Alert, Case, CaseEntry, ClusterAlert, Report, Source
from concord.messaging.models import OutboundMessage
from concord.regions.models import City, Region

S = Case.State
Role = PersonRole.Role
# Each step of a case happens this long after the previous one (in the demo's past).
STEP_AFTER = {
    "taken": timedelta(minutes=25),
    "verified": timedelta(hours=3),
    "action": timedelta(hours=20),
    "resolved": timedelta(days=2),
    "declined": timedelta(minutes=40),
}
PLACE_STEP_DEGREES = 0.06  # cases of one region lie ~6 km apart: never joined by place


@dataclass(frozen=True)
class DemoCase:
    code: str  # the region
    days_ago: float
    text: str
    steps: tuple[str, ...] = ()  # "taken", "verified", "action", "resolved", "invalid", …
    address: str = ""
    hurt: str = "unknown"
    crowd: str = "unknown"
    when: str = "now"
    more_reports: int = 0  # further reports about the same place by others
    outcome: str = ""
    lesson: str = ""


RESOLVED = ("taken", "verified", "action", "resolved")
CASES: tuple[DemoCase, ...] = (
    # Samara: a run of serious cases in the last two days — the tension dashboard's alert.
    DemoCase(
        "RU-SAM",
        0.15,
        "Драка у рынка между двумя группами молодёжи, есть пострадавшие",
        steps=("taken",),
        address="Центральный рынок",
        hurt="yes",
        crowd="tens",
        more_reports=1,
    ),
    DemoCase(
        "RU-SAM",
        0.9,
        "У общежития собралась толпа, кричат угрозы в адрес приезжих",
        steps=("taken", "verified"),
        address="ул. Мичурина, общежитие",
        crowd="many",
    ),
    DemoCase(
        "RU-SAM",
        1.6,
        "Угрожают владельцу кафе, требуют «уехать к себе»",
        steps=("taken", "verified", "action"),
        address="кафе «Чайхана»",
    ),
    DemoCase(
        "RU-SAM",
        24,
        "Надписи на стене Дома дружбы",
        steps=RESOLVED,
        when="past",
        outcome="Надписи закрашены, полиция нашла авторов — подростков из соседнего двора.",
        lesson="Быстрая реакция Дома дружбы и полиции сняла напряжение за один день.",
    ),
    # Yaroslavl: the regional coordinator's and the police liaison's region.
    DemoCase(
        "RU-YAR",
        0.05,
        "Слухи в районном чате, что в субботу будет «сход» против мигрантов",
        when="expected",
    ),
    DemoCase(
        "RU-YAR",
        3,
        "Конфликт соседей из-за парковки перешёл на национальность",
        steps=RESOLVED,
        address="ул. Свободы, 12",
        outcome="Соседей помирил участковый вместе с председателем национально-культурной "
        "автономии.",
        lesson="Участковому полезно знать лидеров общин своего участка в лицо.",
    ),
    DemoCase(
        "RU-YAR",
        9,
        "Сообщение о драке у школы не подтвердилось",
        steps=("taken", "invalid"),
        address="школа № 5",
        hurt="no",
    ),
    DemoCase(
        "RU-YAR",
        30,
        "Оскорбления в адрес учеников-мигрантов в школе",
        steps=RESOLVED,
        when="past",
        outcome="Проведён классный час с приглашёнными представителями общин.",
        lesson="Школе нужен контакт НКО на случай конфликтов между детьми.",
    ),
    # Kazan: the NGO login's region.
    DemoCase(
        "RU-TA",
        0.4,
        "Нападение на продавца на остановке, его избили",
        steps=("escalated",),
        address="остановка «Кольцо»",
        hurt="yes",
    ),
    DemoCase("RU-TA", 6, "Листовки с призывами выгнать «чужих» у мечети", steps=("taken",)),
    DemoCase(
        "RU-TA",
        18,
        "Спор на стройке между бригадами разных национальностей",
        steps=RESOLVED,
        outcome="Прораб и диаспоры договорились о правилах на объекте.",
        lesson="Договорённость, записанная при свидетелях, работает лучше устной.",
    ),
    # Moscow and the other host regions.
    DemoCase("RU-MOW", 0.2, "Ссора в электричке, пассажиры разнимали", hurt="no"),
    DemoCase(
        "RU-MOW",
        12,
        "Митинг у префектуры против строительства храма",
        crowd="many",
        steps=("taken", "verified", "action"),
    ),
    DemoCase(
        "RU-SVE",
        2,
        "Угрозы в адрес студентов из Средней Азии в общежитии",
        steps=("taken", "verified"),
    ),
    DemoCase(
        "RU-SVE",
        21,
        "Драка в кафе после футбольного матча",
        steps=RESOLVED,
        when="past",
        hurt="yes",
        outcome="Зачинщики задержаны, с болельщиками проведена встреча.",
        lesson="Перед матчами предупреждать кафе и общины.",
    ),
    DemoCase("RU-KGD", 4, "Вандализм на кладбище: разбиты памятники", steps=("taken",)),
    DemoCase(
        "RU-UD",
        15,
        "Слухи о «нападениях приезжих» оказались выдумкой",
        steps=("taken", "invalid"),
        when="past",
    ),
    DemoCase(
        "RU-ROS",
        1.2,
        "Группа подростков преследует девушку в хиджабе",
        steps=("taken",),
    ),
    DemoCase(
        "RU-ROS",
        27,
        "Конфликт на рынке из-за торговых мест",
        steps=RESOLVED,
        outcome="Администрация рынка перераспределила места при участии общин.",
        lesson="Экономические споры быстро становятся национальными: вмешиваться рано.",
    ),
    DemoCase("RU-KDA", 5, "Оскорбления в адрес армянской семьи на пляже", steps=("taken",)),
    DemoCase(
        "RU-VLA",
        33,
        "Надпись на заборе национально-культурного центра",
        steps=RESOLVED,
        when="past",
        outcome="Надпись закрашена, центр установил камеру.",
        lesson="Видеокамера у входа — простая и дешёвая защита.",
    ),
    # Regions without a training: alerts reach the leaders of their communities' NGOs.
    DemoCase("RU-DA", 0.6, "Ссора у мечети переросла в потасовку", hurt="no", crowd="tens"),
    DemoCase(
        "RU-NVS",
        8,
        "В соцсетях призывают «разобраться» с общиной",
        steps=("taken", "verified"),
    ),
    DemoCase(
        "RU-IRK",
        40,
        "Драка в общежитии колледжа",
        steps=RESOLVED,
        when="past",
        outcome="Колледж провёл встречу студентов с лидерами общин.",
        lesson="Студенческие общежития — место для профилактических встреч.",
    ),
    DemoCase("RU-BA", 11, "Сообщение о поджоге не подтвердилось", steps=("taken", "invalid")),
)


@dataclass
class IncidentsReport:
    circle_members: int = 0
    cases: list[int] = field(default_factory=list)


def demo_incidents_build(*, users: dict[str, User]) -> IncidentsReport:
    """Fill the demo regions' circles and replay CASES (module docstring)."""
    coordinator = users["coordinator"]
    report = IncidentsReport()
    codes = sorted({case.code for case in CASES})
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    for code in codes:
        region = regions[code]
        report.circle_members += services.circle_fill_from_directory(
            region=region, user=coordinator
        )
    before = OutboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    now = timezone.now()
    for index, planned in enumerate(CASES):
        case = _CaseReplay(planned, regions[planned.code], coordinator, index).run(now)
        report.cases.append(case.pk)
    replayed = OutboundMessage.objects.filter(pk__gt=before, template__startswith="incidents.")
    replayed.delete()
    return report


class _CaseReplay:
    """One DemoCase through the services, then moved back to its days."""

    def __init__(self, planned: DemoCase, region: Region, coordinator: User, index: int) -> None:
        self.planned = planned
        self.region = region
        self.by = coordinator
        self.index = index
        self.city = _city(region)
        self.marks: list[tuple[datetime, timedelta]] = []  # real start of a step, its offset

    def run(self, now: datetime) -> Case:
        opened = now - timedelta(days=self.planned.days_ago)
        self.marks.append((timezone.now(), timedelta(0)))
        report = self.submit(_reporters(self.region)[self.index % 3 :])
        case = report.case
        for extra in range(self.planned.more_reports):
            self.submit(_reporters(self.region)[extra + 1 :], minutes=15 * (extra + 1))
        offset = timedelta(0)
        for step in self.planned.steps:
            offset += STEP_AFTER.get(step, timedelta(hours=1))
            self.marks.append((timezone.now(), offset))
            try:
                case = self.act(step, Case.objects.get(pk=case.pk))
            except services.CaseActionError:
                # Only when building over an older demo's cases (the report joined one of
                # them): the step its state no longer allows is skipped.
                continue
        _backdate(case, opened, self.marks)
        return case

    def submit(self, reporters: list[Person], minutes: int = 0) -> Report:
        if minutes:
            self.marks.append((timezone.now(), timedelta(minutes=minutes)))
        lat, lon = _place(self.city, self.region, self.index)
        draft = services.ReportDraft(
            text=self.planned.text,
            region=self.region,
            city=self.city,
            address=self.planned.address,
            latitude=lat,
            longitude=lon,
            when=self.planned.when,
            crowd=self.planned.crowd,
            hurt=self.planned.hurt,
            communities=_communities(self.region),
            named_consent=self.index % 2 == 0,
        )
        reporter = reporters[0] if reporters else None
        source = Source.TELEGRAM if self.index % 3 else Source.WEB
        return services.report_submit(draft=draft, source=source, reporter=reporter)

    def act(self, step: str, case: Case) -> Case:
        if step == "taken":
            alerted = case.alerts.select_related("person").order_by("tier", "pk").first()
            person = alerted.person if alerted else None
            services.case_take(case=case, person=person, user=None if person else self.by)
        elif step == "verified":
            services.case_transition(case=case, to_state=S.VERIFIED, user=self.by)
        elif step == "action":
            services.case_transition(case=case, to_state=S.ACTION_TAKEN, user=self.by)
        elif step == "resolved":
            p = self.planned
            services.case_resolve(case=case, outcome=p.outcome, lesson=p.lesson, user=self.by)
        elif step == "invalid":
            comment = "Проверка на месте: событие не подтвердилось."
            services.case_transition(
                case=case, to_state=S.INVALIDATED, user=self.by, comment=comment
            )
        elif step == "escalated":
            # Everyone alerted answers "not mine": the case goes up to the next tier.
            for alert in case.alerts.filter(tier=0).select_related("person").order_by("pk"):
                services.case_decline(case=Case.objects.get(pk=case.pk), person=alert.person)
        return Case.objects.get(pk=case.pk)


def _city(region: Region) -> City | None:
    return (
        region.capital or City.objects.filter(region=region).order_by("-population", "pk").first()
    )


def _place(city: City | None, region: Region, index: int) -> tuple[float | None, float | None]:
    """Each case its own spot, a few kilometres from the others of its region."""
    if city is None:
        return None, None
    return city.latitude + PLACE_STEP_DEGREES * (index % 7), city.longitude


def _reporters(region: Region) -> list[Person]:
    """The region's NGO leaders and activists, in a fixed order; a coordinator if none."""
    roles = (Role.LEADER, Role.ACTIVIST, Role.YOUTH_ACTIVIST)
    people = Person.objects.filter(region=region, roles__role__in=roles).distinct()
    return list(people.order_by("last_name", "first_name", "pk")[:5])


def _communities(region: Region) -> list[EthnicCommunity]:
    """The community of the region's first ethnic NGO: its leaders are in the circle."""
    ngo = (
        Organisation.objects.filter(region=region, kind=Organisation.Kind.ETHNIC_NGO)
        .order_by("name", "pk")
        .first()
    )
    community = ngo.communities.order_by("slug").first() if ngo else None
    return [community] if community else []


# --- moving a case back in time (demo only) ------------------------------------------------

TIMESTAMPS: dict[type[Model], tuple[str, ...]] = {
    Case: ("opened_at", "last_report_at", "acknowledged_at", "resolved_at", "next_escalation_at"),
    Report: ("received_at",),
    CaseEntry: ("created_at",),
    Alert: ("alerted_at", "answered_at"),
}


def _case_rows(case: Case) -> dict[type[Model], QuerySet[Model]]:
    return {
        Case: Case.objects.filter(pk=case.pk),
        Report: Report.objects.filter(case=case),
        CaseEntry: CaseEntry.objects.filter(case=case),
        Alert: Alert.objects.filter(case=case),
    }


def _backdate(case: Case, opened: datetime, marks: list[tuple[datetime, timedelta]]) -> None:
    """Move every timestamp of the case written during step n (from marks[n]'s real start to
    the next one's) to `opened` + that step's offset, keeping the seconds between them.

    Moved values land hours or days in the past, before every window, so none is moved twice.
    """
    rows = _case_rows(case)
    for model, fields in TIMESTAMPS.items():
        for name in fields:
            for n, (began, offset) in enumerate(marks):
                window = {f"{name}__gte": began}
                if n + 1 < len(marks):
                    window[f"{name}__lt"] = marks[n + 1][0]
                shift = opened + offset - began
                rows[model].filter(**window).update(**{name: F(name) + shift})
    ClusterAlert.objects.filter(raised_at__gte=marks[0][0]).update(
        raised_at=F("raised_at") + (opened - marks[0][0])
    )
