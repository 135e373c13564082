"""Webhooks of the chat channels: check the sender, store the update, answer at once.

Nothing here processes an update (the worker does, see `inbound`), so Telegram and Meta get
their answer in milliseconds and never redeliver because the bot was slow. Whatever arrives,
the answer is a 2xx or a 4xx, never a 500: a 5xx would make the sender redeliver a body that
will never become valid. The one exception is a database that cannot store the update: then
503, on purpose, so that Telegram and Meta deliver it again later and nothing is lost.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from concord.messaging.inbound import inbound_store, whatsapp_events
from concord.messaging.models import Channel
from concord.messaging.whatsapp_webhook import verify_signature, verify_subscription

logger = logging.getLogger(__name__)

# Telegram updates are a few kilobytes; Meta batches up to a few hundred. Anything larger is
# not from them, and reading it would only cost memory.
MAX_BODY_BYTES = 1024 * 1024


class BadRequest(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _secret_matches(given: str, expected: str) -> bool:
    """Constant-time comparison; an unset secret matches nothing, so a forgotten setting
    refuses every update instead of accepting unauthenticated ones."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _raw_body(request: HttpRequest) -> bytes:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadRequest(413, f"declared body of {declared} bytes")
    body = request.read(MAX_BODY_BYTES + 1)  # also bounds a body sent without a length
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(413, "body too large")
    return body


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(400, f"malformed JSON: {error}") from None
    if not isinstance(payload, dict):
        raise BadRequest(400, "the JSON is not an object")
    return payload


def _refused(channel: str, request: HttpRequest, error: BadRequest) -> HttpResponse:
    logger.warning(
        "%s webhook refused (%s): %s from %s",
        channel,
        error.status,
        error,
        request.META.get("REMOTE_ADDR", "?"),
    )
    return HttpResponse(status=error.status)


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest) -> HttpResponse:
    """`setWebhook(secret_token=…)` makes Telegram send the secret in a header on every call."""
    try:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not _secret_matches(given, settings.TELEGRAM_WEBHOOK_SECRET):
            raise BadRequest(403, "wrong or missing secret token")
        update = _json_object(_raw_body(request))
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise BadRequest(400, "no update_id")
        _store(Channel.TELEGRAM, [(str(update_id), update)])
    except BadRequest as error:
        return _refused("Telegram", request, error)
    return JsonResponse({})


def _store(channel: str, events: list[tuple[str, dict[str, Any]]]) -> None:
    try:
        for external_id, payload in events:
            inbound_store(channel=channel, external_id=external_id, payload=payload)
    except DatabaseError as error:
        logger.exception("Could not store a %s update; the sender will deliver it again", channel)
        raise BadRequest(503, "database unavailable") from error


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    try:
        if request.method == "GET":
            return _whatsapp_handshake(request)
        return _whatsapp_receive(request)
    except BadRequest as error:
        return _refused("WhatsApp", request, error)


def _whatsapp_handshake(request: HttpRequest) -> HttpResponse:
    """Meta's subscription check: echo the challenge if the verify token is ours (an unset
    WHATSAPP_VERIFY_TOKEN refuses every handshake)."""
    challenge = verify_subscription(request.GET)
    if challenge is None:
        raise BadRequest(403, "wrong verify token")
    if not challenge or len(challenge) > 200:
        raise BadRequest(400, "no usable challenge")
    return HttpResponse(challenge, content_type="text/plain")


def _whatsapp_receive(request: HttpRequest) -> HttpResponse:
    """The signature covers the raw bytes, so it is checked before anything is parsed."""
    body = _raw_body(request)
    if not verify_signature(body, request.headers.get("X-Hub-Signature-256", "")):
        raise BadRequest(403, "bad X-Hub-Signature-256")
    events = list(whatsapp_events(_json_object(body)))
    _store(Channel.WHATSAPP, events)
    if not events:  # other fields Meta may subscribe us to; the body may hold personal data
        logger.info("WhatsApp webhook call of %s bytes without messages or statuses", len(body))
    return JsonResponse({})
