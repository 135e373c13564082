"""`FakeWhatsApp`: the fake Cloud API as a real HTTP server on 127.0.0.1, in a background thread.

It answers `POST /{version}/{phone_number_id}/messages` like the Graph API (see `state.py` for
the rules it enforces), posts signed webhooks for what users "do" and for delivery statuses,
and takes commands under `/_fake/…` when it runs on its own (`concord fake_whatsapp`).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from concord.testing.fakes.whatsapp import control, graph, webhooks
from concord.testing.fakes.whatsapp.media import DOWNLOAD_PATH, MediaStore
from concord.testing.fakes.whatsapp.rules import wa_id
from concord.testing.fakes.whatsapp.state import FakeState, Outcome, SentMessage
from concord.testing.fakes.whatsapp.webhooks import (
    Business,
    WebhookCall,
    WebhookSender,
    WebhookTarget,
)
from concord.testing.fakes.whatsapp.wire import Reply, Request

_MESSAGES = re.compile(r"^/v\d+\.\d+/(?P<object_id>[^/]+)/messages/?$")
_OBJECT = re.compile(r"^/v\d+\.\d+/(?P<object_id>\d+)/?$")
_MIME = {
    "image": "image/jpeg",
    "audio": "audio/ogg; codecs=opus",
    "video": "video/mp4",
    "document": "application/pdf",
}


class FakeWhatsApp(FakeState, MediaStore):
    """Start it, point WHATSAPP_API_BASE_URL at `base_url`, and talk to it like to Meta."""

    def __init__(
        self,
        *,
        port: int = 0,
        api_version: str = "v21.0",
        token: str = "fake-whatsapp-token",
        phone_number_id: str = "100000000000001",
        app_secret: str = "fake-whatsapp-app-secret",
        display_phone_number: str = "15550001234",
        webhook: WebhookTarget | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self._init_media()
        self.host, self.port, self.api_version = "127.0.0.1", port, api_version
        self.token, self.phone_number_id, self.app_secret = token, phone_number_id, app_secret
        self.business = Business(phone_number_id, display_phone_number, "200000000000001")
        self._log_line = log or (lambda line: None)
        self.webhooks = WebhookSender(app_secret, self._log_line)
        self.webhooks.target = webhook
        self._server: _Server | None = None
        self._stopping = threading.Event()

    # --- Life -----------------------------------------------------------------------------

    def start(self) -> FakeWhatsApp:
        self._server = _Server((self.host, self.port), _Handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        # A short poll interval: stop() waits for the loop to notice, once per test.
        serve = partial(self._server.serve_forever, poll_interval=0.01)
        threading.Thread(target=serve, name="fake-whatsapp", daemon=True).start()
        self.webhooks.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes answers held back by a timeout fault
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.webhooks.stop()

    def __enter__(self) -> FakeWhatsApp:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/{self.api_version}"

    def settings(self) -> dict[str, str]:
        """The Django settings that make Concord talk to this fake."""
        return {
            "WHATSAPP_API_BASE_URL": self.base_url,
            "WHATSAPP_TOKEN": self.token,
            "WHATSAPP_PHONE_NUMBER_ID": self.phone_number_id,
            "WHATSAPP_APP_SECRET": self.app_secret,
        }

    # --- Webhooks -------------------------------------------------------------------------

    def set_webhook(self, target: WebhookTarget | None) -> None:
        """A URL, a callable(body, headers) -> status, or None to keep calls for `take`."""
        self.webhooks.target = target

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued webhook, delayed ones included, has been delivered."""
        return self.webhooks.flush(timeout)

    def take_webhooks(self) -> list[WebhookCall]:
        return self.webhooks.take()

    def subscribe_webhook(self, url: str, verify_token: str) -> bool:
        """Meta's verification handshake: GET with hub.* and expect the challenge back."""
        challenge = str(secrets.randbelow(10**9))
        query = {
            "hub.mode": "subscribe",
            "hub.challenge": challenge,
            "hub.verify_token": verify_token,
        }
        try:
            response = httpx.get(f"{url}?{urlencode(query)}", timeout=10)
        except httpx.HTTPError as error:
            self._log_line(f"webhook verification: {error}")
            return False
        ok = response.status_code == 200 and response.text == challenge
        self._log_line(
            f"webhook verification {url} → {response.status_code} {'ok' if ok else 'refused'}"
        )
        return ok

    # --- What users do --------------------------------------------------------------------

    def user_says(self, phone: str, text: str, *, name: str = "Test User") -> str:
        """A person writes to the business: opens the 24-hour window and posts the webhook."""
        return self._from_user(phone, "text", {"body": text}, name)

    def user_taps(
        self,
        phone: str,
        button_id: str,
        title: str,
        *,
        context: str | None = None,
        name: str = "Test User",
    ) -> str:
        """A tap on a reply button of `context` (default: the last message to this person).

        Tapping a template's quick reply arrives as type "button", a reply button of an
        interactive message as type "interactive" — as on the real platform.
        """
        replied = self.message(context) if context else self._last_sent(phone)
        quoted = (
            {"from": self.business.display_phone_number, "id": replied.wamid} if replied else None
        )
        if replied is not None and replied.type == "template":
            return self._from_user(
                phone, "button", {"payload": button_id, "text": title}, name, quoted
            )
        content = {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}
        return self._from_user(phone, "interactive", content, name, quoted)

    def user_shares_location(
        self, phone: str, latitude: float, longitude: float, *, label: str = "", address: str = ""
    ) -> str:
        content: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        content.update({k: v for k, v in {"name": label, "address": address}.items() if v})
        return self._from_user(phone, "location", content, "Test User")

    def user_sends_media(
        self, phone: str, kind: str = "image", *, caption: str = "", content: bytes | None = None
    ) -> str:
        """An image, audio (a voice note), video or document. The media is kept so that
        `GET /{media-id}` and its download URL serve it (`media[...]`, `forget_media`)."""
        media = self.add_media(kind, _MIME[kind], content)
        body: dict[str, Any] = {
            "id": media.media_id,
            "mime_type": _MIME[kind],
            "sha256": media.sha256,
        }
        if caption and kind != "audio":
            body["caption"] = caption
        if kind == "audio":
            body["voice"] = True
        if kind == "document":
            body["filename"] = "report.pdf"
        return self._from_user(phone, kind, body, "Test User")

    def _last_sent(self, phone: str) -> SentMessage | None:
        sent = self.sent_messages(phone)
        return sent[-1] if sent else None

    def _from_user(
        self, phone: str, kind: str, content: Any, name: str, context: dict[str, str] | None = None
    ) -> str:
        at = self.now()
        self.open_window(phone, at)
        message = webhooks.user_message(wa_id(phone), kind, at, content)
        if context:
            message["context"] = context
        payload = webhooks.inbound(self.business, wa_id(phone), name, message)
        self.webhooks.submit("message", payload, f"{kind} from {wa_id(phone)}")
        return str(message["id"])

    # --- HTTP -----------------------------------------------------------------------------

    def handle_http(self, request: Request) -> Reply:
        if request.path.startswith("/_fake/"):
            reply = control.handle(self, request)
            self._log_line(f"{request.method} {request.path} → {reply.status}")
            return reply
        if request.method == "GET" and (media := _OBJECT.match(request.path)):
            return self.media_info(request, media["object_id"])
        if request.method == "GET" and request.path == DOWNLOAD_PATH:
            return self.media_download(request)
        match = _MESSAGES.match(request.path)
        if request.method == "POST" and match:
            outcome = self._messages(request, match["object_id"])
        else:
            outcome = self.refuse(graph.unknown_path())
        status = outcome.status or "closed"
        self._log_line(f"{request.method} {request.path} → {status} {outcome.summary}")
        after = partial(self._post_statuses, outcome) if outcome.statuses else None
        return Reply(
            outcome.status, outcome.body, outcome.headers, outcome.hang, outcome.disconnect, after
        )

    def _messages(self, request: Request, object_id: str) -> Outcome:
        with self._lock:
            self.counters["requests"] += 1
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return self.refuse(graph.invalid_token())
        if object_id != self.phone_number_id:
            return self.refuse(graph.unknown_object(object_id))
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return self.refuse(graph.invalid_parameter("The request body is not valid JSON."))
        return self.handle_send(body)

    def _post_statuses(self, outcome: Outcome) -> None:
        message = outcome.message
        assert message is not None  # statuses are planned for accepted messages only
        for number, (state, code) in enumerate(outcome.statuses, start=1):
            payload = webhooks.status(
                self.business,
                wamid=message.wamid,
                state=state,
                recipient=message.to,
                at=self.now(),
                error_code=code,
                callback_data=message.callback_data,
            )
            message.statuses.append(state)
            summary = f"status {state} {message.wamid[:18]}…"
            delay = self.status_lag + number * self.status_delay
            self.webhooks.submit("status", payload, summary, delay=delay)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for answers held back by a timeout fault
    fake: FakeWhatsApp


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects from a real API
    # Headers and body are written separately: without TCP_NODELAY every answer on a kept-
    # alive connection waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the fake logs one line per call itself."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Request(
            self.command, url.path, parse_qs(url.query), headers, self.rfile.read(length)
        )
        reply = self.server.fake.handle_http(request)
        if reply.disconnect:
            self.close_connection = True
            return
        if reply.after:
            # Statuses are queued before the answer goes out, so that a test that got its
            # answer can `flush()` them; they fall due a little later (`status_lag`).
            reply.after()
        if reply.hang:  # accepted and delivered, but the caller waits in vain
            self.server.fake._stopping.wait(reply.hang)
        self._write(reply)

    def _write(self, reply: Reply) -> None:
        body = (
            reply.raw
            if reply.raw is not None
            else json.dumps(reply.payload, ensure_ascii=False).encode()
        )
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the caller gave up (timeout fault): nothing left to answer
            self.close_connection = True
