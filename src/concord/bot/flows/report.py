"""Report a problem: six short steps, each with buttons, then one call to the incidents app.

    1 what happened  text, and/or photos, voice messages, videos, files; "Next" once given
    2 where          "In <my region>", a shared location (nearest city within 300 km), or a
                     typed city / address / region
    3 when           happening now / already happened / expected (rumours of a planned clash)
    4 people, hurt   how many, and whether anyone is hurt, in one tap
    5 communities    the communities of the region's organisations, several may be chosen
                     (skipped when the region has none)
    6 review, send   with or without consent to be named to the police and officials

The draft is kept in the chat's stored state (`Turn.keep`), so it survives restarts and a
detour through another menu: tapping "Report a problem" again offers to continue it or start
again. Every step has a Cancel button. Anyone may report, linked or not; an unlinked person
is told afterwards how to get linked. `report_submit` acknowledges with the case number itself.

WhatsApp shows at most three reply buttons of 20 characters: longer choices are listed with
numbers, and the person answers with the number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord.bot.engine import Flow, Turn, flow
from concord.directory.models import EthnicCommunity
from concord.incidents.models import Report, Source
from concord.incidents.services import (
    ATTACHMENT_MAX_BYTES,
    TEXT_MAX,
    AttachmentDraft,
    ReportDraft,
    report_submit,
)
from concord.messaging.models import Channel
from concord.messaging.rendering import esc
from concord.regions.models import City, Region
from concord.regions.naming import name_fold
from concord.regions.selectors import city_match, distance_km, region_match, region_suggest

NAME = "report"
NEAREST_CITY_KM = 300.0
COMMUNITIES_SHOWN = 8
WHATSAPP_BUTTONS, WHATSAPP_TITLE = 3, 20  # the Cloud API's reply-button limits
_NUMBERS = re.compile(r"^[\d\s,;.]+$")
_CITY_WORDS = re.compile(r"^(?:г|гор|город|city of|city)\s+|\s+(?:city|город)$")

WHEN = {"now": Report.When.NOW, "past": Report.When.PAST, "expected": Report.When.EXPECTED}
PEOPLE = {  # button -> (crowd, hurt)
    "few": (Report.Crowd.FEW, Report.Hurt.NO),
    "tens": (Report.Crowd.TENS, Report.Hurt.NO),
    "many": (Report.Crowd.MANY, Report.Hurt.NO),
    "hurt": (Report.Crowd.UNKNOWN, Report.Hurt.YES),
    "unknown": (Report.Crowd.UNKNOWN, Report.Hurt.UNKNOWN),
}
FILE_WORDS = {
    "photo": gettext_noop("photo"),
    "voice": gettext_noop("voice message"),
    "video": gettext_noop("video"),
    "document": gettext_noop("file"),
}


def _cancel_label() -> str:
    return _("✖ Cancel")


def _cancel() -> tuple[str, str]:
    return ("report:cancel", _cancel_label())


def _same(typed: str, label: str) -> bool:
    """A reply-keyboard label arrives as typed text: compare letters and digits only."""
    return name_fold(typed) == name_fold(label) and bool(name_fold(label))


# --- the draft in the chat's stored state ---------------------------------------------------


def _new_draft() -> dict[str, Any]:
    return {"step": "what", "text": "", "files": [], "communities": []}


def _has_content(draft: dict[str, Any]) -> bool:
    return bool(draft.get("text") or draft.get("files") or draft.get("step") != "what")


def _region(draft: dict[str, Any]) -> Region | None:
    region_id = draft.get("region")
    return Region.objects.filter(pk=region_id).first() if region_id else None


def _city(draft: dict[str, Any]) -> City | None:
    city_id = draft.get("city")
    return City.objects.select_related("region").filter(pk=city_id).first() if city_id else None


# --- finding the place ----------------------------------------------------------------------


def nearest_city(lat: float, lon: float) -> tuple[City, float] | None:
    """The nearest city of the loaded countries and its distance, within NEAREST_CITY_KM."""
    lat_span = NEAREST_CITY_KM / 111.0 + 0.5
    cities = City.objects.filter(latitude__range=(lat - lat_span, lat + lat_span))
    lon_span = lat_span / max(math.cos(math.radians(min(abs(lat) + lat_span, 89.0))), 0.01)
    if lon - lon_span > -180 and lon + lon_span < 180:  # no box across the antimeridian
        cities = cities.filter(longitude__range=(lon - lon_span, lon + lon_span))
    found = [(distance_km(lat, lon, c.latitude, c.longitude), c.pk, c) for c in cities]
    if not found:
        return None
    km, _pk, city = min(found)
    return (city, km) if km <= NEAREST_CITY_KM else None


def city_named(text: str, prefer: Region | None) -> City | None:
    """A city of any loaded region named `text` (any case, ё or е, with "г."); one of the
    preferred region first, else the most populous of that name."""
    if prefer is not None and (city := city_match(region=prefer, text=text)):
        return city
    wanted = _CITY_WORDS.sub("", name_fold(text)).strip()
    if not wanted:
        return None
    first = wanted[0]
    candidates = City.objects.filter(
        Q(name_ru__istartswith=first)
        | Q(name_ru__startswith=first.upper())
        | Q(name_en__istartswith=first)
        | Q(name_ru__istartswith="ё" if first == "е" else first)
    ).order_by("-population", "pk")
    for city in candidates.select_related("region"):
        if wanted in {name_fold(city.name_ru), name_fold(city.name_en)}:
            return city
    return None


def place_from_text(text: str, prefer: Region | None) -> dict[str, Any] | None:
    """{"region", "city", "address"} from "City, street …", a region's name, or a city alone."""
    head, _comma, rest = text.partition(",")
    if city := city_named(head, prefer):
        return {"region": city.region_id, "city": city.pk, "address": rest.strip()[:300]}
    if region := region_match(text=text):
        return {"region": region.pk, "city": None, "address": ""}
    if rest and (region := region_match(text=head)):
        return {"region": region.pk, "city": None, "address": rest.strip()[:300]}
    return None


