"""What alerts and reporter notices say, rendered as the outbox renders them."""

from __future__ import annotations

import pytest
from django.utils import translation

from concord.incidents.models import Case
from concord.incidents.services import case_take
from concord.incidents.tests.network import Network, build_network
from concord.messaging.models import OutboundMessage
from concord.messaging.providers.base import Outgoing
from concord.messaging.rendering import render

pytestmark = pytest.mark.django_db


@pytest.fixture
def net() -> Network:
    return build_network()


def rendered(template: str, person_id: int, channel: str = "telegram") -> Outgoing:
    message = OutboundMessage.objects.filter(template=template, person_id=person_id).latest("pk")
    return render(message, channel=channel, address="1", window_open=True)


def test_an_alert_says_what_where_and_offers_the_two_buttons(net: Network) -> None:
    net.police.languages = "en"
    net.police.save()
    case = net.report(
        text="Драка у рынка <b>",
        address="ул. Баумана, 1",
        latitude=55.79,
        longitude=49.12,
        communities=[net.community],
        named_consent=False,
    ).case
    alert = rendered("incidents.alert", net.police.pk)
    assert f"Case № {case.pk}" in alert.text and net.city.name in alert.text
    assert "Драка у рынка <b>" in alert.text and "&lt;b&gt;" in alert.html  # escaped for HTML
    assert "ул. Баумана, 1" in alert.text and "mlat=55.79" in alert.text
    assert f"/incidents/{case.pk}/" in alert.text
    assert [b.id for b in alert.buttons] == [f"case:take:{case.pk}", f"case:pass:{case.pk}"]
    assert net.reporter.full_name not in alert.text  # type: ignore[union-attr]
    assert alert.whatsapp_template is not None
    assert alert.whatsapp_template.name == "concord_alert"


def test_the_reporter_is_named_in_alerts_only_with_consent(net: Network) -> None:
    net.report(named_consent=True)
    alert = rendered("incidents.alert", net.police.pk)
    assert net.reporter.full_name in alert.text  # type: ignore[union-attr]


def test_an_alert_rendered_after_the_case_was_taken_has_no_buttons(net: Network) -> None:
    case = net.report().case
    case_take(case=case, person=net.official)
    assert rendered("incidents.alert", net.police.pk).buttons == ()
    taken = rendered("incidents.taken", net.police.pk)
    assert net.official.full_name in taken.text


def test_the_reporter_hears_the_case_number_in_russian_by_default(net: Network) -> None:
    case = net.report().case
    with translation.override("ru"):
        notice = rendered("incidents.report_received", net.reporter.pk)  # type: ignore[union-attr]
    assert f"Спасибо. Ваше сообщение зарегистрировано: случай № {case.pk}." in notice.text
    assert "112" in notice.text
    assert Case.objects.count() == 1
