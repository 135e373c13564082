"""The fake Telegram Bot API behaves like the documented one: shapes, errors, limits, faults,
long polling and webhooks. Talked to over real HTTP, as Concord will."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

from concord.testing.fakes.telegram import FakeLimits, FakeTelegram

PERSON = 4242
OTHER = 4343
GROUP = -4012345
INLINE = {"inline_keyboard": [[{"text": "Да", "callback_data": "rsvp:yes"}]]}
# One pooled client: http.post() would build a new one (and an SSL context) for every call.
http = httpx.Client(timeout=5)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(limits=FakeLimits(per_chat_seconds=0)) as server:
        yield server


def api(fake: FakeTelegram, method: str, **params: Any) -> httpx.Response:
    return http.post(f"{fake.api_url}/{method}", json=params)


def result(fake: FakeTelegram, method: str, **params: Any) -> Any:
    response = api(fake, method, **params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True
    return body["result"]


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False
    assert body["error_code"] == status
    return body


# --- shapes -------------------------------------------------------------------------------


def test_get_me_describes_the_bot(fake: FakeTelegram) -> None:
    me = result(fake, "getMe")
    assert me["is_bot"] is True
    assert me["id"] == int(fake.token.split(":")[0])
    assert me["username"] == "concord_fake_bot"


def test_a_wrong_token_is_unauthorized(fake: FakeTelegram) -> None:
    response = http.post(f"{fake.base_url}/bot123:wrong/sendMessage", json={"chat_id": 1})
    assert error(response, 401)["description"] == "Unauthorized"
    assert fake.sent_messages() == []


def test_an_unknown_method_is_not_found(fake: FakeTelegram) -> None:
    assert error(api(fake, "sendTelepathy"), 404)["description"] == "Not Found"


def test_send_message_answers_a_real_message(fake: FakeTelegram) -> None:
    first = result(fake, "sendMessage", chat_id=PERSON, text="Здравствуйте")
    second = result(fake, "sendMessage", chat_id=str(PERSON), text="Ещё")
    other = result(fake, "sendMessage", chat_id=GROUP, text="Всем")
    assert first["text"] == "Здравствуйте"
    assert first["chat"] == {"id": PERSON, "type": "private", "first_name": f"User {PERSON}"}
    assert first["from"]["is_bot"] is True
    assert abs(first["date"] - time.time()) < 5
    assert (first["message_id"], second["message_id"], other["message_id"]) == (1, 2, 1)
    assert other["chat"]["type"] == "group"
    assert [m["text"] for m in fake.sent_messages(PERSON)] == ["Здравствуйте", "Ещё"]


def test_form_bodies_and_query_strings_are_accepted(fake: FakeTelegram) -> None:
    markup = '{"inline_keyboard": [[{"text": "Да", "callback_data": "rsvp:yes"}]]}'
    form = {"chat_id": str(PERSON), "text": "<b>Форма</b>", "reply_markup": markup}
    response = http.post(f"{fake.api_url}/sendMessage?parse_mode=HTML", data=form)
    message = response.json()["result"]
    assert message["text"] == "Форма"
    assert message["reply_markup"] == INLINE
    by_get = http.get(f"{fake.api_url}/getMe").json()
    assert by_get["ok"] is True


def test_multipart_bodies_are_accepted(fake: FakeTelegram) -> None:
    response = http.post(
        f"{fake.api_url}/sendMessage",
        data={"chat_id": str(PERSON), "text": "Файл"},
        files={"document": ("a.txt", b"hello")},
    )
    assert response.json()["result"]["text"] == "Файл"


def test_method_names_ignore_case(fake: FakeTelegram) -> None:
    assert result(fake, "sendmessage", chat_id=PERSON, text="x")["text"] == "x"


# --- HTML and markup ----------------------------------------------------------------------


def test_html_becomes_text_and_entities(fake: FakeTelegram) -> None:
    html = '<b>Сбор</b> в 10:00 &lt;зал&gt; <a href="https://example.org">карта</a> 👍 <i>ok</i>'
    message = result(fake, "sendMessage", chat_id=PERSON, text=html, parse_mode="HTML")
    assert message["text"] == "Сбор в 10:00 <зал> карта 👍 ok"
    bold, link, italic = message["entities"]
    assert bold == {"type": "bold", "offset": 0, "length": 4}
    assert link == {"type": "text_link", "offset": 19, "length": 5, "url": "https://example.org"}
    # The emoji counts as two UTF-16 code units, as Telegram counts offsets: 25 + 2 + 1.
    assert italic == {"type": "italic", "offset": 28, "length": 2}


@pytest.mark.parametrize(
    "html",
    [
        "<b>не закрыт",
        "<b>перепутаны <i>теги</b></i>",
        "лишний </b>",
        "<div>чужой тег</div>",
        "<span>без класса</span>",
        "1 < 2",
    ],
)
def test_malformed_html_cannot_be_parsed(fake: FakeTelegram, html: str) -> None:
    response = api(fake, "sendMessage", chat_id=PERSON, text=html, parse_mode="HTML")
    assert error(response, 400)["description"].startswith("Bad Request: can't parse entities")
    assert fake.sent_messages() == []


def test_empty_and_too_long_texts_are_refused(fake: FakeTelegram) -> None:
    empty = api(fake, "sendMessage", chat_id=PERSON, text="")
    assert error(empty, 400)["description"] == "Bad Request: message text is empty"
    long = api(fake, "sendMessage", chat_id=PERSON, text="я" * 4097)
    assert error(long, 400)["description"] == "Bad Request: message is too long"


def test_keyboards_are_checked_and_only_inline_ones_come_back(fake: FakeTelegram) -> None:
    menu = {"keyboard": [["Мои события"], [{"text": "Помощь"}]], "resize_keyboard": True}
    with_menu = result(fake, "sendMessage", chat_id=PERSON, text="Меню", reply_markup=menu)
    removed = result(
        fake, "sendMessage", chat_id=PERSON, text="x", reply_markup={"remove_keyboard": True}
    )
    inline = result(fake, "sendMessage", chat_id=PERSON, text="?", reply_markup=INLINE)
    assert "reply_markup" not in with_menu
    assert "reply_markup" not in removed
    assert inline["reply_markup"] == INLINE
    assert fake.calls("sendMessage")[0].params["reply_markup"] == menu


@pytest.mark.parametrize(
    ("markup", "description"),
    [
        ({"inline_keyboard": [[{"text": "x", "callback_data": "я" * 33}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [[{"text": "x"}]]}, "Text buttons are unallowed"),
        ({"inline_keyboard": "nope"}, "can't parse reply keyboard markup"),
        ({"something": True}, "can't parse reply keyboard markup"),
        ("{not json", "can't parse reply keyboard markup"),
    ],
)
def test_bad_markup_is_refused(fake: FakeTelegram, markup: object, description: str) -> None:
    response = api(fake, "sendMessage", chat_id=PERSON, text="x", reply_markup=markup)
    assert description in error(response, 400)["description"]


# --- edits, callbacks, polls, invite links ---------------------------------------------------


def test_edit_message_text_and_markup(fake: FakeTelegram) -> None:
    sent = result(fake, "sendMessage", chat_id=PERSON, text="Придёте?", reply_markup=INLINE)
    edited = result(
        fake,
        "editMessageText",
        chat_id=PERSON,
        message_id=sent["message_id"],
        text="<b>Спасибо</b>",
        parse_mode="HTML",
    )
    assert edited["text"] == "Спасибо"
    assert "reply_markup" not in edited  # an edit without markup drops the keyboard
    assert "edit_date" in edited
    assert fake.sent_messages(PERSON)[0]["text"] == "Спасибо"
    again = api(
        fake,
        "editMessageText",
        chat_id=PERSON,
        message_id=1,
        text="<b>Спасибо</b>",
        parse_mode="HTML",
    )
    assert "message is not modified" in error(again, 400)["description"]
    markup = result(
        fake, "editMessageReplyMarkup", chat_id=PERSON, message_id=1, reply_markup=INLINE
    )
    assert markup["reply_markup"] == INLINE
    missing = api(fake, "editMessageText", chat_id=PERSON, message_id=99, text="x")
    assert error(missing, 400)["description"] == "Bad Request: message to edit not found"


def test_answer_callback_query_needs_a_query_that_arrived(fake: FakeTelegram) -> None:
    result(fake, "sendMessage", chat_id=PERSON, text="Придёте?", reply_markup=INLINE)
    update = fake.push_update(fake.make_callback_query_update(PERSON, "rsvp:yes"))
    query = update["callback_query"]
    assert query["message"]["reply_markup"] == INLINE
    assert query["from"]["id"] == PERSON
    assert result(fake, "answerCallbackQuery", callback_query_id=query["id"], text="Записали")
    assert fake.callback_answers()[query["id"]]["text"] == "Записали"
    twice = api(fake, "answerCallbackQuery", callback_query_id=query["id"])
    assert "query is too old" in error(twice, 400)["description"]
    unknown = api(fake, "answerCallbackQuery", callback_query_id="123")
    assert "query ID is invalid" in error(unknown, 400)["description"]


def test_polls_are_sent_and_stopped(fake: FakeTelegram) -> None:
    options = ["Да", {"text": "Нет"}]
    message = result(
        fake, "sendPoll", chat_id=GROUP, question="Встреча?", options=options, is_anonymous=False
    )
    poll = message["poll"]
    assert poll["is_anonymous"] is False
    assert [o["text"] for o in poll["options"]] == ["Да", "Нет"]
    answer = fake.make_poll_answer_update(poll["id"], PERSON, [0])["poll_answer"]
    assert answer == {
        "poll_id": poll["id"],
        "user": answer["user"],
        "option_ids": [0],
    }
    stopped = result(fake, "stopPoll", chat_id=GROUP, message_id=message["message_id"])
    assert stopped["is_closed"] is True
    again = api(fake, "stopPoll", chat_id=GROUP, message_id=message["message_id"])
    assert error(again, 400)["description"] == "Bad Request: poll has already been closed"
    one = api(fake, "sendPoll", chat_id=GROUP, question="?", options=["Да"])
    assert "at least 2 option" in error(one, 400)["description"]


def test_invite_links_are_for_groups(fake: FakeTelegram) -> None:
    link = result(fake, "createChatInviteLink", chat_id=GROUP, name="Семинар")
    assert link["invite_link"].startswith("https://t.me/+")
    assert link["name"] == "Семинар"
    assert link["is_revoked"] is False
    private = api(fake, "createChatInviteLink", chat_id=PERSON)
    assert error(private, 400)["description"].startswith("Bad Request:")


# --- limits ------------------------------------------------------------------------------


def test_a_private_chat_gets_one_message_per_interval() -> None:
    with FakeTelegram(limits=FakeLimits(per_chat_seconds=0.3)) as fake:
        result(fake, "sendMessage", chat_id=PERSON, text="1")
        body = error(api(fake, "sendMessage", chat_id=PERSON, text="2"), 429)
        assert body["parameters"]["retry_after"] == 1
        assert body["description"] == "Too Many Requests: retry after 1"
        result(fake, "sendMessage", chat_id=OTHER, text="another chat is fine")
        time.sleep(0.3)
        result(fake, "sendMessage", chat_id=PERSON, text="3")
        assert (fake.count_429, fake.count_limit_429) == (1, 1)
        assert [m["text"] for m in fake.sent_messages(PERSON)] == ["1", "3"]


def test_the_bot_gets_a_global_rate() -> None:
    with FakeTelegram(limits=FakeLimits(per_second=5, per_chat_seconds=0)) as fake:
        statuses = [
            api(fake, "sendMessage", chat_id=PERSON + n, text="x").status_code for n in range(7)
        ]
        assert statuses == [200] * 5 + [429] * 2
        assert fake.count_limit_429 == 2


def test_a_group_gets_a_rate_per_minute() -> None:
    with FakeTelegram(limits=FakeLimits(per_group_per_minute=3)) as fake:
        statuses = [api(fake, "sendMessage", chat_id=GROUP, text="x").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        retry_after = api(fake, "sendMessage", chat_id=GROUP, text="x").json()["parameters"]
        assert 55 <= retry_after["retry_after"] <= 60


def test_a_well_paced_client_never_sees_a_429() -> None:
    with FakeTelegram(limits=FakeLimits(per_second=20, per_chat_seconds=0.1)) as fake:
        for n in range(6):
            result(fake, "sendMessage", chat_id=PERSON, text=str(n))
            time.sleep(0.1)
        times = fake.send_times(PERSON)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 0.1
        assert fake.count_429 == 0


def test_edits_do_not_count_towards_the_limits() -> None:
    with FakeTelegram(limits=FakeLimits(per_chat_seconds=10)) as fake:
        result(fake, "sendMessage", chat_id=PERSON, text="1")
        result(fake, "editMessageText", chat_id=PERSON, message_id=1, text="2")
        assert fake.count_429 == 0


# --- faults ------------------------------------------------------------------------------


def test_an_injected_flood_holds_for_retry_after(fake: FakeTelegram) -> None:
    fake.fail_next("flood", retry_after=0.3)
    flooded = error(api(fake, "sendMessage", chat_id=PERSON, text="1"), 429)
    assert flooded["parameters"]["retry_after"] == 0.3
    error(api(fake, "sendMessage", chat_id=OTHER, text="too soon"), 429)
    time.sleep(0.35)
    result(fake, "sendMessage", chat_id=PERSON, text="after the wait")
    assert (fake.count_429, fake.count_limit_429) == (2, 1)


def test_server_errors_come_as_json_or_as_a_proxy_page(fake: FakeTelegram) -> None:
    fake.fail_next("server_error", status=500)
    fake.fail_next("server_error", count=2, status=502)
    assert error(api(fake, "sendMessage", chat_id=PERSON, text="x"), 500)
    gateway = api(fake, "sendMessage", chat_id=PERSON, text="x")
    assert gateway.status_code == 502
    assert gateway.headers["content-type"] == "text/html"
    assert api(fake, "sendMessage", chat_id=PERSON, text="x").status_code == 502
    assert api(fake, "sendMessage", chat_id=PERSON, text="x").status_code == 200


def test_faults_can_target_one_method(fake: FakeTelegram) -> None:
    fake.fail_next("server_error", method="getUpdates")
    assert api(fake, "sendMessage", chat_id=PERSON, text="x").status_code == 200
    assert api(fake, "getUpdates").status_code == 502
    assert api(fake, "getUpdates").status_code == 200


@pytest.mark.parametrize(
    ("reason", "description"),
    [
        ("blocked", "Forbidden: bot was blocked by the user"),
        ("kicked", "Forbidden: bot was kicked from the group chat"),
        ("deactivated", "Forbidden: user is deactivated"),
    ],
)
def test_a_chat_can_refuse_the_bot(fake: FakeTelegram, reason: str, description: str) -> None:
    fake.block_chat(PERSON, reason=reason)
    assert error(api(fake, "sendMessage", chat_id=PERSON, text="x"), 403)["description"] == (
        description
    )
    fake.unblock_chat(PERSON)
    result(fake, "sendMessage", chat_id=PERSON, text="x")


def test_an_unknown_chat_is_not_found(fake: FakeTelegram) -> None:
    fake.forget_chat(PERSON)
    response = api(fake, "sendMessage", chat_id=PERSON, text="x")
    assert error(response, 400)["description"] == "Bad Request: chat not found"
    assert error(api(fake, "sendMessage", chat_id="nobody", text="x"), 400)


def test_a_migrated_group_points_to_its_supergroup(fake: FakeTelegram) -> None:
    new_id = fake.migrate_group(GROUP)
    assert new_id == int(f"-100{abs(GROUP)}")
    body = error(api(fake, "sendMessage", chat_id=GROUP, text="x"), 400)
    assert body["parameters"] == {"migrate_to_chat_id": new_id}
    assert "upgraded to a supergroup" in body["description"]
    message = result(fake, "sendMessage", chat_id=new_id, text="x")
    assert message["chat"]["type"] == "supergroup"


def test_a_timeout_after_acceptance_delivers_without_answering(fake: FakeTelegram) -> None:
    fake.fail_next("timeout", stall=5)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        http.post(f"{fake.api_url}/sendMessage", json={"chat_id": PERSON, "text": "x"}, timeout=0.3)
    assert time.monotonic() - started < 2
    assert [m["text"] for m in fake.sent_messages(PERSON)] == ["x"]


def test_a_dropped_connection_delivers_without_answering(fake: FakeTelegram) -> None:
    fake.fail_next("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        api(fake, "sendMessage", chat_id=PERSON, text="x")
    assert len(fake.sent_messages(PERSON)) == 1


def test_random_faults_follow_the_seed() -> None:
    def statuses(seed: int) -> list[int]:
        with FakeTelegram(limits=FakeLimits(per_chat_seconds=0, per_second=0)) as fake:
            fake.set_fault_rate(0.3, seed=seed, kinds=("server_error", "drop"))
            return [_status_or_zero(fake) for _ in range(40)]

    first = statuses(7)
    assert first == statuses(7)
    failed = [status for status in first if status != 200]
    assert 4 <= len(failed) <= 24
    assert set(failed) <= {0, 500, 502, 503}


def _status_or_zero(fake: FakeTelegram) -> int:
    try:
        return api(fake, "sendMessage", chat_id=PERSON, text="x").status_code
    except httpx.RemoteProtocolError:
        return 0  # dropped after acceptance


def test_a_random_flood_is_a_real_429() -> None:
    with FakeTelegram() as fake:
        fake.set_fault_rate(1.0, seed=1, kinds=("flood",))
        assert error(api(fake, "sendMessage", chat_id=PERSON, text="x"), 429)["parameters"]


def test_clear_faults_forgets_them(fake: FakeTelegram) -> None:
    fake.fail_next("server_error", count=5)
    fake.set_fault_rate(1.0)
    fake.clear_faults()
    assert api(fake, "sendMessage", chat_id=PERSON, text="x").status_code == 200


def test_unknown_faults_are_refused(fake: FakeTelegram) -> None:
    with pytest.raises(ValueError):
        fake.fail_next("meteor")
    with pytest.raises(ValueError):
        fake.inject("meteor")


# --- getUpdates --------------------------------------------------------------------------


def test_get_updates_returns_and_confirms_updates(fake: FakeTelegram) -> None:
    first = fake.push_update(fake.make_message_update(PERSON, "/start abc"))
    second = fake.push_update(fake.make_message_update(PERSON, "Привет"))
    updates = result(fake, "getUpdates")
    assert [u["update_id"] for u in updates] == [first["update_id"], second["update_id"]]
    start = updates[0]["message"]
    assert start["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert start["from"] == {
        "id": PERSON,
        "is_bot": False,
        "first_name": "Анна",
        "language_code": "ru",
    }
    assert len(result(fake, "getUpdates", limit=1)) == 1
    assert result(fake, "getUpdates", offset=second["update_id"]) == [updates[1]]
    assert result(fake, "getUpdates", offset=second["update_id"] + 1) == []
    assert fake.pending_updates() == []


def test_get_updates_long_polls_until_an_update_arrives(fake: FakeTelegram) -> None:
    timer = threading.Timer(0.2, lambda: fake.push_update(fake.make_message_update(1, "hi")))
    timer.start()
    started = time.monotonic()
    updates = result(fake, "getUpdates", timeout=5)
    assert 0.15 < time.monotonic() - started < 3
    assert updates[0]["message"]["text"] == "hi"


def test_get_updates_answers_empty_after_its_timeout(fake: FakeTelegram) -> None:
    started = time.monotonic()
    assert result(fake, "getUpdates", timeout=1) == []
    assert 0.9 < time.monotonic() - started < 3


def test_a_second_poller_ends_the_first(fake: FakeTelegram) -> None:
    answers: list[httpx.Response] = []
    first = threading.Thread(target=lambda: answers.append(api(fake, "getUpdates", timeout=5)))
    first.start()
    time.sleep(0.2)
    assert result(fake, "getUpdates") == []
    fake.push_update(fake.make_message_update(1, "wake"))
    first.join(5)
    assert "terminated by other getUpdates" in error(answers[0], 409)["description"]


def test_stop_releases_a_waiting_poller() -> None:
    fake = FakeTelegram().start()
    answers: list[httpx.Response] = []
    poller = threading.Thread(target=lambda: answers.append(api(fake, "getUpdates", timeout=30)))
    poller.start()
    time.sleep(0.2)
    started = time.monotonic()
    fake.stop()
    poller.join(5)
    assert time.monotonic() - started < 3


# --- webhooks ----------------------------------------------------------------------------


def test_a_webhook_receives_updates_with_the_secret(
    fake: FakeTelegram, httpserver: HTTPServer
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret_-X"}
    httpserver.expect_request("/hooks/telegram/", method="POST", headers=headers).respond_with_data(
        ""
    )
    url = httpserver.url_for("/hooks/telegram/")
    assert result(fake, "setWebhook", url=url, secret_token="s3cret_-X") is True
    update = fake.push_update(fake.make_message_update(PERSON, "Привет"))
    [(request, _response)] = httpserver.log
    assert request.get_json() == update
    info = result(fake, "getWebhookInfo")
    assert (info["url"], info["pending_update_count"]) == (url, 0)
    conflict = api(fake, "getUpdates")
    assert "webhook is active" in error(conflict, 409)["description"]


def test_a_failing_webhook_keeps_the_update(fake: FakeTelegram, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_data("no", status=500)
    result(fake, "setWebhook", url=httpserver.url_for("/hook"))
    fake.push_update(fake.make_message_update(PERSON, "Привет"))
    info = result(fake, "getWebhookInfo")
    assert info["pending_update_count"] == 1
    assert "500" in info["last_error_message"]
    assert fake.webhook_deliveries()[0]["status"] == 500
    result(fake, "deleteWebhook")
    assert result(fake, "getUpdates")[0]["message"]["text"] == "Привет"


def test_a_bad_secret_token_is_refused(fake: FakeTelegram) -> None:
    response = api(fake, "setWebhook", url="https://example.org/", secret_token="не так")
    assert "secret token contains unallowed characters" in error(response, 400)["description"]


# --- update builders and files -------------------------------------------------------------


def test_photos_and_voice_notes_can_be_downloaded(fake: FakeTelegram) -> None:
    photo = fake.make_photo_update(PERSON, caption="Плакат", content=b"jpeg-bytes")["message"]
    voice = fake.make_voice_update(PERSON, duration=7)["message"]["voice"]
    assert photo["caption"] == "Плакат"
    assert [size["width"] for size in photo["photo"]] == [90, 1280]
    assert voice["mime_type"] == "audio/ogg"
    assert voice["duration"] == 7
    file = result(fake, "getFile", file_id=photo["photo"][-1]["file_id"])
    assert file["file_size"] == len(b"jpeg-bytes")
    download = http.get(f"{fake.base_url}/file/bot{fake.token}/{file['file_path']}")
    assert download.content == b"jpeg-bytes"
    wrong_token = http.get(f"{fake.base_url}/file/bot1:x/{file['file_path']}")
    assert wrong_token.status_code == 404
    assert error(api(fake, "getFile", file_id="nope"), 400)["description"].endswith(
        "invalid file_id"
    )


def test_location_and_migration_updates(fake: FakeTelegram) -> None:
    location = fake.make_location_update(PERSON, 55.75, 37.62)["message"]["location"]
    assert location == {"latitude": 55.75, "longitude": 37.62}
    new_id = int(f"-100{abs(GROUP)}")
    old_side = fake.make_migration_update(GROUP, new_id)["message"]
    new_side = fake.make_migration_update(GROUP, new_id, side="new")["message"]
    assert (old_side["chat"]["id"], old_side["migrate_to_chat_id"]) == (GROUP, new_id)
    assert (new_side["chat"]["type"], new_side["migrate_from_chat_id"]) == ("supergroup", GROUP)


def test_named_chats_and_users_appear_in_updates(fake: FakeTelegram) -> None:
    fake.add_chat(PERSON, first_name="Зарема")
    fake.add_chat(GROUP, title="НКО Поволжья")
    assert fake.make_message_update(PERSON, "x")["message"]["from"]["first_name"] == "Зарема"
    in_group = fake.make_message_update(GROUP, "x")["message"]
    assert in_group["chat"]["title"] == "НКО Поволжья"
    assert in_group["from"]["id"] != GROUP


# --- control endpoints and threads ---------------------------------------------------------


def test_control_endpoints_drive_the_fake(fake: FakeTelegram) -> None:
    control = f"{fake.base_url}/_fake"
    pushed = http.post(f"{control}/updates/message", json={"chat_id": PERSON, "text": "/start"})
    assert pushed.json()["result"]["message"]["text"] == "/start"
    fault = {"kind": "blocked", "chat_id": PERSON}
    assert http.post(f"{control}/faults", json=fault).status_code == 200
    assert api(fake, "sendMessage", chat_id=PERSON, text="x").status_code == 403
    result(fake, "sendMessage", chat_id=OTHER, text="Здравствуйте")
    sent = http.get(f"{control}/sent", params={"chat_id": OTHER}).json()["result"]
    assert [m["text"] for m in sent] == ["Здравствуйте"]
    calls = http.get(f"{control}/calls", params={"method": "sendMessage"}).json()["result"]
    assert [c["status"] for c in calls] == [403, 200]
    summary = http.get(f"{control}/").json()["result"]
    assert summary["blocked_chats"] == [str(PERSON)]
    assert summary["pending_updates"] == 1
    assert http.post(f"{control}/faults", json={"kind": "meteor"}).status_code == 400
    assert http.get(f"{control}/nothing").status_code == 404
    http.post(f"{control}/reset")
    assert fake.sent_messages() == []


def test_concurrent_senders_get_distinct_message_ids() -> None:
    with FakeTelegram(limits=FakeLimits(per_second=0, per_group_per_minute=0)) as fake:

        def send_five() -> None:
            for _ in range(5):
                result(fake, "sendMessage", chat_id=GROUP, text="x")

        threads = [threading.Thread(target=send_five) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ids = [m["message_id"] for m in fake.sent_messages(GROUP)]
        assert sorted(ids) == list(range(1, 21))
