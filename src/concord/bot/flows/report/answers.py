"""The answers of steps 1 and 3 to 6: what happened (text and files), when, how many people,
which communities, and sending; and Cancel and Continue, which every step offers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from concord.bot.engine import Turn
from concord.bot.flows.report.draft import NAME, Draft, draft_communities, report_draft
from concord.bot.flows.report.questions import step
from concord.incidents.models import Report, Source
from concord.incidents.services import ATTACHMENT_MAX_BYTES, TEXT_MAX, report_submit
from concord.messaging.models import Channel

WHEN = {"now": Report.When.NOW, "past": Report.When.PAST, "expected": Report.When.EXPECTED}
PEOPLE = {  # button -> (crowd, hurt)
    "few": (Report.Crowd.FEW, Report.Hurt.NO),
    "tens": (Report.Crowd.TENS, Report.Hurt.NO),
    "many": (Report.Crowd.MANY, Report.Hurt.NO),
    "hurt": (Report.Crowd.UNKNOWN, Report.Hurt.YES),
    "unknown": (Report.Crowd.UNKNOWN, Report.Hurt.UNKNOWN),
}


# --- step 1: what happened ------------------------------------------------------------------


def text_fits(turn: Turn, draft: Draft, text: str) -> bool:
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


def text_add(turn: Turn, draft: Draft, text: str) -> None:
    if text_fits(turn, draft, text):
        draft["text"] = "\n".join(t for t in (draft["text"], text.strip()) if t)
    step(turn, draft, "what")


def files_add(turn: Turn, draft: Draft) -> bool:
    """The incoming photos, voice messages, videos and files, by the channel's file id."""
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


def next_step(turn: Turn, draft: Draft, value: str) -> None:
    """ "Next": on to where, once something is told."""
    if not (draft["text"].strip() or draft["files"]):
        turn.say(
            _(
                "Please tell first what happened: write a few words, or send a photo or a "
                "voice message."
            )
        )
        step(turn, draft, "what")
        return
    step(turn, draft, "where")


# --- steps 3 to 5 ---------------------------------------------------------------------------


def when(turn: Turn, draft: Draft, value: str) -> None:
    if value in WHEN:
        draft["when"] = str(WHEN[value])
    step(turn, draft, "people" if value in WHEN else "when")


def people(turn: Turn, draft: Draft, value: str) -> None:
    if value not in PEOPLE:
        step(turn, draft, "people")
        return
    draft["crowd"], draft["hurt"] = (str(v) for v in PEOPLE[value])
    communities = draft_communities(draft)
    step(turn, draft, "communities" if communities else "review")


def community(turn: Turn, draft: Draft, value: str) -> None:
    if value == "none":
        draft["communities"] = []
        step(turn, draft, "review")
    elif value == "done":
        step(turn, draft, "review")
    else:
        community_toggle(turn, draft, value, ask=True)


def community_toggle(turn: Turn, draft: Draft, value: str, *, ask: bool) -> None:
    known = {c.pk for c in draft_communities(draft)}
    if value.isdigit() and int(value) in known:
        chosen: list[int] = draft["communities"]
        pk = int(value)
        if pk in chosen:
            chosen.remove(pk)
        else:
            chosen.append(pk)
    if ask:
        step(turn, draft, "communities")


# --- step 6: review and send ----------------------------------------------------------------


def send(turn: Turn, draft: Draft, value: str) -> None:
    if draft.get("step") != "review":
        step(turn, draft, draft.get("step", "what"))
        return
    try:
        report_submit(
            draft=report_draft(draft, named=value == "named" and turn.person is not None),
            source=Source.TELEGRAM
            if turn.incoming.channel == Channel.TELEGRAM
            else Source.WHATSAPP,
            reporter=turn.person,
            inbound_key=f"bot:{turn.incoming.event_id}",
            **_reply_to(turn),
        )
    except ValidationError as error:
        _refused(turn, draft, error)
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


def _reply_to(turn: Turn) -> dict[str, Any]:
    if turn.incoming.channel == Channel.TELEGRAM:
        return {"chat": turn.chat}
    return {"reply_channel": turn.incoming.channel, "reply_address": turn.incoming.chat_key}


def _refused(turn: Turn, draft: Draft, error: ValidationError) -> None:
    """report_submit's own words; back to the step that can fix it."""
    fields = set(getattr(error, "error_dict", {}) or {})
    turn.say(" ".join(error.messages))
    to = "what" if "text" in fields else "where" if fields & {"region", "city"} else "review"
    step(turn, draft, to)


# --- any step -------------------------------------------------------------------------------


def cancelled(turn: Turn, draft: Draft | None = None, value: str = "") -> None:
    turn.drop(NAME)
    turn.goto("")
    turn.say(_("Your report is cancelled. Nothing was sent."))
    turn.toast = _("Cancelled")
    turn.menu()


def resume(turn: Turn, draft: Draft, value: str) -> None:
    step(turn, draft, draft.get("step", "what"))
