"""A person's private calendar feed: created the first time it is asked for."""

from __future__ import annotations

from concord.directory.models import Person
from concord.programme.models import CalendarFeed


def calendar_feed_for(*, person: Person) -> CalendarFeed:
    """The person's feed (with its secret token), made on first use; safe to call concurrently."""
    feed, _created = CalendarFeed.objects.get_or_create(person=person)
    return feed
