"""A fake WhatsApp Business Cloud API for tests and the demo (never on the product's path).

    with FakeWhatsApp(webhook="http://127.0.0.1:8000/hooks/whatsapp/") as fake:
        fake.approve_template("concord_announcement", "ru", parameters=1, buttons=2)
        fake.user_says("79991234567", "Привет")        # opens the 24-hour window
        ...                                             # Concord sends through fake.base_url
        fake.flush()                                    # statuses and replies delivered
        assert fake.sent_messages(to="79991234567")[0].type == "text"

Modules: `graph` (error bodies and codes), `rules` (shape of a message), `state` (window,
limits, faults, counters), `webhooks` (payloads and the signed sender), `server` (HTTP),
`control` (the `/_fake/…` endpoints).
"""

from concord.testing.fakes.whatsapp.graph import GraphError, whatsapp_signature
from concord.testing.fakes.whatsapp.rules import Template
from concord.testing.fakes.whatsapp.server import FakeWhatsApp
from concord.testing.fakes.whatsapp.state import Fault, FaultKind, SentMessage
from concord.testing.fakes.whatsapp.webhooks import Delivery, WebhookCall

__all__ = [
    "Delivery",
    "FakeWhatsApp",
    "Fault",
    "FaultKind",
    "GraphError",
    "SentMessage",
    "Template",
    "WebhookCall",
    "whatsapp_signature",
]
