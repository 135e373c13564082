from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from concord.accounts.models import User
from concord.messaging.models import OutboundMessage
from concord.programme import services
from concord.programme.models import Event, Registration
from concord.programme.tests.conftest import person_in, plan_for
from concord.regions.models import City
from concord.testing.factories import RegionFactory

MOSCOW = ZoneInfo("Europe/Moscow")


def reminders() -> list[int | None]:
    return list(
        OutboundMessage.objects.filter(template="programme.reminder").values_list(
            "person_id", flat=True
        )
    )


def event_on_march_12(city: City, by: User) -> Event:
    start = datetime(2031, 3, 12, 10, 0, tzinfo=MOSCOW)
    plan = plan_for(city, starts_at=start, ends_at=start + timedelta(hours=7), capacity=5)
    return services.event_create(year=2031, plan=plan, by=by)


def registered(event: Event, region_code: str, tz: str, by: User) -> Registration:
    region = RegionFactory.create(code=region_code, timezone=tz)
    services.event_invite_regions(event=event, regions=[region], by=by)
    registration = services.registration_invite(event=event, person=person_in(region), by=by)
    return services.registration_accept(registration=registration, by=None)


def test_each_person_is_reminded_at_ten_the_day_before_in_their_own_zone(
    yaroslavl: City, coordinator: User
) -> None:
    event = event_on_march_12(yaroslavl, coordinator)
    moscow = registered(event, "RU-MOW", "Europe/Moscow", coordinator)
    kamchatka = registered(event, "RU-KAM", "Asia/Kamchatka", coordinator)
    # 10:00 on 11 March in Kamchatka (UTC+12) is 01:00 in Moscow: only Kamchatka is due.
    with time_machine.travel(datetime(2031, 3, 11, 1, 30, tzinfo=MOSCOW)):
        assert services.reminders_queue() == 1
    assert reminders() == [kamchatka.person_id]
    with time_machine.travel(datetime(2031, 3, 11, 10, 5, tzinfo=MOSCOW)):
        services.reminders_queue()
        services.reminders_queue()  # a second run, or a second worker, adds nothing
    assert sorted(p or 0 for p in reminders()) == sorted([moscow.person_id, kamchatka.person_id])


def test_no_reminder_for_waitlisted_declined_or_cancelled(
    yaroslavl: City, coordinator: User
) -> None:
    event = event_on_march_12(yaroslavl, coordinator)
    coming = registered(event, "RU-MOW", "Europe/Moscow", coordinator)
    services.registration_cancel(registration=coming, by=None, by_organiser=False)
    with time_machine.travel(datetime(2031, 3, 11, 12, 0, tzinfo=MOSCOW)):
        assert services.reminders_queue() == 0
    assert reminders() == []
