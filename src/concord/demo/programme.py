"""The seed's programme of 2019 and 2020, replayed through the programme's services.

2019: interregional trainings in Yaroslavl, Samara and Yekaterinburg, regional seminars in 15
regions, a final conference in Moscow with more than 60 participants. 2020: online conferences
in spring with 13 regions, seven trainings (Kaliningrad, Yaroslavl, Izhevsk, Rostov-on-Don,
Kazan, Sochi, Vladimir) with youth activists at Sochi and Izhevsk, last-minute cancellations,
and the final event relocated from Moscow to Kazan.

Everything goes through the same services as real use, so every figure the pages show is
computed from these records. Afterwards the history's timestamps are moved back to the days
they describe, and the notifications the replay queued are dropped: they are about 2019–2020.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from concord.accounts.models import User
from concord.demo import catalog
from concord.directory.models import Organisation, Person, PersonRole
from concord.messaging.models import OutboundMessage
from concord.programme import services
from concord.programme.models import (
    Attendance,
    Event,
    InvitedRegion,
    Registration,
    RegistrationTransition,
)
from concord.regions.models import City, Region

Kind = Event.Kind
Group = InvitedRegion.Group
S = Registration.State


@dataclass(frozen=True)
class Planned:
    kind: str
    code: str  # host region
    month: int
    day: int
    regions: int  # how many regions are invited (the host included)
    venue: str = ""  # "house", "authority" or "" (no venue recorded)
    youth: bool = False
    online: bool = False
    per_region: int = 3


YEAR_2019 = (
    Planned(Kind.TRAINING, "RU-YAR", 5, 14, 12, venue="authority"),
    Planned(Kind.TRAINING, "RU-SAM", 9, 17, 13, venue="house"),
    Planned(Kind.TRAINING, "RU-SVE", 10, 22, 11, venue="authority"),
)
YEAR_2020 = (
    Planned(Kind.ONLINE_CONFERENCE, "RU-MOW", 4, 16, 13, online=True),
    Planned(Kind.ONLINE_CONFERENCE, "RU-MOW", 5, 21, 13, online=True),
    Planned(Kind.TRAINING, "RU-KGD", 7, 7, 12, venue="authority"),
    Planned(Kind.TRAINING, "RU-YAR", 7, 28, 11, venue="authority"),
    Planned(Kind.TRAINING, "RU-UD", 8, 18, 12, venue="house", youth=True),
    Planned(Kind.TRAINING, "RU-ROS", 9, 8, 12, venue="authority"),
    Planned(Kind.TRAINING, "RU-TA", 9, 29, 13, venue="house"),
    Planned(Kind.TRAINING, "RU-KDA", 10, 13, 10, venue="authority", youth=True),
    Planned(Kind.TRAINING, "RU-VLA", 11, 10, 11, venue="authority"),
)
SEMINAR_REGIONS_2019 = 15
DEMO_REASON_RELOCATION = (
    "В Москве ожидается пик заболеваемости COVID-19; конференция переносится в Казань "
    "по согласованию с Домом дружбы народов Республики Татарстан."
)


class ProgrammeBuilder:
    def __init__(self, rng: random.Random, coordinator: User) -> None:
        self.rng = rng
        self.by = coordinator
        self.regions = {r.code: r for r in Region.objects.filter(code__in=_codes())}
        self.ngo_codes = [r.code for r in catalog.REGIONS]
        last = OutboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first()
        self.messages_before = last or 0

    def run(self) -> None:
        for planned in YEAR_2019:
            self.replay(2019, planned)
        self.seminars_2019()
        self.final_conference_2019()
        for planned in YEAR_2020:
            self.replay(2020, planned)
        self.final_event_2020()
        replayed = OutboundMessage.objects.filter(pk__gt=self.messages_before)
        replayed.filter(template__startswith="programme.").delete()

    def replay(self, year: int, planned: Planned) -> Event:
        event = self.create(year, planned)
        invited = self.invite_regions(event, planned)
        registrations = self.invite_people(event, invited, planned)
        self.answer_and_attend(event, registrations, no_show_share=0.06)
        return event

    # --- creating events ---------------------------------------------------------------

    def create(self, year: int, planned: Planned, *, title: str = "", capacity: int = 0) -> Event:
        region = self.regions[planned.code]
        city = _main_city_of(region)
        starts, ends = _times(year, planned, ZoneInfo(city.timezone if city else "Europe/Moscow"))
        invited_people = planned.regions * planned.per_region
        plan = services.EventPlan(
            kind=planned.kind,
            title=title or _title(planned.kind, city, year),
            host_region=region,
            host_city=city,
            venue=self.venue(region, planned.venue),
            starts_at=starts,
            ends_at=ends,
            format=Event.Format.ONLINE if planned.online else Event.Format.IN_PERSON,
            meeting_url="https://meet.example.org/concord-" + str(year) if planned.online else "",
            capacity_in_person=0 if planned.online else capacity or int(invited_people * 0.8),
            capacity_online=(capacity or invited_people) if planned.online else 0,
        )
        event = services.event_create(year=year, plan=plan, by=self.by)
        services.event_status_set(event=event, status=Event.Status.CONFIRMED, by=self.by)
        return event

    def venue(self, region: Region, which: str) -> Organisation | None:
        kinds = {"house": Organisation.Kind.HOST, "authority": Organisation.Kind.AUTHORITY}
        if which not in kinds:
            return None
        return Organisation.objects.filter(region=region, kind=kinds[which]).order_by("pk").first()

    def invite_regions(self, event: Event, planned: Planned) -> list[Region]:
        others = [code for code in self.ngo_codes if code != planned.code]
        codes = sorted(self.rng.sample(others, planned.regions - 1))
        if planned.code in self.ngo_codes:
            codes = [planned.code, *codes]
        else:
            codes = sorted(self.rng.sample(others, planned.regions))
        regions = [self.regions[code] for code in codes]
        services.event_invite_regions(event=event, regions=regions, by=self.by)
        if planned.youth:
            services.event_invite_regions(
                event=event, regions=regions[:6], by=self.by, group=Group.YOUTH
            )
        return regions

    def invite_people(
        self, event: Event, regions: list[Region], planned: Planned
    ) -> list[Registration]:
        registrations = []
        for region in regions:
            leaders = _people(region, PersonRole.Role.LEADER)
            for person in self.rng.sample(leaders, min(planned.per_region, len(leaders))):
                registrations.append(self.invite(event, person, Group.MAIN))
        if planned.youth:
            for region in regions[:6]:
                for person in _people(region, PersonRole.Role.YOUTH_ACTIVIST)[:2]:
                    registrations.append(self.invite(event, person, Group.YOUTH))
        return registrations

    def invite(self, event: Event, person: Person, group: str) -> Registration:
        return services.registration_invite(event=event, person=person, by=self.by, group=group)

    # --- answers, cancellations, attendance --------------------------------------------

    def answer_and_attend(
        self, event: Event, registrations: list[Registration], *, no_show_share: float
    ) -> None:
        for registration in registrations:
            if self.rng.random() < 0.1:
                services.registration_decline(registration=registration, by=None)
            else:
                services.registration_accept(registration=registration, by=None)
        self.last_minute_cancellations(event)
        for registration in event.registrations.filter(state=S.REGISTERED).order_by("pk"):
            services.registration_confirm(registration=registration, by=self.by)
        self.attend(event, no_show_share)
        services.event_attendance_close(event=event, by=self.by)
        _backdate(event)

    def last_minute_cancellations(self, event: Event) -> None:
        """As in 2020, some cancel at the last minute; their places go to the waiting list."""
        holding = list(event.registrations.filter(state=S.REGISTERED).order_by("pk"))
        for registration in self.rng.sample(holding, min(len(holding) // 12, len(holding))):
            services.registration_cancel(registration=registration, by=None, by_organiser=False)
        for offered in event.registrations.filter(state=S.OFFERED).order_by("pk"):
            services.registration_accept(registration=offered, by=None)

    def attend(self, event: Event, no_show_share: float) -> None:
        days = services.event_days(event)
        present = event.registrations.filter(state=S.CONFIRMED).select_related("event", "person")
        for registration in present.order_by("pk"):
            if self.rng.random() < no_show_share:
                continue
            for index, day in enumerate(days):
                if index == 0 or self.rng.random() > 0.05:
                    services.attendance_check_in(registration=registration, day=day, by=self.by)

    # --- the special events ------------------------------------------------------------

    def seminars_2019(self) -> None:
        for index, code in enumerate(sorted(self.rng.sample(self.ngo_codes, SEMINAR_REGIONS_2019))):
            planned = Planned(Kind.SEMINAR, code, 3 + index // 2, 5 + (index % 2) * 14, 1)
            event = self.create(2019, replace_per_region(planned, 8), capacity=25)
            region = self.regions[code]
            services.event_invite_regions(event=event, regions=[region], by=self.by)
            people = _people(region, PersonRole.Role.LEADER) + _people(
                region, PersonRole.Role.ACTIVIST
            )
            registrations = [self.invite(event, p, Group.MAIN) for p in people[:12]]
            self.answer_and_attend(event, registrations, no_show_share=0.1)

    def final_conference_2019(self) -> None:
        planned = Planned(Kind.CONFERENCE, "RU-MOW", 12, 10, len(self.ngo_codes), per_region=3)
        event = self.create(2019, planned, title="Итоговая конференция 2019 года", capacity=80)
        regions = [self.regions[code] for code in self.ngo_codes]
        services.event_invite_regions(event=event, regions=regions, by=self.by)
        registrations = self.invite_people(event, regions, planned)
        self.answer_and_attend(event, registrations, no_show_share=0.05)

    def final_event_2020(self) -> None:
        """Planned for Moscow; moved to Kazan when Moscow had the most infections."""
        planned = Planned(Kind.CONFERENCE, "RU-MOW", 12, 8, 20, per_region=3)
        event = self.create(2020, planned, title="Итоговая конференция 2020 года", capacity=60)
        regions = self.invite_regions(event, planned)
        registrations = self.invite_people(event, regions, planned)
        for registration in registrations:
            services.registration_accept(registration=registration, by=None)
        kazan = _main_city_of(self.regions["RU-TA"])
        house = self.venue(self.regions["RU-TA"], "house")
        services.event_relocate(
            event=event, city=kazan, venue=house, reason=DEMO_REASON_RELOCATION, by=self.by
        )
        self.answer_and_attend(event, [], no_show_share=0.08)


def replace_per_region(planned: Planned, per_region: int) -> Planned:
    return Planned(**{**planned.__dict__, "per_region": per_region})


def _codes() -> set[str]:
    return {r.code for r in catalog.REGIONS} | {h.region for h in catalog.HOST_CITIES}


# Host cities that are not their region's main city.
HOST_CITY_EN = {"RU-KDA": "Sochi"}


def _main_city_of(region: Region) -> City | None:
    if region.code in HOST_CITY_EN:
        return City.objects.filter(region=region, name_en=HOST_CITY_EN[region.code]).first()
    return region.capital or City.objects.filter(region=region).order_by("-population").first()


def _people(region: Region, role: str) -> list[Person]:
    return list(Person.objects.filter(region=region, roles__role=role).order_by("pk"))


def _title(kind: str, city: City | None, year: int) -> str:
    place = city.name_ru if city else ""
    titles: dict[str, str] = {
        Kind.TRAINING: f"Межрегиональный тренинг: {place}, {year}",
        Kind.SEMINAR: f"Региональный семинар: {place}, {year}",
        Kind.ONLINE_CONFERENCE: f"Онлайн-конференция НКО, {year}",
        Kind.CONFERENCE: f"Конференция: {place}, {year}",
    }
    return titles[kind]


def _times(year: int, planned: Planned, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime(year, planned.month, planned.day, 10, 0, tzinfo=tz)
    lengths: dict[str, timedelta] = {
        Kind.TRAINING: timedelta(days=2, hours=7),
        Kind.SEMINAR: timedelta(hours=5),
        Kind.CONFERENCE: timedelta(hours=7, minutes=30),
        Kind.ONLINE_CONFERENCE: timedelta(hours=3),
    }
    return start, start + lengths[planned.kind]


# How long before the event each kind of change happened, for the backdated history.
BEFORE_START = {
    S.INVITED: timedelta(days=30),
    S.DECLINED: timedelta(days=21),
    S.REGISTERED: timedelta(days=20),
    S.WAITLISTED: timedelta(days=19),
    S.CONFIRMED: timedelta(days=5),
    S.CANCELLED_BY_PERSON: timedelta(days=1),
    S.OFFERED: timedelta(hours=20),
}


def _backdate(event: Event) -> None:
    """Move the replayed history back to the days it describes.

    The rows are picked by id first: an UPDATE … WHERE id IN (a join) on tables PostgreSQL
    has no statistics for yet (inside the demo's transaction) gets a quadratic plan."""
    transitions = RegistrationTransition.objects.filter(
        pk__in=list(
            RegistrationTransition.objects.filter(registration__event=event).values_list(
                "pk", flat=True
            )
        )
    )
    for state, before in BEFORE_START.items():
        transitions.filter(to_state=state).update(at=event.starts_at - before)
    transitions.filter(to_state=S.ATTENDED).update(at=event.starts_at)
    transitions.filter(to_state=S.NO_SHOW).update(at=event.ends_at + timedelta(hours=2))
    event.registrations.update(created_at=event.starts_at - BEFORE_START[S.INVITED])
    attendance = Attendance.objects.filter(registration__event=event).values_list("pk", flat=True)
    Attendance.objects.filter(pk__in=list(attendance)).update(checked_in_at=event.starts_at)
    event.disruptions.update(at=event.starts_at - timedelta(days=25))
    Event.objects.filter(pk=event.pk).update(created_at=event.starts_at - timedelta(days=60))
