"""The draft kept in the chat's stored state (`Turn.keep`) while the report is written, and
the `ReportDraft` made of it when it is sent."""

from __future__ import annotations

from typing import Any

from concord.directory.models import EthnicCommunity
from concord.incidents.models import Report
from concord.incidents.services import AttachmentDraft, ReportDraft
from concord.regions.models import City, Region

NAME = "report"  # the flow's name, and the key its draft is kept under
COMMUNITIES_SHOWN = 8

Draft = dict[str, Any]


def new_draft() -> Draft:
    return {"step": "what", "text": "", "files": [], "communities": []}


def has_content(draft: Draft) -> bool:
    return bool(draft.get("text") or draft.get("files") or draft.get("step") != "what")


def draft_region(draft: Draft) -> Region | None:
    region_id = draft.get("region")
    return Region.objects.filter(pk=region_id).first() if region_id else None


def draft_city(draft: Draft) -> City | None:
    city_id = draft.get("city")
    return City.objects.select_related("region").filter(pk=city_id).first() if city_id else None


def draft_communities(draft: Draft) -> list[EthnicCommunity]:
    """The communities of the region's organisations, as the choices of step 5."""
    region_id = draft.get("region")
    if not region_id:
        return []
    found = EthnicCommunity.objects.filter(organisations__region_id=region_id).distinct()
    return list(found.order_by("name_ru", "pk")[:COMMUNITIES_SHOWN])


def report_draft(draft: Draft, *, named: bool) -> ReportDraft:
    chosen = EthnicCommunity.objects.filter(pk__in=draft.get("communities") or [])
    files = [
        AttachmentDraft(
            kind=f["kind"],
            channel=f["channel"],
            file_id=f["file_id"],
            size=f["size"],
            mime_type=f["mime"],
        )
        for f in draft["files"]
    ]
    return ReportDraft(
        text=draft["text"],
        region=draft_region(draft),
        city=draft_city(draft),
        address=draft.get("address", ""),
        latitude=draft.get("lat"),
        longitude=draft.get("lon"),
        when=draft.get("when", Report.When.NOW),
        crowd=draft.get("crowd", Report.Crowd.UNKNOWN),
        hurt=draft.get("hurt", Report.Hurt.UNKNOWN),
        communities=list(chosen),
        named_consent=named,
        attachments=files,
    )