def _place_line(draft: dict[str, Any]) -> str:
    city, region = _city(draft), _region(draft)
    parts = [city.name if city else "", region.name if region else "", draft.get("address", "")]
    return ", ".join(p for p in parts if p)


# --- the flow -------------------------------------------------------------------------------


@flow(NAME)
class ReportProblem(Flow):
    menu_label = gettext_noop("🆘 Report a problem")
    menu_hint = gettext_noop("tell the network about tension or a conflict, or a rumour of one")
    menu_order = 30
    needs_link = False
    callback_prefix = "report"

    def begin(self, turn: Turn, argument: str = "") -> None:
        draft = turn.kept(NAME)
        if draft and _has_content(draft):
            turn.say(
                _("You have a report that is not sent yet. Continue it, or start again?"),
                buttons=[
                    ("report:resume", _("▶ Continue my report")),
                    ("report:restart", _("🔄 Start again")),
                    _cancel(),
                ],
            )
            return
        self._start(turn)

    def _start(self, turn: Turn) -> None:
        draft = _new_draft()
        self._step(turn, draft, "what")

    def _step(self, turn: Turn, draft: dict[str, Any], step: str) -> None:
        """Go to `step`, store the draft, and ask the step's question."""
        draft["step"] = step
        turn.goto(NAME, step)
        turn.keep(NAME, draft)
        ASKS[step](turn, draft)
        turn.keep(NAME, draft)  # the question may have noted its numbered options

    # --- what comes in ----------------------------------------------------------------------

    def on_text(self, turn: Turn, text: str) -> None:
        draft = turn.kept(NAME)
        if draft is None:
            self._start(turn)
            return
        if _same(text, _cancel_label()):
            self._cancelled(turn)
        elif draft.get("options") and _NUMBERS.match(text.strip()):
            self._numbers(turn, draft, text)
        elif draft["step"] == "what":
            self._text_add(turn, draft, text)
        elif draft["step"] == "where":
            self._place_typed(turn, draft, text)
        else:
            turn.say(_("Please answer with the buttons below."))
            self._step(turn, draft, draft["step"])

    def _numbers(self, turn: Turn, draft: dict[str, Any], text: str) -> None:
        """WhatsApp's numbered choices: "2", or "1 3" for several communities."""
        options: list[str] = draft["options"]
        chosen = [int(n) for n in re.findall(r"\d+", text)]
        if not chosen or any(not 1 <= n <= len(options) for n in chosen):
            turn.say(_("Please answer with one of the numbers in the list."))
            self._step(turn, draft, draft["step"])
            return
        for number in chosen[:-1]:  # several communities: all but the last quietly
            self._community_toggle(turn, draft, options[number - 1].rsplit(":", 1)[1], ask=False)
        self.on_button(turn, options[chosen[-1] - 1])

    def on_media(self, turn: Turn) -> None:
        draft = turn.kept(NAME)
        if draft is None:
            self._start(turn)
            return
        incoming = turn.incoming
        if incoming.location is not None:
            self._located(turn, draft, incoming.location.lat, incoming.location.lon)
            return
        added = self._files_add(turn, draft)
        if incoming.text.strip() and not self._text_fits(turn, draft, incoming.text):
            added = False
        elif incoming.text.strip():
            draft["text"] = "\n".join(t for t in (draft["text"], incoming.text.strip()) if t)
            added = True
        if added and draft["step"] != "what":
            turn.say(_("Added to your report."))
        self._step(turn, draft, draft["step"])

    def on_button(self, turn: Turn, data: str) -> None:
        parts = data.split(":")
        action, value = parts[1] if len(parts) > 1 else "", ":".join(parts[2:])
        draft = turn.kept(NAME)
        if action == "restart":
            self._start(turn)
        elif draft is None:
            turn.say(_("This report was already sent or cancelled."))
            turn.menu()
        elif action in BUTTONS:
            BUTTONS[action](self, turn, draft, value)
        else:
            turn.not_understood()

    # --- step 1: what happened --------------------------------------------------------------

    def _text_fits(self, turn: Turn, draft: dict[str, Any], text: str) -> bool:
        length = len(draft["text"]) + len(text.strip()) + (1 if draft["text"] else 0)
        if length <= TEXT_MAX:
            return True
        turn.say(
            _(
                "This is too long: %(length)d characters, and a report holds at most "
                "%(limit)d. Please write it shorter. What you sent before is kept."
            )
            % {"length": length, "limit": TEXT_MAX}
        )
        return False

    def _text_add(self, turn: Turn, draft: dict[str, Any], text: str) -> None:
        if self._text_fits(turn, draft, text):
            draft["text"] = "\n".join(t for t in (draft["text"], text.strip()) if t)
        self._step(turn, draft, "what")

    def _files_add(self, turn: Turn, draft: dict[str, Any]) -> bool:
        added = False
        for attachment in turn.incoming.attachments:
            if attachment.size is not None and attachment.size > ATTACHMENT_MAX_BYTES:
                turn.say(
                    _(
                        "This file is too large to keep: the limit is %(limit)d MB. Your report "
                        "is kept; you can describe in words what the file shows."
                    )
                    % {"limit": ATTACHMENT_MAX_BYTES // (1024 * 1024)}
                )
                continue
            draft["files"].append(
                {
                    "kind": attachment.kind,
                    "file_id": attachment.file_id,
                    "size": attachment.size,
                    "mime": attachment.mime,
                    "channel": turn.incoming.channel,
                }
            )
            added = True
        return added

    def _next(self, turn: Turn, draft: dict[str, Any], value: str) -> None:
        if not (draft["text"].strip() or draft["files"]):
            turn.say(
                _(
                    "Please tell first what happened: write a few words, or send a photo or a "
                    "voice message."
                )
            )
            self._step(turn, draft, "what")
            return
        self._step(turn, draft, "where")

    # --- step 2: where ----------------------------------------------------------------------

    def _place_typed(self, turn: Turn, draft: dict[str, Any], text: str) -> None:
        if turn.person is not None and _same(text, _mine_label(turn)):
            self._mine(turn, draft, "")
            return
        place = place_from_text(text, turn.person.region if turn.person else None)
        if place is not None:
            self._placed(turn, draft, place)
            return
        draft["typed_place"] = text.strip()[:300]
        self._place_unknown(turn, draft, text.strip())

    def _place_unknown(self, turn: Turn, draft: dict[str, Any], text: str) -> None:
        line = _("I could not find “%(text)s” among the cities and regions I know.")
        buttons = [(f"report:region:{r.pk}", r.name) for r in region_suggest(text=text)]
        if turn.person is not None:
            buttons.insert(0, ("report:mine", _mine_label(turn)))
            ask = _("Is it in %(region)s? Or type the name of the city again.") % {
                "region": turn.person.region.name
            }
        else:
            ask = _("Did you mean one of these? Or type the name of the city again.")
        shown = text[:100]
        _ask(
            turn,
            draft,
            "\n".join([line % {"text": shown}, ask]),
            [*buttons, _cancel()],
            html="\n".join([line % {"text": esc(shown)}, esc(ask)]),
        )
        turn.keep(NAME, draft)

    def _mine(self, turn: Turn, draft: dict[str, Any], value: str) -> None:
        if turn.person is None:
            self._step(turn, draft, "where")
            return
        address = draft.pop("typed_place", "")
        self._placed(
            turn, draft, {"region": turn.person.region_id, "city": None, "address": address}
        )

    def _region_chosen(self, turn: Turn, draft: dict[str, Any], value: str) -> None:
        region = Region.objects.filter(pk=int(value)).first() if value.isdigit() else None
        if region is None:
            self._step(turn, draft, "where")
            return
        address = draft.pop("typed_place", "")
        self._placed(turn, draft, {"region": region.pk, "city": None, "address": address})

    def _located(self, turn: Turn, draft: dict[str, Any], lat: float, lon: float) -> None:
        found = nearest_city(lat, lon)
        if found is None:
            turn.say(
                _(
                    "This place is outside every region we cover. Please type the city "
                    "where it happens."
                )
            )
            self._step(turn, draft, draft["step"])
            return
        city, _km = found
        place = {"region": city.region_id, "city": city.pk, "address": "", "lat": lat, "lon": lon}
        self._placed(turn, draft, place)

    def _placed(self, turn: Turn, draft: dict[str, Any], place: dict[str, Any]) -> None:
        draft.pop("typed_place", None)
        draft.update({"lat": None, "lon": None, **place})
        line = _("📍 Place: %(place)s") % {"place": _place_line(draft)}
        # The menu comes back under the text field in place of the location button.
        turn.say(line, keyboard=turn.menu_keyboard())
        if draft["step"] in ("what", "where"):
            self._step(turn, draft, "what" if draft["step"] == "what" else "when")
        else:
            self._step(turn, draft, draft["step"])

    # --- steps 3 to 5 -----------------------------------------------------------------------

    def _when(self, turn: Turn, draft: dict[str, Any], value: str) -> None:
        if value in WHEN:
            draft["when"] = str(WHEN[value])
        self._step(turn, draft, "people" if value in WHEN else "when")

    def _people(self, turn: Turn, draft: dict[str, Any], value: str) -> None:
        if value not in PEOPLE:
            self._step(turn, draft, "people")
            return
        draft["crowd"], draft["hurt"] = (str(v) for v in PEOPLE[value])
        communities = _communities(draft)
        self._step(turn, draft, "communities" if communities else "review")

    def _community(self, turn: Turn, draft: dict[str, Any], value: str) -> None:
        if value == "none":
            draft["communities"] = []
            self._step(turn, draft, "review")
        elif value == "done":
            self._step(turn, draft, "review")
        else:
            self._community_toggle(turn, draft, value, ask=True)

    def _community_toggle(
        self, turn: Turn, draft: dict[str, Any], value: str, *, ask: bool
    ) -> None:
        known = {c.pk for c in _communities(draft)}
        if value.isdigit() and int(value) in known:
            chosen: list[int] = draft["communities"]
            pk = int(value)
            if pk in chosen:
                chosen.remove(pk)
            else:
                chosen.append(pk)
        if ask:
            self._step(turn, draft, "communities")

    # --- step 6: review and send ------------------------------------------------------------

    def _send(self, turn: Turn, draft: dict[str, Any], value: str) -> None:
        if draft.get("step") != "review":
            self._step(turn, draft, draft.get("step", "what"))
            return
        try:
            report_submit(
                draft=_report_draft(draft, named=value == "named" and turn.person is not None),
                source=Source.TELEGRAM
                if turn.incoming.channel == Channel.TELEGRAM
                else Source.WHATSAPP,
                reporter=turn.person,
                inbound_key=f"bot:{turn.incoming.event_id}",
                **_reply_to(turn),
            )
        except ValidationError as error:
            self._refused(turn, draft, error)
            return
        turn.drop(NAME)
        turn.goto("")
        turn.toast = _("Sent. Thank you!")
        if turn.person is None:
            turn.say(
                _(
                    "If you are a member of the network, ask your coordinator for your personal "
                    "link and tap it: then I will know you, and you can follow your reports here."
                )
            )
            turn.menu()

    def _refused(self, turn: Turn, draft: dict[str, Any], error: ValidationError) -> None:
        """report_submit's own words; back to the step that can fix it."""
        fields = set(getattr(error, "error_dict", {}) or {})
        turn.say(" ".join(error.messages))
        step = "what" if "text" in fields else "where" if fields & {"region", "city"} else "review"
        self._step(turn, draft, step)

    def _cancelled(self, turn: Turn, draft: dict[str, Any] | None = None, value: str = "") -> None:
        turn.drop(NAME)
        turn.goto("")
        turn.say(_("Your report is cancelled. Nothing was sent."))
        turn.toast = _("Cancelled")
        turn.menu()

    def _resume(self, turn: Turn, draft: dict[str, Any], value: str) -> None:
        self._step(turn, draft, draft.get("step", "what"))


def _mine_label(turn: Turn) -> str:
    assert turn.person is not None
    if turn.incoming.channel == Channel.WHATSAPP:
        return _("🏠 In my region")
    return _("🏠 In %(region)s") % {"region": turn.person.region.name}


def _communities(draft: dict[str, Any]) -> list[EthnicCommunity]:
    """The communities of the region's organisations, as the choices of step 5."""
    region_id = draft.get("region")
    if not region_id:
        return []
    found = EthnicCommunity.objects.filter(organisations__region_id=region_id).distinct()
    return list(found.order_by("name_ru", "pk")[:COMMUNITIES_SHOWN])


def _reply_to(turn: Turn) -> dict[str, Any]:
    if turn.incoming.channel == Channel.TELEGRAM:
        return {"chat": turn.chat}
    return {"reply_channel": turn.incoming.channel, "reply_address": turn.incoming.chat_key}


def _report_draft(draft: dict[str, Any], *, named: bool) -> ReportDraft:
    chosen = EthnicCommunity.objects.filter(pk__in=draft.get("communities") or [])
    files = [
        AttachmentDraft(
            kind=f["kind"],
            channel=f["channel"],
            file_id=f["file_id"],
            size=f["size"],
            mime_type=f["mime"],
        )
        for f in draft["files"]
    ]
    return ReportDraft(
        text=draft["text"],
        region=_region(draft),
        city=_city(draft),
        address=draft.get("address", ""),
        latitude=draft.get("lat"),
        longitude=draft.get("lon"),
        when=draft.get("when", Report.When.NOW),
        crowd=draft.get("crowd", Report.Crowd.UNKNOWN),
        hurt=draft.get("hurt", Report.Hurt.UNKNOWN),
        communities=list(chosen),
        named_consent=named,
        attachments=files,
    )


# --- the questions --------------------------------------------------------------------------


def _ask(
    turn: Turn,
    draft: dict[str, Any],
    text: str,
    options: list[tuple[str, str]],
    *,
    html: str | None = None,
) -> None:
    """Buttons; on WhatsApp, more or longer choices than its buttons hold become a numbered
    list, answered with the number (the draft notes which number means what)."""
    draft["options"] = []
    whatsapp = turn.incoming.channel == Channel.WHATSAPP
    too_long = any(len(title) > WHATSAPP_TITLE for _id, title in options)
    if whatsapp and (len(options) > WHATSAPP_BUTTONS or too_long):
        draft["options"] = [option_id for option_id, _title in options]
        lines = [f"{n}. {title}" for n, (_id, title) in enumerate(options, start=1)]
        turn.say("\n".join([text, "", *lines, "", _("Answer with the number.")]))
        return
    turn.say(text, html=html, buttons=options)


def _files_line(draft: dict[str, Any]) -> str:
    kinds = [_(FILE_WORDS.get(f["kind"], FILE_WORDS["document"])) for f in draft["files"]]
    return ", ".join(kinds)


def ask_what(turn: Turn, draft: dict[str, Any]) -> None:
    if not (draft["text"] or draft["files"]):
        text = _(
            "What happened? Write it in your own words, or send a photo, a voice message or a "
            "video."
        )
        _ask(turn, draft, text, [_cancel()])
        return
    got = _("Got it.")
    if draft["files"]:
        got = _("Got it (%(files)s).") % {"files": _files_line(draft)}
    more = _("You can add more: text, a photo or a voice message. When that is all, tap “Next”.")
    _ask(turn, draft, f"{got}\n{more}", [("report:next", _("Next ➡")), _cancel()])


def ask_where(turn: Turn, draft: dict[str, Any]) -> None:
    draft["options"] = []
    if turn.incoming.channel == Channel.WHATSAPP:
        text = _(
            "Where is it? Type the city and, if you know it, the street. Or share the place: "
            "tap 📎, then “Location”."
        )
        options = [("report:mine", _mine_label(turn))] if turn.person else []
        _ask(turn, draft, text, [*options, _cancel()])
        return
    text = _(
        "Where is it? Tap “📍 Send my location” if you are there, or type the city and, if you "
        "know it, the street."
    )
    rows: list[list[str | dict[str, Any]]] = [
        [{"text": _("📍 Send my location"), "request_location": True}]
    ]
    if turn.person is not None:
        rows.append([_mine_label(turn)])
    rows.append([_cancel_label()])
    turn.say(text, keyboard=rows)


def ask_when(turn: Turn, draft: dict[str, Any]) -> None:
    options = [
        ("report:when:now", _("🔥 It is happening now")),
        ("report:when:past", _("It has already happened")),
        ("report:when:expected", _("⏳ It is expected (rumours of a planned clash)")),
        _cancel(),
    ]
    _ask(turn, draft, _("When is it?"), options)


def ask_people(turn: Turn, draft: dict[str, Any]) -> None:
    options = [
        ("report:people:few", _("Fewer than 10, nobody hurt")),
        ("report:people:tens", _("10–50, nobody hurt")),
        ("report:people:many", _("More than 50, nobody hurt")),
        ("report:people:hurt", _("🚑 Someone is hurt")),
        ("report:people:unknown", _("I don't know")),
        _cancel(),
    ]
    _ask(turn, draft, _("How many people are involved? Is anyone hurt?"), options)


def ask_communities(turn: Turn, draft: dict[str, Any]) -> None:
    chosen = set(draft["communities"])
    options = [
        (f"report:community:{c.pk}", ("✔ " if c.pk in chosen else "") + c.name)
        for c in _communities(draft)
    ]
    if chosen:
        options.append(("report:community:done", _("✅ Done")))
    options += [("report:community:none", _("Not about a community")), _cancel()]
    text = _("Which communities are involved? Tap each one, then “Done”.")
    _ask(turn, draft, text, options)


def ask_review(turn: Turn, draft: dict[str, Any]) -> None:
    lines = _summary(draft)
    question = _("Please check your report. May the police and officials know your name?")
    if turn.person is None:
        question = _("Please check your report, then send it.")
        options = [("report:send:anonymous", _("✅ Send")), _cancel()]
    else:
        options = [
            ("report:send:named", _("✅ Send, police may know my name")),
            ("report:send:anonymous", _("✅ Send, without my name")),
            _cancel(),
        ]
    text = "\n".join([question, "", *lines])
    html = "\n".join([esc(question), "", *(esc(line) for line in lines)])
    _ask(turn, draft, text, options, html=html)


def _summary(draft: dict[str, Any]) -> list[str]:
    crowd = Report.Crowd(draft.get("crowd", Report.Crowd.UNKNOWN))
    hurt = Report.Hurt(draft.get("hurt", Report.Hurt.UNKNOWN))
    chosen = EthnicCommunity.objects.filter(pk__in=draft["communities"]).order_by("name_ru")
    text = draft["text"] if len(draft["text"]) <= 300 else draft["text"][:299] + "…"
    lines = [
        _("What: %(text)s") % {"text": text or "—"},
        _("Files: %(files)s") % {"files": _files_line(draft)} if draft["files"] else "",
        _("Where: %(place)s") % {"place": _place_line(draft)},
        _("When: %(when)s") % {"when": Report.When(draft.get("when", Report.When.NOW)).label},
        _("People: %(crowd)s; %(hurt)s") % {"crowd": crowd.label, "hurt": hurt.label},
        _("Communities: %(names)s") % {"names": ", ".join(c.name for c in chosen)}
        if chosen
        else "",
    ]
    return [line for line in lines if line]


Ask = Callable[[Turn, dict[str, Any]], None]
Handler = Callable[[ReportProblem, Turn, dict[str, Any], str], None]
ASKS: dict[str, Ask] = {
    "what": ask_what,
    "where": ask_where,
    "when": ask_when,
    "people": ask_people,
    "communities": ask_communities,
    "review": ask_review,
}
BUTTONS: dict[str, Handler] = {
    "cancel": ReportProblem._cancelled,
    "resume": ReportProblem._resume,
    "next": ReportProblem._next,
    "mine": ReportProblem._mine,
    "region": ReportProblem._region_chosen,
    "when": ReportProblem._when,
    "people": ReportProblem._people,
    "community": ReportProblem._community,
    "send": ReportProblem._send,
}
