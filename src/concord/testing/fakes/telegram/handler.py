"""The HTTP side: a threaded stdlib server that reads requests the way the Bot API accepts
them (query string, JSON, form-encoded or multipart bodies) and writes the fake's answers."""

from __future__ import annotations

import json
import re
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from concord.testing.fakes.telegram import control
from concord.testing.fakes.telegram.errors import ApiError, bad_request, not_found

if TYPE_CHECKING:
    from concord.testing.fakes.telegram.server import FakeTelegram, Outcome

_API = re.compile(r"/bot([^/]*)/([A-Za-z]+)/?")
_FILE = re.compile(r"/file/bot([^/]*)/(.+)")


class FakeTelegramServer(ThreadingHTTPServer):
    # Handler threads die with the process: a stalled answer must never keep a test run alive.
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeTelegram) -> None:
        self.fake = fake
        super().__init__(address, _Handler)


def _form(body: bytes) -> dict[str, Any]:
    pairs = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    return {key: values[-1] for key, values in pairs.items()}


def _multipart(body: bytes, content_type: str) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=default_policy).parsebytes(head + body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        fields[str(name)] = payload if part.get_filename() else payload.decode("utf-8")
    return fields


def _body_params(body: bytes, content_type: str, full_type: str) -> dict[str, Any]:
    if content_type == "application/json":
        try:
            params = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise bad_request("can't parse JSON") from None
        if not isinstance(params, dict):
            raise bad_request("JSON object expected")
        return params
    if content_type == "multipart/form-data":
        return _multipart(body, full_type)
    return _form(body)


def _jsonable(value: object) -> str:
    """Uploaded files recorded among a call's parameters are shown by size."""
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return repr(value)


class _Handler(BaseHTTPRequestHandler):
    server: FakeTelegramServer
    server_version = "nginx"  # what api.telegram.org says it is
    sys_version = ""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: calls are reported through FakeTelegram.on_call instead."""

    def _dispatch(self, verb: str) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        try:
            if path == "/_fake" or path.startswith("/_fake/"):
                self._control(verb, path, url.query)
            elif match := _FILE.fullmatch(path):
                self._file(match.group(1), match.group(2))
            elif match := _API.fullmatch(path):
                self._api(match.group(1), match.group(2), url.query)
            else:
                self._json(404, not_found().body())
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout); nothing to answer

    def _read_params(self, query: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()
        }
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if body:
            full_type = self.headers.get("Content-Type", "")
            params.update(_body_params(body, self.headers.get_content_type(), full_type))
        return params

    def _api(self, token: str, method: str, query: str) -> None:
        try:
            params = self._read_params(query)
        except ApiError as error:
            self._json(error.status, error.body())
            return
        outcome = self.server.fake.api_call(token, method, params)
        if outcome.after:
            self._no_answer(outcome)
        elif outcome.raw:
            self._write(outcome.status, outcome.raw, outcome.content_type)
        else:
            self._json(outcome.status, outcome.body)

    def _no_answer(self, outcome: Outcome) -> None:
        """Accepted but never answered: stall (the client times out), then hang up."""
        if outcome.after == "timeout":
            self.server.fake.wait_stall(outcome.stall)
        self.close_connection = True

    def _file(self, token: str, file_path: str) -> None:
        content = self.server.fake.download(token, file_path)
        if content is None:
            self._json(404, not_found().body())
        else:
            self._write(200, content, "application/octet-stream")

    def _control(self, verb: str, path: str, query: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            self._json(400, {"ok": False, "description": "The body must be JSON."})
            return
        status, payload = control.handle(self.server.fake, verb, path, query, body)
        self._json(status, payload)

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False, default=_jsonable).encode("utf-8")
        self._write(status, data, "application/json")

    def _write(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
