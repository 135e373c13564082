"""`/_fake/…`: the fake's own endpoints, to drive it from outside the process (the demo,
`curl`, a browser test). They take and return JSON and need no token.

    GET  /_fake/                       summary: counts, 429s, webhook, blocked and migrated chats
    GET  /_fake/sent[?chat_id=]        messages the bot sent
    GET  /_fake/calls[?method=]        API calls received
    POST /_fake/updates                push a raw Update
    POST /_fake/updates/<kind>         build and push one: message, callback_query, poll_answer,
                                       location, photo, voice, migration (body: the builder's
                                       arguments, e.g. {"chat_id": 42, "text": "/start"})
    POST /_fake/faults                 {"kind": "flood", "count": 2, "retry_after": 3};
                                       kinds: flood, server_error, timeout, drop, blocked,
                                       kicked, deactivated, chat_not_found, migrate, random
    POST /_fake/faults/clear           forget call faults
    POST /_fake/reset                  forget everything
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from concord.testing.fakes.telegram.errors import ApiError

if TYPE_CHECKING:
    from concord.testing.fakes.telegram.server import FakeTelegram

BUILDERS = {
    "message": "make_message_update",
    "callback_query": "make_callback_query_update",
    "poll_answer": "make_poll_answer_update",
    "location": "make_location_update",
    "photo": "make_photo_update",
    "voice": "make_voice_update",
    "migration": "make_migration_update",
}


class _NoRoute(Exception):
    pass


def handle(fake: FakeTelegram, verb: str, path: str, query: str, body: Any) -> tuple[int, Any]:
    route = path.removeprefix("/_fake").strip("/")
    args = {key: values[-1] for key, values in parse_qs(query).items()}
    try:
        return 200, {"ok": True, "result": _route(fake, verb, route, args, body)}
    except _NoRoute:
        return 404, {"ok": False, "description": f"No such endpoint: {verb} {path}"}
    except ApiError as error:
        return error.status, error.body()
    except (TypeError, ValueError, KeyError) as error:
        return 400, {"ok": False, "description": f"{type(error).__name__}: {error}"}


def _route(fake: FakeTelegram, verb: str, route: str, args: dict[str, str], body: Any) -> Any:
    if verb == "GET":
        return _read(fake, route, args)
    if route == "updates":
        return fake.push_update(dict(body))
    if route.startswith("updates/") and route.removeprefix("updates/") in BUILDERS:
        builder = getattr(fake, BUILDERS[route.removeprefix("updates/")])
        return fake.push_update(builder(**body))
    if route == "faults":
        return fake.inject(**body)
    if route == "faults/clear":
        return fake.clear_faults()
    if route == "reset":
        return fake.reset()
    raise _NoRoute


def _read(fake: FakeTelegram, route: str, args: dict[str, str]) -> Any:
    if route in ("", "state"):
        return fake.summary()
    if route == "sent":
        return fake.sent_messages(args.get("chat_id"))
    if route == "calls":
        return [asdict(call) for call in fake.calls(args.get("method"))]
    if route == "updates":
        return fake.pending_updates()
    raise _NoRoute
