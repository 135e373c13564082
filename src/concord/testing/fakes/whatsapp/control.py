"""`/_fake/…`: the same knobs as the Python API, over HTTP, for the stand-alone fake.

curl -X POST localhost:8082/_fake/user_says -d '{"phone": "79991234567", "text": "Привет"}'
curl -X POST localhost:8082/_fake/faults -d '{"kind": "429", "count": 3, "retry_after": 2}'
curl localhost:8082/_fake/sent
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from concord.testing.fakes.whatsapp.state import SentMessage
from concord.testing.fakes.whatsapp.wire import Reply, Request

if TYPE_CHECKING:
    from concord.testing.fakes.whatsapp.server import FakeWhatsApp

Data = Mapping[str, Any]
Query = Mapping[str, list[str]]
Route = Callable[["FakeWhatsApp", Data, Query], Any]


def handle(fake: FakeWhatsApp, request: Request) -> Reply:
    name = request.path.removeprefix("/_fake/").strip("/")
    route = ROUTES.get((request.method, name))
    if route is None:
        known = sorted(f"{method} /_fake/{path}" for method, path in ROUTES)
        return Reply(404, {"error": f"unknown control call; known: {', '.join(known)}"})
    try:
        data = json.loads(request.body or b"{}")
        return Reply(200, route(fake, data, request.query))
    except (KeyError, TypeError, ValueError) as error:
        return Reply(400, {"error": f"{type(error).__name__}: {error}"})


def summary(message: SentMessage) -> dict[str, Any]:
    return {
        "wamid": message.wamid,
        "to": message.to,
        "type": message.type,
        "text": message.text,
        "buttons": message.buttons,
        "statuses": message.statuses,
        "accepted_at": message.accepted_at,
    }


def _state(fake: FakeWhatsApp, data: Data, query: Query) -> dict[str, Any]:
    return {
        "counters": dict(fake.counters),
        "count_429": fake.count_429,
        "sent": len(fake.sent_messages()),
        "webhook_calls": len(fake.webhooks.calls),
        "settings": fake.settings(),
    }


def _sent(fake: FakeWhatsApp, data: Data, query: Query) -> list[dict[str, Any]]:
    to = query.get("to", [None])[0]
    return [summary(m) for m in fake.sent_messages(to)]


def _webhooks(fake: FakeWhatsApp, data: Data, query: Query) -> list[dict[str, Any]]:
    """Every webhook call made so far (delivered or kept), oldest first."""
    return [
        {"kind": c.kind, "summary": c.summary, "payload": c.json()} for c in fake.webhooks.calls
    ]


def _faults(fake: FakeWhatsApp, data: Data, query: Query) -> str:
    fake.fail_next(
        data["kind"],
        int(data.get("count", 1)),
        retry_after=data.get("retry_after"),
        hang=data.get("hang"),
    )
    return "ok"


def _fault_rate(fake: FakeWhatsApp, data: Data, query: Query) -> str:
    fake.set_fault_rate(float(data["rate"]), seed=data.get("seed"), kinds=data.get("kinds", ()))
    return "ok"


def _limits(fake: FakeWhatsApp, data: Data, query: Query) -> str:
    fake.per_second = float(data.get("per_second", fake.per_second))
    fake.pair_interval = float(data.get("pair_interval", fake.pair_interval))
    fake.pair_burst = int(data.get("pair_burst", fake.pair_burst))
    return "ok"


def _templates(fake: FakeWhatsApp, data: Data, query: Query) -> str:
    fake.approve_template(
        data["name"],
        data.get("language", "ru"),
        parameters=data.get("parameters"),
        buttons=data.get("buttons"),
    )
    return "ok"


def _undeliverable(fake: FakeWhatsApp, data: Data, query: Query) -> str:
    fake.mark_undeliverable(data["phone"], asynchronous=bool(data.get("asynchronous")))
    return "ok"


def _fail_delivery(fake: FakeWhatsApp, data: Data, query: Query) -> str:
    fake.fail_delivery(data["phone"], int(data.get("code", 131026)))
    return "ok"


def _webhook(fake: FakeWhatsApp, data: Data, query: Query) -> str:
    fake.set_webhook(data.get("url") or None)
    return "ok"


def _reset(fake: FakeWhatsApp, data: Data, query: Query) -> str:
    fake.reset()
    return "ok"


def _window(fake: FakeWhatsApp, data: Data, query: Query) -> str:
    fake.open_window(data["phone"])
    return "ok"


def _travel(fake: FakeWhatsApp, data: Data, query: Query) -> str:
    fake.travel(float(data["seconds"]))
    return "ok"


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "state"): _state,
    ("GET", "sent"): _sent,
    ("GET", "webhooks"): _webhooks,
    ("POST", "faults"): _faults,
    ("POST", "fault_rate"): _fault_rate,
    ("POST", "limits"): _limits,
    ("POST", "templates"): _templates,
    ("POST", "undeliverable"): _undeliverable,
    ("POST", "fail_delivery"): _fail_delivery,
    ("POST", "webhook"): _webhook,
    ("POST", "reset"): _reset,
    ("POST", "user_says"): lambda f, d, q: {"wamid": f.user_says(d["phone"], d["text"])},
    ("POST", "user_taps"): lambda f, d, q: {
        "wamid": f.user_taps(d["phone"], d["button_id"], d.get("title", d["button_id"]))
    },
    ("POST", "user_location"): lambda f, d, q: {
        "wamid": f.user_shares_location(d["phone"], float(d["latitude"]), float(d["longitude"]))
    },
    ("POST", "window"): _window,
    ("POST", "travel"): _travel,
}
