"""The fake WhatsApp Cloud API answers like the real one: shapes, rules, limits, faults."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from concord.devtools.management.commands.fake_whatsapp import Command
from concord.testing.fakes.whatsapp import FakeWhatsApp, FaultKind, whatsapp_signature

# One client for the module: a new one per call would build an SSL context every time.
http = httpx.Client(timeout=5)
PHONE = "79991234567"
OTHER = "79997654321"


class Sink:
    """A webhook receiver in the test process: keeps every call as parsed JSON."""

    def __init__(self) -> None:
        self.calls: list[tuple[bytes, dict[str, str]]] = []

    def __call__(self, body: bytes, headers: dict[str, str]) -> int:
        self.calls.append((body, headers))
        return 200

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body, _headers in self.calls]

    def statuses(self) -> list[str]:
        return [v["statuses"][0]["status"] for v in self.values() if "statuses" in v]

    def messages(self) -> list[dict[str, Any]]:
        return [v["messages"][0] for v in self.values() if "messages" in v]

    def values(self) -> list[dict[str, Any]]:
        return [p["entry"][0]["changes"][0]["value"] for p in self.payloads()]


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def fake(sink: Sink) -> Iterator[FakeWhatsApp]:
    with FakeWhatsApp(webhook=sink) as server:
        yield server


def send(fake: FakeWhatsApp, body: dict[str, Any], **options: Any) -> httpx.Response:
    token = options.pop("token", fake.token)
    number = options.pop("number", fake.phone_number_id)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{fake.base_url}/{number}/messages"
    return http.post(url, json=body, headers=headers, timeout=options.pop("timeout", 5))


def text(to: str = PHONE, body: str = "Здравствуйте") -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}}


def buttons(*titles: str, to: str = PHONE) -> dict[str, Any]:
    replies = [
        {"type": "reply", "reply": {"id": f"b{i}", "title": t}} for i, t in enumerate(titles)
    ]
    interactive = {"type": "button", "body": {"text": "Придёте?"}, "action": {"buttons": replies}}
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "interactive",
        "interactive": interactive,
    }


def template(
    name: str = "invite", *params: str, language: str = "ru", to: str = PHONE
) -> dict[str, Any]:
    components: list[dict[str, Any]] = []
    if params:
        parameters = [{"type": "text", "text": p} for p in params]
        components.append({"type": "body", "parameters": parameters})
    body = {"name": name, "language": {"code": language}, "components": components}
    return {"messaging_product": "whatsapp", "to": to, "type": "template", "template": body}


def code(response: httpx.Response) -> int:
    return int(response.json()["error"]["code"])


# --- Shapes and authentication ------------------------------------------------------------


def test_an_accepted_message_is_answered_like_the_graph_api(fake: FakeWhatsApp) -> None:
    fake.open_window(PHONE)
    response = send(fake, text(to="+" + PHONE))
    assert response.status_code == 200
    answer = response.json()
    assert answer["messaging_product"] == "whatsapp"
    assert answer["contacts"] == [{"input": "+" + PHONE, "wa_id": PHONE}]
    wamid = answer["messages"][0]["id"]
    assert wamid.startswith("wamid.")
    [sent] = fake.sent_messages(to="+" + PHONE)
    assert (sent.wamid, sent.to, sent.type, sent.text) == (wamid, PHONE, "text", "Здравствуйте")


@pytest.mark.parametrize("token", ["", "wrong-token"])
def test_a_missing_or_wrong_token_is_a_401_with_code_190(fake: FakeWhatsApp, token: str) -> None:
    response = send(fake, text(), token=token)
    assert response.status_code == 401
    assert code(response) == 190
    assert response.json()["error"]["type"] == "OAuthException"
    assert response.json()["error"]["message"].startswith("Invalid OAuth access token")


def test_another_phone_number_id_and_unknown_paths_are_refused(fake: FakeWhatsApp) -> None:
    assert code(send(fake, text(), number="999")) == 100
    response = http.post(f"{fake.base_url}/{fake.phone_number_id}/nothing", json={})
    assert (response.status_code, code(response)) == (400, 2500)
    bad_json = http.post(
        f"{fake.base_url}/{fake.phone_number_id}/messages",
        content=b"{not json",
        headers={"Authorization": f"Bearer {fake.token}"},
    )
    assert (bad_json.status_code, code(bad_json)) == (400, 100)


@pytest.mark.parametrize(
    "body",
    [
        {"to": PHONE, "type": "text", "text": {"body": "x"}},  # no messaging_product
        {"messaging_product": "whatsapp", "to": "abc", "type": "text", "text": {"body": "x"}},
        {"messaging_product": "whatsapp", "to": PHONE, "type": "text", "text": {"body": ""}},
        {
            "messaging_product": "whatsapp",
            "to": PHONE,
            "type": "text",
            "text": {"body": "x" * 4097},
        },
        {"messaging_product": "whatsapp", "to": PHONE, "type": "video", "video": {}},
    ],
)
def test_malformed_messages_are_invalid_parameters(
    fake: FakeWhatsApp, body: dict[str, Any]
) -> None:
    fake.open_window(PHONE)
    response = send(fake, body)
    assert (response.status_code, code(response)) == (400, 100)
    assert fake.sent_messages() == []


# --- The 24-hour window and templates ------------------------------------------------------


def test_free_form_needs_the_person_to_have_written_in_the_last_24_hours(
    fake: FakeWhatsApp,
) -> None:
    refused = send(fake, text())
    assert (refused.status_code, code(refused)) == (400, 131047)
    assert "24 hours" in refused.json()["error"]["error_data"]["details"]
    assert code(send(fake, buttons("Да"))) == 131047

    fake.user_says(PHONE, "Добрый день")
    assert send(fake, text()).status_code == 200
    fake.travel(24 * 3600 + 1)
    assert code(send(fake, text())) == 131047


def test_the_window_error_can_come_later_as_a_failed_status(fake: FakeWhatsApp, sink: Sink) -> None:
    fake.window_error_async = True
    response = send(fake, text())
    assert response.status_code == 200
    fake.flush()
    [value] = sink.values()
    assert value["statuses"][0]["status"] == "failed"
    assert value["statuses"][0]["errors"][0]["code"] == 131047


def test_only_approved_templates_are_accepted_and_need_no_window(fake: FakeWhatsApp) -> None:
    missing = send(fake, template("invite", "Казань"))
    assert (missing.status_code, code(missing)) == (404, 132001)
    fake.approve_template("invite", "ru", parameters=1)
    accepted = send(fake, template("invite", "Казань"))
    assert accepted.status_code == 200
    assert accepted.json()["messages"][0]["message_status"] == "accepted"
    assert code(send(fake, template("invite", "Казань", language="en"))) == 132001
    assert code(send(fake, template("invite", "Казань", "лишний"))) == 132000
    [sent] = fake.sent_messages()
    assert (sent.template, sent.parameters) == ("invite", ["Казань"])


def test_template_parameters_are_one_line(fake: FakeWhatsApp) -> None:
    fake.any_template = True
    assert code(send(fake, template("invite", "две\nстроки"))) == 132018
    assert code(send(fake, template("invite", "много     пробелов"))) == 132018
    assert send(fake, template("invite", "одна строка")).status_code == 200


def test_template_quick_replies_carry_payloads(fake: FakeWhatsApp) -> None:
    fake.approve_template("rsvp", "ru", buttons=2)
    body = template("rsvp")
    body["template"]["components"] = [
        {"type": "button", "sub_type": "quick_reply", "index": str(i), "parameters": [p]}
        for i, p in enumerate(
            [{"type": "payload", "payload": "yes"}, {"type": "payload", "payload": "no"}]
        )
    ]
    assert send(fake, body).status_code == 200
    assert fake.sent_messages()[0].buttons == [("yes", ""), ("no", "")]
    body["template"]["components"].append({**body["template"]["components"][0], "index": "2"})
    assert code(send(fake, body)) == 100


# --- Reply buttons --------------------------------------------------------------------------


def test_up_to_three_reply_buttons_of_up_to_20_characters(fake: FakeWhatsApp) -> None:
    fake.open_window(PHONE)
    fake.pair_burst = 10
    assert send(fake, buttons("Да", "Нет", "Ровно двадцать знако")).status_code == 200
    assert fake.sent_messages()[0].buttons == [
        ("b0", "Да"),
        ("b1", "Нет"),
        ("b2", "Ровно двадцать знако"),
    ]
    for refused in (
        buttons("1", "2", "3", "4"),
        buttons("Двадцать один знак!!!"),
        buttons("Да", "Да"),
        buttons(),
    ):
        response = send(fake, refused)
        assert (response.status_code, code(response)) == (400, 100)


# --- Webhooks: what users do ---------------------------------------------------------------


def test_webhook_posts_are_signed_with_the_app_secret(
    fake: FakeWhatsApp, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hooks/whatsapp/", method="POST").respond_with_data("ok")
    fake.set_webhook(httpserver.url_for("/hooks/whatsapp/"))
    wamid = fake.user_says(PHONE, "Привет", name="Амина")
    assert fake.flush()
    [(request, _response)] = httpserver.log
    raw = request.get_data()
    assert request.headers["X-Hub-Signature-256"] == whatsapp_signature(raw, fake.app_secret)
    assert request.headers["X-Hub-Signature-256"] != whatsapp_signature(raw, "another secret")
    payload = request.get_json()
    assert payload["object"] == "whatsapp_business_account"
    value = payload["entry"][0]["changes"][0]["value"]
    assert payload["entry"][0]["changes"][0]["field"] == "messages"
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"]["phone_number_id"] == fake.phone_number_id
    assert value["contacts"] == [{"profile": {"name": "Амина"}, "wa_id": PHONE}]
    [message] = value["messages"]
    assert (message["id"], message["from"], message["type"]) == (wamid, PHONE, "text")
    assert message["text"] == {"body": "Привет"}
    assert int(message["timestamp"]) == pytest.approx(time.time(), abs=5)


def test_signature_matches_a_published_vector() -> None:
    expected = "0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"
    assert whatsapp_signature(b"test", "secret") == f"sha256={expected}"


def test_a_tap_on_reply_buttons_quotes_the_message(fake: FakeWhatsApp, sink: Sink) -> None:
    fake.user_says(PHONE, "Здравствуйте")
    wamid = send(fake, buttons("Приду", "Не приду")).json()["messages"][0]["id"]
    fake.user_taps(PHONE, "b0", "Приду")
    fake.flush()
    message = sink.messages()[-1]
    assert message["type"] == "interactive"
    assert message["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "b0", "title": "Приду"},
    }
    assert message["context"] == {"from": fake.business.display_phone_number, "id": wamid}


def test_a_tap_on_a_template_quick_reply_is_a_button_message(
    fake: FakeWhatsApp, sink: Sink
) -> None:
    fake.any_template = True
    wamid = send(fake, template("rsvp")).json()["messages"][0]["id"]
    fake.user_taps(PHONE, "rsvp:yes", "Приду")
    fake.flush()
    message = sink.messages()[-1]
    assert message["type"] == "button"
    assert message["button"] == {"payload": "rsvp:yes", "text": "Приду"}
    assert message["context"]["id"] == wamid


def test_locations_and_media_arrive_in_the_real_shape(fake: FakeWhatsApp, sink: Sink) -> None:
    fake.user_shares_location(PHONE, 55.79, 49.12, label="Дом дружбы")
    fake.user_sends_media(PHONE, "image", caption="Фото")
    fake.user_sends_media(PHONE, "audio")
    fake.flush()
    location, image, audio = sink.messages()
    assert location["location"] == {"latitude": 55.79, "longitude": 49.12, "name": "Дом дружбы"}
    assert image["image"]["caption"] == "Фото"
    assert image["image"]["mime_type"] == "image/jpeg"
    assert audio["audio"]["voice"] is True
    assert audio["audio"]["id"]


def test_without_a_target_webhooks_wait_to_be_taken(sink: Sink) -> None:
    with FakeWhatsApp() as fake:
        fake.user_says(PHONE, "Привет")
        [call] = fake.take_webhooks()
        assert call.kind == "message"
        assert call.headers["X-Hub-Signature-256"] == whatsapp_signature(call.body, fake.app_secret)
        assert (
            call.json()["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"]
            == "Привет"
        )
        assert fake.take_webhooks() == []


def test_the_verification_handshake(fake: FakeWhatsApp, httpserver: HTTPServer) -> None:
    def answer(request: Request) -> Response:
        ok = request.args["hub.mode"] == "subscribe" and request.args["hub.verify_token"] == "vt"
        return Response(request.args["hub.challenge"] if ok else "no", status=200 if ok else 403)

    httpserver.expect_request("/hooks/whatsapp/").respond_with_handler(answer)
    url = httpserver.url_for("/hooks/whatsapp/")
    assert fake.subscribe_webhook(url, "vt") is True
    assert fake.subscribe_webhook(url, "wrong") is False


# --- Delivery statuses ----------------------------------------------------------------------


def test_statuses_follow_sent_delivered_read(fake: FakeWhatsApp, sink: Sink) -> None:
    fake.open_window(PHONE)
    body = {**text(), "biz_opaque_callback_data": "outbox:42"}
    wamid = send(fake, body).json()["messages"][0]["id"]
    assert fake.flush()
    assert sink.statuses() == ["sent", "delivered", "read"]
    for value in sink.values():
        status = value["statuses"][0]
        assert (status["id"], status["recipient_id"]) == (wamid, PHONE)
        assert status["biz_opaque_callback_data"] == "outbox:42"
    assert fake.message(wamid) is not None
    assert fake.sent_messages()[0].statuses == ["sent", "delivered", "read"]


def test_statuses_can_arrive_out_of_order(fake: FakeWhatsApp, sink: Sink) -> None:
    fake.open_window(PHONE)
    fake.status_order = "reversed"
    send(fake, text())
    fake.flush()
    assert sink.statuses() == ["read", "delivered", "sent"]


def test_statuses_can_be_spaced_out(fake: FakeWhatsApp, sink: Sink) -> None:
    fake.open_window(PHONE)
    fake.status_delay = 0.2
    fake.status_plan = ("sent", "delivered")
    send(fake, text())
    time.sleep(0.05)
    assert sink.statuses() == []
    assert fake.flush()
    assert sink.statuses() == ["sent", "delivered"]


def test_a_failed_delivery_carries_its_error_code(fake: FakeWhatsApp, sink: Sink) -> None:
    fake.open_window(PHONE)
    fake.fail_delivery(PHONE, 131026)
    assert send(fake, text()).status_code == 200
    fake.flush()
    [value] = sink.values()
    status = value["statuses"][0]
    assert status["status"] == "failed"
    assert status["errors"][0]["code"] == 131026
    assert status["errors"][0]["title"]


# --- Limits ---------------------------------------------------------------------------------


def test_throughput_per_number_answers_429_with_130429(fake: FakeWhatsApp) -> None:
    assert fake.per_second == 80  # Meta's default for a business number
    fake.any_template = True
    fake.per_second = 3
    answers = [send(fake, template(to=f"7999000000{i}")).status_code for i in range(4)]
    assert answers == [200, 200, 200, 429]
    response = send(fake, template(to="79990000009"))
    assert code(response) == 130429
    assert "Retry-After" not in response.headers  # Meta does not say how long
    assert fake.count_429 == 2
    assert fake.counters["130429"] == 2
    time.sleep(1.05)
    assert send(fake, template(to="79990000009")).status_code == 200


def test_the_pair_rate_limits_messages_to_one_person(fake: FakeWhatsApp) -> None:
    fake.open_window(PHONE)
    fake.open_window(OTHER)
    fake.pair_interval = 0.5
    assert send(fake, text()).status_code == 200
    refused = send(fake, text())
    assert (refused.status_code, code(refused)) == (400, 131056)
    assert send(fake, text(to=OTHER)).status_code == 200  # others are not held back
    assert fake.counters["131056"] == 1
    time.sleep(0.55)
    assert send(fake, text()).status_code == 200


def test_the_pair_rate_allows_a_configured_burst(fake: FakeWhatsApp) -> None:
    fake.open_window(PHONE)
    fake.pair_burst = 3
    assert [send(fake, text()).status_code for _ in range(4)] == [200, 200, 200, 400]


def test_recipients_outside_a_test_numbers_allow_list(fake: FakeWhatsApp) -> None:
    fake.allowed_recipients = {OTHER}
    fake.open_window(PHONE)
    assert code(send(fake, text())) == 131030


def test_undeliverable_numbers(fake: FakeWhatsApp) -> None:
    fake.open_window(PHONE)
    fake.mark_undeliverable(PHONE)
    response = send(fake, text())
    assert (response.status_code, code(response)) == (400, 131026)


# --- Faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "graph_code"),
    [
        (FaultKind.THROTTLE, 429, 130429),
        (FaultKind.SERVER_ERROR, 500, 1),
        (FaultKind.UNAVAILABLE, 503, 2),
        (FaultKind.UNDELIVERABLE, 400, 131026),
        (FaultKind.PAIR_RATE, 400, 131056),
    ],
)
def test_injected_faults_answer_like_the_api(
    fake: FakeWhatsApp, kind: FaultKind, status: int, graph_code: int
) -> None:
    fake.open_window(PHONE)
    fake.fail_next(kind, count=2)
    for _ in range(2):
        response = send(fake, text())
        assert (response.status_code, code(response)) == (status, graph_code)
    assert send(fake, text()).status_code == 200
    assert fake.counters[f"fault_{kind.value}"] == 2


def test_transient_faults_say_so_and_a_429_can_say_how_long(fake: FakeWhatsApp) -> None:
    fake.open_window(PHONE)
    fake.fail_next(FaultKind.UNAVAILABLE)
    assert send(fake, text()).json()["error"]["is_transient"] is True
    fake.fail_next("429", retry_after=3)
    assert send(fake, text()).headers["Retry-After"] == "3"


def test_a_timeout_after_acceptance_still_delivers(fake: FakeWhatsApp, sink: Sink) -> None:
    fake.open_window(PHONE)
    fake.fail_next(FaultKind.TIMEOUT, hang=1.0)
    with pytest.raises(httpx.ReadTimeout):
        send(fake, text(), timeout=0.2)
    [sent] = fake.sent_messages()
    fake.flush()
    assert sink.statuses() == ["sent", "delivered", "read"]
    assert sink.values()[0]["statuses"][0]["id"] == sent.wamid


def test_a_dropped_connection_sends_nothing(fake: FakeWhatsApp) -> None:
    fake.open_window(PHONE)
    fake.fail_next(FaultKind.DISCONNECT)
    with pytest.raises(httpx.RemoteProtocolError):
        send(fake, text())
    assert fake.sent_messages() == []
    assert send(fake, text()).status_code == 200


def test_a_random_fault_mix_repeats_with_its_seed() -> None:
    def run() -> list[int]:
        with FakeWhatsApp() as fake:
            fake.any_template = True
            fake.pair_burst = 100
            fake.set_fault_rate(0.5, seed=7, kinds=["429", "500", "503"])
            return [send(fake, template()).status_code for _ in range(20)]

    first = run()
    assert first == run()
    assert {200, 429, 500, 503} >= set(first) and 200 in first and len(set(first)) > 1


def test_reset_forgets_messages_and_faults(fake: FakeWhatsApp) -> None:
    fake.open_window(PHONE)
    send(fake, text())
    fake.fail_next("500", count=5)
    fake.reset()
    assert fake.sent_messages() == []
    assert fake.counters == {}
    assert code(send(fake, text())) == 131047  # the window was forgotten too


# --- Control endpoints (command-line mode) --------------------------------------------------


def test_control_endpoints_drive_the_fake_over_http(fake: FakeWhatsApp, sink: Sink) -> None:
    control = f"http://127.0.0.1:{fake.port}/_fake"
    assert (
        http.post(f"{control}/user_says", json={"phone": PHONE, "text": "Привет"}).status_code
        == 200
    )
    http.post(f"{control}/faults", json={"kind": "429", "count": 1, "retry_after": 2})
    assert send(fake, text()).status_code == 429
    assert send(fake, text()).status_code == 200
    http.post(f"{control}/templates", json={"name": "invite", "language": "ru"})
    http.post(f"{control}/limits", json={"pair_interval": 0.01})
    time.sleep(0.02)
    assert send(fake, template("invite")).status_code == 200
    sent = http.get(f"{control}/sent", params={"to": PHONE}).json()
    assert [m["type"] for m in sent] == ["text", "template"]
    state = http.get(f"{control}/state").json()
    assert state["count_429"] == 1
    assert state["settings"]["WHATSAPP_API_BASE_URL"] == fake.base_url
    fake.flush()
    assert sink.messages()[0]["text"]["body"] == "Привет"
    calls = http.get(f"{control}/webhooks").json()
    assert calls[0]["kind"] == "message"
    assert calls[0]["payload"]["entry"][0]["changes"][0]["value"]["messages"][0]["type"] == "text"


def test_control_endpoints_explain_mistakes(fake: FakeWhatsApp) -> None:
    control = f"http://127.0.0.1:{fake.port}/_fake"
    unknown = http.post(f"{control}/nothing")
    assert unknown.status_code == 404
    assert "POST /_fake/faults" in unknown.json()["error"]
    assert http.post(f"{control}/faults", json={"kind": "nonsense"}).status_code == 400
    assert http.post(f"{control}/user_says", json={}).status_code == 400


def test_settings_point_concord_at_the_fake(fake: FakeWhatsApp) -> None:
    assert fake.settings() == {
        "WHATSAPP_API_BASE_URL": f"http://127.0.0.1:{fake.port}/v21.0",
        "WHATSAPP_TOKEN": fake.token,
        "WHATSAPP_PHONE_NUMBER_ID": fake.phone_number_id,
        "WHATSAPP_APP_SECRET": fake.app_secret,
    }


# --- `concord fake_whatsapp` ----------------------------------------------------------------


def test_the_command_runs_the_fake_and_logs_each_call() -> None:
    out = io.StringIO()
    command = Command()
    options = {"port": 0, "template": ["invite:ru"], "status_delay": 0.0, "stdout": out}
    thread = threading.Thread(target=call_command, args=(command,), kwargs=options, daemon=True)
    thread.start()
    try:
        assert command.started.wait(5)
        fake = command.fake
        assert fake is not None
        assert send(fake, template("invite")).status_code == 200
        assert code(send(fake, template("other"))) == 132001
    finally:
        command.stop_requested.set()
        thread.join(5)
    printed = out.getvalue()
    assert f"export WHATSAPP_API_BASE_URL={fake.base_url}" in printed
    assert f"export WHATSAPP_APP_SECRET={fake.app_secret}" in printed
    assert "→ 200 template to 79991234567 'invite'" in printed
    assert "→ 404 (#132001)" in printed
    assert "Fake WhatsApp stopped." in printed
