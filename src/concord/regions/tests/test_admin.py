from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from concord.regions.services import LoadReport

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["country", "federaldistrict", "region", "city"])
def test_admin_lists_and_searches(ru: LoadReport, admin_client: Client, model: str) -> None:
    url = reverse(f"admin:regions_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "Яросл"}).status_code == 200


def test_admin_region_page_and_autocomplete(ru: LoadReport, admin_client: Client) -> None:
    from concord.regions.models import Region

    region = Region.objects.get(code="RU-YAR")
    page = admin_client.get(reverse("admin:regions_region_change", args=[region.pk]))
    assert page.status_code == 200
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "regions", "model_name": "region", "field_name": "capital", "term": "Яросл"},
    )
    assert found.status_code == 200
    assert "Ярославль" in found.json()["results"][0]["text"]
