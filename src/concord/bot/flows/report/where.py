"""Step 2, where: a typed place, "In my region", one of the suggested regions, or a shared
location (the nearest city within NEAREST_CITY_KM)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from concord.bot.engine import Turn
from concord.bot.flows.report.buttons import ask, cancel, mine_label, same
from concord.bot.flows.report.draft import NAME, Draft
from concord.bot.flows.report.places import nearest_city, place_from_text, place_line
from concord.bot.flows.report.questions import step
from concord.messaging.rendering import esc
from concord.regions.models import Region
from concord.regions.selectors import region_suggest


def place_typed(turn: Turn, draft: Draft, text: str) -> None:
    if turn.person is not None and same(text, mine_label(turn)):
        mine(turn, draft, "")
        return
    place = place_from_text(text, turn.person.region if turn.person else None)
    if place is not None:
        placed(turn, draft, place)
        return
    draft["typed_place"] = text.strip()[:300]
    place_unknown(turn, draft, text.strip())


def place_unknown(turn: Turn, draft: Draft, text: str) -> None:
    line = _("I could not find “%(text)s” among the cities and regions I know.")
    buttons = [(f"report:region:{r.pk}", r.name) for r in region_suggest(text=text)]
    if turn.person is not None:
        buttons.insert(0, ("report:mine", mine_label(turn)))
        question = _("Is it in %(region)s? Or type the name of the city again.") % {
            "region": turn.person.region.name
        }
    else:
        question = _("Did you mean one of these? Or type the name of the city again.")
    shown = text[:100]
    ask(
        turn,
        draft,
        "\n".join([line % {"text": shown}, question]),
        [*buttons, cancel()],
        html="\n".join([line % {"text": esc(shown)}, esc(question)]),
    )
    turn.keep(NAME, draft)


def mine(turn: Turn, draft: Draft, value: str) -> None:
    """ "In my region": the linked person's region, with what they typed as the address."""
    if turn.person is None:
        step(turn, draft, "where")
        return
    address = draft.pop("typed_place", "")
    placed(turn, draft, {"region": turn.person.region_id, "city": None, "address": address})


def region_chosen(turn: Turn, draft: Draft, value: str) -> None:
    region = Region.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if region is None:
        step(turn, draft, "where")
        return
    address = draft.pop("typed_place", "")
    placed(turn, draft, {"region": region.pk, "city": None, "address": address})


def located(turn: Turn, draft: Draft, lat: float, lon: float) -> None:
    found = nearest_city(lat, lon)
    if found is None:
        turn.say(
            _("This place is outside every region we cover. Please type the city where it happens.")
        )
        step(turn, draft, draft["step"])
        return
    city, _km = found
    place = {"region": city.region_id, "city": city.pk, "address": "", "lat": lat, "lon": lon}
    placed(turn, draft, place)


def placed(turn: Turn, draft: Draft, place: dict[str, Any]) -> None:
    draft.pop("typed_place", None)
    draft.update({"lat": None, "lon": None, **place})
    line = _("📍 Place: %(place)s") % {"place": place_line(draft)}
    # The menu comes back under the text field in place of the location button.
    turn.say(line, keyboard=turn.menu_keyboard())
    if draft["step"] in ("what", "where"):
        step(turn, draft, "what" if draft["step"] == "what" else "when")
    else:
        step(turn, draft, draft["step"])
