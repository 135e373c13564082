"""Each step's question, and going to a step: the draft remembers the step, and the chat
comes back to it after a restart or a detour through another menu."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord.bot.engine import Turn
from concord.bot.flows.report.buttons import ask, cancel, cancel_label, mine_label
from concord.bot.flows.report.draft import NAME, Draft, draft_communities
from concord.bot.flows.report.places import place_line
from concord.directory.models import EthnicCommunity
from concord.incidents.models import Report
from concord.messaging.models import Channel
from concord.messaging.rendering import esc

FILE_WORDS = {
    "photo": gettext_noop("photo"),
    "voice": gettext_noop("voice message"),
    "video": gettext_noop("video"),
    "document": gettext_noop("file"),
}


def step(turn: Turn, draft: Draft, name: str) -> None:
    """Go to step `name`, store the draft, and ask the step's question."""
    draft["step"] = name
    turn.goto(NAME, name)
    turn.keep(NAME, draft)
    ASKS[name](turn, draft)
    turn.keep(NAME, draft)  # the question may have noted its numbered options


def files_line(draft: Draft) -> str:
    kinds = [_(FILE_WORDS.get(f["kind"], FILE_WORDS["document"])) for f in draft["files"]]
    return ", ".join(kinds)


def ask_what(turn: Turn, draft: Draft) -> None:
    if not (draft["text"] or draft["files"]):
        text = _(
            "What happened? Write it in your own words, or send a photo, a voice message or a "
            "video."
        )
        ask(turn, draft, text, [cancel()])
        return
    got = _("Got it.")
    if draft["files"]:
        got = _("Got it (%(files)s).") % {"files": files_line(draft)}
    more = _("You can add more: text, a photo or a voice message. When that is all, tap “Next”.")
    ask(turn, draft, f"{got}\n{more}", [("report:next", _("Next ➡")), cancel()])


def ask_where(turn: Turn, draft: Draft) -> None:
    draft["options"] = []
    if turn.incoming.channel == Channel.WHATSAPP:
        text = _(
            "Where is it? Type the city and, if you know it, the street. Or share the place: "
            "tap 📎, then “Location”."
        )
        options = [("report:mine", mine_label(turn))] if turn.person else []
        ask(turn, draft, text, [*options, cancel()])
        return
    text = _(
        "Where is it? Tap “📍 Send my location” if you are there, or type the city and, if you "
        "know it, the street."
    )
    rows: list[list[str | dict[str, Any]]] = [
        [{"text": _("📍 Send my location"), "request_location": True}]
    ]
    if turn.person is not None:
        rows.append([mine_label(turn)])
    rows.append([cancel_label()])
    turn.say(text, keyboard=rows)


def ask_when(turn: Turn, draft: Draft) -> None:
    options = [
        ("report:when:now", _("🔥 It is happening now")),
        ("report:when:past", _("It has already happened")),
        ("report:when:expected", _("⏳ It is expected (rumours of a planned clash)")),
        cancel(),
    ]
    ask(turn, draft, _("When is it?"), options)


def ask_people(turn: Turn, draft: Draft) -> None:
    options = [
        ("report:people:few", _("Fewer than 10, nobody hurt")),
        ("report:people:tens", _("10–50, nobody hurt")),
        ("report:people:many", _("More than 50, nobody hurt")),
        ("report:people:hurt", _("🚑 Someone is hurt")),
        ("report:people:unknown", _("I don't know")),
        cancel(),
    ]
    ask(turn, draft, _("How many people are involved? Is anyone hurt?"), options)


def ask_communities(turn: Turn, draft: Draft) -> None:
    chosen = set(draft["communities"])
    options = [
        (f"report:community:{c.pk}", ("✔ " if c.pk in chosen else "") + c.name)
        for c in draft_communities(draft)
    ]
    if chosen:
        options.append(("report:community:done", _("✅ Done")))
    options += [("report:community:none", _("Not about a community")), cancel()]
    text = _("Which communities are involved? Tap each one, then “Done”.")
    ask(turn, draft, text, options)


def ask_review(turn: Turn, draft: Draft) -> None:
    lines = summary(draft)
    question = _("Please check your report. May the police and officials know your name?")
    if turn.person is None:
        question = _("Please check your report, then send it.")
        options = [("report:send:anonymous", _("✅ Send")), cancel()]
    else:
        options = [
            ("report:send:named", _("✅ Send, police may know my name")),
            ("report:send:anonymous", _("✅ Send, without my name")),
            cancel(),
        ]
    text = "\n".join([question, "", *lines])
    html = "\n".join([esc(question), "", *(esc(line) for line in lines)])
    ask(turn, draft, text, options, html=html)


def summary(draft: Draft) -> list[str]:
    """The review's lines: what, files, where, when, people, communities."""
    crowd = Report.Crowd(draft.get("crowd", Report.Crowd.UNKNOWN))
    hurt = Report.Hurt(draft.get("hurt", Report.Hurt.UNKNOWN))
    chosen = EthnicCommunity.objects.filter(pk__in=draft["communities"]).order_by("name_ru")
    text = draft["text"] if len(draft["text"]) <= 300 else draft["text"][:299] + "…"
    lines = [
        _("What: %(text)s") % {"text": text or "—"},
        _("Files: %(files)s") % {"files": files_line(draft)} if draft["files"] else "",
        _("Where: %(place)s") % {"place": place_line(draft)},
        _("When: %(when)s") % {"when": Report.When(draft.get("when", Report.When.NOW)).label},
        _("People: %(crowd)s; %(hurt)s") % {"crowd": crowd.label, "hurt": hurt.label},
        _("Communities: %(names)s") % {"names": ", ".join(c.name for c in chosen)}
        if chosen
        else "",
    ]
    return [line for line in lines if line]


Ask = Callable[[Turn, Draft], None]
ASKS: dict[str, Ask] = {
    "what": ask_what,
    "where": ask_where,
    "when": ask_when,
    "people": ask_people,
    "communities": ask_communities,
    "review": ask_review,
}
