"""The incidents' web pages through the test client: the case list, the report forms, the case
page and its actions, attachments, response circles and lessons learned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from concord.accounts.models import AuditEntry, User
from concord.incidents import services
from concord.incidents.models import (
    Case,
    CaseEntry,
    Category,
    CircleMember,
    Report,
    ReportAttachment,
    Source,
)
from concord.incidents.services import CaseActionError
from concord.incidents.tests.network import Network, build_network
from concord.testing.factories import CityFactory, PersonFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db
S = Case.State


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Every test makes several users; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Web:
    net: Network
    coordinator: User  # national
    regional: User  # coordinates net.region
    member: User  # an NGO member: net.reporter
    police: User  # the region's police liaison, in its circle


@pytest.fixture
def web() -> Web:
    net = build_network()
    regional = UserFactory.create(role=User.Role.REGIONAL_COORDINATOR, person=net.coordinator)
    regional.regions.add(net.region)
    return Web(
        net=net,
        coordinator=net.national_user,
        regional=regional,
        member=UserFactory.create(role=User.Role.NGO_MEMBER, person=net.reporter),
        police=UserFactory.create(role=User.Role.POLICE_LIAISON, person=net.police),
    )


@pytest.fixture
def client() -> Client:
    """Pages in English, the source language (the Russian follows the .po files)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def new_case(net: Network, **fields: Any) -> Case:
    """A report in a town of its own, so that it opens a case of its own."""
    fields.setdefault("city", CityFactory.create(region=fields.get("region", net.region)))
    return net.report(**fields).case


def resolve(case: Case, user: User, lesson: str = "") -> None:
    services.case_take(case=case, user=user)
    services.case_resolve(case=case, outcome="Итог", lesson=lesson, user=user)


def texts(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def page(response: Any) -> str:
    return response.content.decode()


# --- the case list -------------------------------------------------------------------------


def test_nav_links_to_incidents_for_roles_that_see_cases(client: Client, web: Web) -> None:
    cases = f'href="{reverse("incidents:list")}"'
    tension = f'href="{reverse("incidents:tension")}"'
    member = page(as_user(client, web.member).get("/"))
    assert cases in member and tension not in member  # no aggregates for NGO members
    monitor = page(as_user(client, UserFactory.create(role=User.Role.MONITOR)).get("/"))
    assert cases not in monitor and tension in monitor  # aggregates only


def test_list_shows_visible_cases_with_badges(client: Client, web: Web) -> None:
    case = new_case(web.net, text="Драка у рынка")
    other = new_case(web.net, region=RegionFactory.create(), text="Где-то далеко")
    response = as_user(client, web.regional).get(reverse("incidents:list"))
    html = page(response)
    assert reverse("incidents:case", args=[case.pk]) in html
    assert reverse("incidents:case", args=[other.pk]) not in html
    assert f"Severity {case.severity} of 4" in html  # readable without colour
    assert f"State: {case.get_state_display()}" in html


def test_list_empty_state(client: Client, web: Web) -> None:
    html = page(as_user(client, web.member).get(reverse("incidents:list")))
    assert "There are no cases for you to see yet." in html
    html = page(client.get(reverse("incidents:list"), {"q": "nothing like this"}))
    assert "No case matches these filters." in html


def test_list_filters(client: Client, web: Web) -> None:
    violent = new_case(web.net, text="Драка, есть раненые", hurt=Report.Hurt.YES)
    rumour = new_case(web.net, text="Слухи о сходе")
    resolve(rumour, web.coordinator)
    as_user(client, web.coordinator)
    url = reverse("incidents:list")

    def shown(**params: Any) -> set[int]:
        response = client.get(url, params)
        return {row.case.pk for row in response.context["page"].object_list}

    assert shown() == {violent.pk, rumour.pk}
    assert shown(status="open") == {violent.pk}
    assert shown(status="closed") == {rumour.pk}
    assert shown(state=S.RESOLVED) == {rumour.pk}
    assert shown(severity=violent.severity) == {violent.pk} | (
        {rumour.pk} if rumour.severity == violent.severity else set()
    )
    assert shown(category=violent.category) == {violent.pk}
    assert shown(region=web.net.region.code) == {violent.pk, rumour.pk}
    assert shown(region=web.net.neighbours[0].code) == set()
    # A wrong value is ignored rather than an error page.
    assert shown(state="nonsense") == {violent.pk, rumour.pk}


def test_list_search_by_number_and_words(client: Client, web: Web) -> None:
    fight = new_case(web.net, text="Драка у рынка")
    graffiti = new_case(web.net, text="Надписи на стене мечети")
    as_user(client, web.coordinator)

    def found(q: str) -> set[int]:
        response = client.get(reverse("incidents:list"), {"q": q})
        return {row.case.pk for row in response.context["page"].object_list}

    assert found(str(graffiti.pk)) == {graffiti.pk}
    assert found(f"№ {fight.pk}") == {fight.pk}
    assert found("драка") == {fight.pk}  # Cyrillic, whatever the case
    assert found("МЕЧЕТИ стене") == {graffiti.pk}
    assert found("драка мечети") == set()


def test_list_sorting(client: Client, web: Web) -> None:
    grave = new_case(web.net, text="Драка, есть раненые", hurt=Report.Hurt.YES)
    mild = new_case(web.net, text="Спор соседей")
    assert grave.severity > mild.severity
    as_user(client, web.coordinator)
    url = reverse("incidents:list")
    newest = [r.case.pk for r in client.get(url).context["page"].object_list]
    assert newest == [mild.pk, grave.pk]
    by_severity = [
        r.case.pk for r in client.get(url, {"sort": "severity"}).context["page"].object_list
    ]
    assert by_severity == [grave.pk, mild.pk]


def test_list_pagination(client: Client, web: Web, settings: Any) -> None:
    settings.CONCORD_PAGE_SIZE = 2
    cases = [new_case(web.net, text=f"Случай {n}") for n in range(5)]
    as_user(client, web.coordinator)
    first = client.get(reverse("incidents:list"))
    assert first.context["page"].paginator.num_pages == 3
    assert "page=2" in page(first)
    last = client.get(reverse("incidents:list"), {"page": 3})
    assert [r.case.pk for r in last.context["page"].object_list] == [cases[0].pk]


def test_list_htmx_returns_the_results_only(client: Client, web: Web) -> None:
    new_case(web.net)
    response = as_user(client, web.coordinator).get(
        reverse("incidents:list"), {"q": "драка"}, HTTP_HX_REQUEST="true"
    )
    html = page(response)
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html


def test_monitor_has_no_case_list(client: Client, web: Web) -> None:
    monitor = UserFactory.create(role=User.Role.MONITOR)
    assert as_user(client, monitor).get(reverse("incidents:list")).status_code == 404


def test_anonymous_is_sent_to_log_in(client: Client, web: Web) -> None:
    response = client.get(reverse("incidents:list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- the web report form -------------------------------------------------------------------


def report_data(net: Network, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": "Драка у рынка",
        "region": net.region.pk,
        "city": net.city.pk,
        "address": "ул. Баумана, 5",
        "when": Report.When.NOW,
        "crowd": Report.Crowd.TENS,
        "hurt": Report.Hurt.NO,
        "communities": [net.community.pk],
    }
    data.update(fields)
    return data


def test_report_form_starts_at_the_reporters_region(client: Client, web: Web) -> None:
    foreign = CityFactory.create(region=web.net.neighbours[0])
    response = as_user(client, web.member).get(reverse("incidents:report"))
    form = response.context["form"]
    assert form.initial["region"] == web.net.region
    offered = [value for value, _label in form.fields["city"].widget.choices]
    assert web.net.city.pk in offered
    assert foreign.pk not in offered
    assert 'enctype="multipart/form-data"' in page(response)


def test_report_form_submits_a_web_report(client: Client, web: Web) -> None:
    as_user(client, web.member)
    response = client.post(
        reverse("incidents:report"), report_data(web.net, named_consent="on"), follow=True
    )
    report = Report.objects.get()
    assert report.source == Source.WEB
    assert report.reporter == web.net.reporter
    assert report.named_consent is True
    assert report.crowd == Report.Crowd.TENS
    assert list(report.communities.all()) == [web.net.community]
    assert response.redirect_chain[-1][0] == reverse("incidents:case", args=[report.case_id])
    assert any(f"case № {report.case_id}" in text for text in texts(response))
    assert f"Case № {report.case_id}" in page(response)


def test_report_form_shows_the_services_errors_and_keeps_the_text(client: Client, web: Web) -> None:
    as_user(client, web.member)
    long_text = "Очень длинный рассказ. " * 200
    response = client.post(
        reverse("incidents:report"), report_data(web.net, text=long_text, region="")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "too long" in form.errors["text"][0]
    assert str(len(long_text.strip())) in form.errors["text"][0]
    assert "region" in form.errors
    assert "Очень длинный рассказ." in page(response)  # what was typed stays
    assert not Report.objects.exists()


def test_report_form_empty_report(client: Client, web: Web) -> None:
    as_user(client, web.member)
    response = client.post(reverse("incidents:report"), report_data(web.net, text=" "))
    assert "Please tell what happened" in response.context["form"].errors["text"][0]


def test_report_form_city_of_another_region(client: Client, web: Web) -> None:
    as_user(client, web.member)
    elsewhere = CityFactory.create(region=web.net.neighbours[0])
    response = client.post(reverse("incidents:report"), report_data(web.net, city=elsewhere.pk))
    assert "city" in response.context["form"].errors
    assert not Report.objects.exists()


def test_city_list_follows_the_region(client: Client, web: Web) -> None:
    other = web.net.neighbours[0]
    town = CityFactory.create(region=other)
    response = as_user(client, web.member).get(reverse("incidents:cities"), {"region": other.pk})
    html = page(response)
    assert html.startswith('<div id="city-field">')
    assert f'value="{town.pk}"' in html
    assert f'value="{web.net.city.pk}"' not in html


def test_report_with_a_photo(client: Client, web: Web, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff fake jpeg", content_type="image/jpeg")
    as_user(client, web.member)
    client.post(reverse("incidents:report"), {**report_data(web.net), "attachment": photo})
    attachment = ReportAttachment.objects.get()
    assert attachment.kind == ReportAttachment.Kind.PHOTO
    assert attachment.state == ReportAttachment.State.STORED
    assert attachment.file.read() == b"\xff\xd8\xff fake jpeg"


def test_report_with_a_file_too_large(
    client: Client, web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("concord.incidents.forms.ATTACHMENT_MAX_BYTES", 10)
    big = SimpleUploadedFile("voice.ogg", b"x" * 11, content_type="audio/ogg")
    as_user(client, web.member)
    response = client.post(reverse("incidents:report"), {**report_data(web.net), "attachment": big})
    assert "too large" in response.context["form"].errors["attachment"][0]
    assert "Please choose the file again" in page(response)
    assert not Report.objects.exists()


@pytest.mark.parametrize("role", [User.Role.POLICE_LIAISON, User.Role.MONITOR])
def test_report_form_is_for_members_and_coordinators(client: Client, web: Web, role: str) -> None:
    user = UserFactory.create(role=role, person=PersonFactory.create(region=web.net.region))
    assert as_user(client, user).get(reverse("incidents:report")).status_code == 404


# --- the phone form ------------------------------------------------------------------------


def phone_data(net: Network, **fields: Any) -> dict[str, Any]:
    return {
        **report_data(net),
        "reporter_name": "Гульнара",
        "reporter_phone": "8 916 123-45-67",
    } | fields


def test_phone_report_from_a_caller_outside_the_network(client: Client, web: Web) -> None:
    as_user(client, web.regional)
    response = client.post(reverse("incidents:phone"), phone_data(web.net), follow=True)
    report = Report.objects.get()
    assert report.source == Source.PHONE
    assert report.reporter is None
    assert (report.reporter_name, report.reporter_phone) == ("Гульнара", "+79161234567")
    assert report.taken_by == web.regional
    assert any(f"case № {report.case_id}" in text for text in texts(response))


def test_phone_report_finds_the_caller_without_sending(client: Client, web: Web) -> None:
    caller = web.net.leader
    as_user(client, web.coordinator)
    data = phone_data(web.net, reporter_name="", find=caller.last_name, find_caller="1")
    response = client.post(reverse("incidents:phone"), data)
    assert not Report.objects.exists()
    html = page(response)
    assert f'value="{caller.pk}"' in html
    assert "Драка у рынка" in html  # what was typed stays
    assert not response.context["form"].errors
    data = phone_data(web.net, reporter_name="", reporter=caller.pk, reporter_phone="")
    client.post(reverse("incidents:phone"), data)
    assert Report.objects.get().reporter == caller


def test_phone_report_needs_a_name_and_a_valid_phone(client: Client, web: Web) -> None:
    as_user(client, web.coordinator)
    data = phone_data(web.net, reporter_name="", reporter_phone="12")
    response = client.post(reverse("incidents:phone"), data)
    errors = response.context["form"].errors
    assert "find them in the directory" in errors["reporter_name"][0]
    assert "not a valid phone number" in errors["reporter_phone"][0]
    assert "text" not in errors
    # Every problem at the first try: the form's and the service's.
    response = client.post(reverse("incidents:phone"), {**data, "text": "", "region": ""})
    assert {"reporter_name", "reporter_phone", "text", "region"} <= set(
        response.context["form"].errors
    )
    assert not Report.objects.exists()


def test_phone_form_is_for_coordinators(client: Client, web: Web) -> None:
    assert as_user(client, web.member).get(reverse("incidents:phone")).status_code == 404
    assert as_user(client, web.police).get(reverse("incidents:phone")).status_code == 404


# --- the case page and its actions ---------------------------------------------------------


def test_case_page_shows_the_case(client: Client, web: Web) -> None:
    case = new_case(web.net, text="Драка у рынка", address="ул. Баумана, 5")
    html = page(as_user(client, web.regional).get(reverse("incidents:case", args=[case.pk])))
    assert f"Case № {case.pk}" in html
    assert "Драка у рынка" in html
    assert "ул. Баумана, 5" in html
    assert str(web.net.reporter) in html  # the full name
    assert "Who was alerted" in html
    assert web.net.police.full_name in html  # an alerted circle member
    assert "History" in html and "case opened" in html
    for action in ("take", "note", "severity", "category", "invalidate"):
        assert reverse(f"incidents:{action}", args=[case.pk]) in html


def test_take_then_someone_else_learns_who_has_it(client: Client, web: Web) -> None:
    case = new_case(web.net)
    as_user(client, web.police)
    response = client.post(reverse("incidents:take", args=[case.pk]), follow=True)
    case.refresh_from_db()
    assert case.owner == web.net.police
    assert case.state == S.ACKNOWLEDGED
    assert "You have taken the case." in texts(response)[0]
    # The take button is gone for the others; a late press (an old page) learns who has it.
    outcome = services.case_take(case=case, user=web.coordinator)
    assert outcome.taken is False


def test_take_on_a_taken_case_is_refused(client: Client, web: Web) -> None:
    case = new_case(web.net)
    services.case_take(case=case, person=web.net.official)
    response = as_user(client, web.police).post(reverse("incidents:take", args=[case.pk]))
    assert response.status_code == 403
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.DENIED, detail__kind="case_action"
    ).exists()


def test_not_mine(client: Client, web: Web) -> None:
    case = new_case(web.net)
    as_user(client, web.police)
    client.post(reverse("incidents:decline", args=[case.pk]))
    alert = case.alerts.get(person=web.net.police)
    assert alert.answer == "not_mine"
    assert case.entries.filter(kind=CaseEntry.Kind.NOT_MINE).exists()


def test_verify_and_action_taken(client: Client, web: Web) -> None:
    case = new_case(web.net)
    as_user(client, web.regional)
    client.post(
        reverse("incidents:step", args=[case.pk, S.VERIFIED]), {"verified-comment": "Звонил"}
    )
    case.refresh_from_db()
    assert case.state == S.VERIFIED
    assert case.entries.filter(to_state=S.VERIFIED, comment="Звонил").exists()
    client.post(reverse("incidents:step", args=[case.pk, S.ACTION_TAKEN]))
    case.refresh_from_db()
    assert case.state == S.ACTION_TAKEN


def test_a_step_the_case_does_not_allow_is_refused(client: Client, web: Web) -> None:
    case = new_case(web.net)
    as_user(client, web.regional)
    response = client.post(reverse("incidents:step", args=[case.pk, S.ACTION_TAKEN]))
    assert response.status_code == 403
    response = client.post(reverse("incidents:step", args=[case.pk, "resolved"]))
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == S.NEW


def test_resolve_is_confirmed_first(client: Client, web: Web) -> None:
    case = new_case(web.net)
    services.case_take(case=case, user=web.regional)
    as_user(client, web.regional)
    url = reverse("incidents:resolve", args=[case.pk])
    data = {"resolve-outcome": "Помирились", "resolve-lesson": "Звать старейшин"}
    response = client.post(url, data)
    assert "please confirm" in page(response)
    assert "Помирились" in page(response)
    case.refresh_from_db()
    assert case.state == S.ACKNOWLEDGED  # nothing done yet
    back = client.post(url, {**data, "edit": "1"})
    assert back.context["form"]["outcome"].value() == "Помирились"
    response = client.post(url, {**data, "resolve-confirmed": "on"}, follow=True)
    case.refresh_from_db()
    assert case.state == S.RESOLVED
    assert (case.outcome, case.lesson) == ("Помирились", "Звать старейшин")
    assert "The case is resolved." in texts(response)[0]


def test_resolve_without_outcome_stays_on_the_form(client: Client, web: Web) -> None:
    case = new_case(web.net)
    services.case_take(case=case, user=web.regional)
    url = reverse("incidents:resolve", args=[case.pk])
    response = as_user(client, web.regional).post(url, {"resolve-lesson": "Урок"})
    assert "Please write how the case ended." in page(response)
    assert "Урок" in page(response)


def test_invalidate_is_confirmed_first(client: Client, web: Web) -> None:
    case = new_case(web.net)
    as_user(client, web.regional)
    url = reverse("incidents:invalidate", args=[case.pk])
    response = client.post(url, {"invalidate-comment": "Шутка"})
    assert "please confirm" in page(response)
    case.refresh_from_db()
    assert case.state == S.NEW
    client.post(url, {"invalidate-comment": "Шутка", "invalidate-confirmed": "on"})
    case.refresh_from_db()
    assert case.state == S.INVALIDATED


def test_reopen_needs_a_reason(client: Client, web: Web) -> None:
    case = new_case(web.net)
    resolve(case, web.regional)
    as_user(client, web.regional)
    url = reverse("incidents:reopen", args=[case.pk])
    response = client.post(url, {"reopen-reason": ""})
    assert "Please say why" in page(response)
    client.post(url, {"reopen-reason": "Снова драка"})
    case.refresh_from_db()
    assert case.state == S.REOPENED


def test_note(client: Client, web: Web) -> None:
    case = new_case(web.net)
    as_user(client, web.police)
    client.post(reverse("incidents:note", args=[case.pk]), {"note-text": "Выехал наряд"})
    assert case.entries.filter(kind=CaseEntry.Kind.NOTE, comment="Выехал наряд").exists()


def test_severity_change_needs_a_reason(client: Client, web: Web) -> None:
    case = new_case(web.net)
    as_user(client, web.regional)
    url = reverse("incidents:severity", args=[case.pk])
    response = client.post(url, {"severity-severity": 1, "severity-reason": ""})
    assert "Please say why" in page(response)
    client.post(url, {"severity-severity": 1, "severity-reason": "Уже спокойно"})
    case.refresh_from_db()
    assert case.severity == 1
    assert case.entries.filter(kind=CaseEntry.Kind.SEVERITY).exists()


def test_category_change(client: Client, web: Web) -> None:
    case = new_case(web.net)
    as_user(client, web.regional)
    url = reverse("incidents:category", args=[case.pk])
    data = {"category-category": Category.RUMOUR, "category-reason": "Это слух"}
    client.post(url, data)
    case.refresh_from_db()
    assert case.category == Category.RUMOUR


def test_case_action_error_becomes_a_message(
    client: Client, web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = new_case(web.net)

    def refuse(**kwargs: Any) -> None:
        raise CaseActionError("Case № 1 is closed.")

    monkeypatch.setattr(services, "case_transition", refuse)
    as_user(client, web.regional)
    response = client.post(reverse("incidents:step", args=[case.pk, S.VERIFIED]), follow=True)
    assert "Case № 1 is closed." in texts(response)
    assert response.redirect_chain[-1][0] == reverse("incidents:case", args=[case.pk])


def test_actions_only_by_post(client: Client, web: Web) -> None:
    case = new_case(web.net)
    response = as_user(client, web.regional).get(reverse("incidents:take", args=[case.pk]))
    assert response.status_code == 405


# --- attachments ---------------------------------------------------------------------------


def test_attachment_is_served_through_the_case(
    client: Client, web: Web, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xffjpeg", content_type="image/jpeg")
    draft = web.net.draft(attachments=[services.AttachmentDraft(kind="photo", upload=upload)])
    report = services.report_submit(draft=draft, source=Source.WEB, reporter=web.net.reporter)
    attachment = report.attachments.get()
    as_user(client, web.regional)
    html = page(client.get(reverse("incidents:case", args=[report.case_id])))
    url = reverse("incidents:attachment", args=[report.case_id, attachment.pk])
    assert url in html
    assert attachment.file.name not in html  # never the storage path
    response = client.get(url)
    assert b"".join(response.streaming_content) == b"\xff\xd8\xffjpeg"  # type: ignore[attr-defined]
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]
    other = new_case(web.net)
    wrong_case = reverse("incidents:attachment", args=[other.pk, attachment.pk])
    assert client.get(wrong_case).status_code == 404


def test_risky_attachment_is_downloaded_not_shown(
    client: Client, web: Web, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    svg = SimpleUploadedFile("x.svg", b"<svg onload='alert(1)'/>", content_type="image/svg+xml")
    draft = web.net.draft(attachments=[services.AttachmentDraft(kind="photo", upload=svg)])
    report = services.report_submit(draft=draft, source=Source.WEB, reporter=web.net.reporter)
    url = reverse("incidents:attachment", args=[report.case_id, report.attachments.get().pk])
    response = as_user(client, web.regional).get(url)
    assert response["Content-Disposition"].startswith("attachment")


# --- response circles ----------------------------------------------------------------------


def test_circle_list_shows_the_regions_in_charge(client: Client, web: Web) -> None:
    CircleMember.objects.create(region=web.net.region, person=web.net.police, part="police")
    response = as_user(client, web.regional).get(reverse("incidents:circles"))
    regions = {r.code: r.size for r in response.context["regions"]}
    assert regions == {web.net.region.code: 1}
    everywhere = as_user(client, web.coordinator).get(reverse("incidents:circles"))
    assert len(everywhere.context["regions"]) > 1


def test_circle_shows_the_directorys_suggestions_until_set(client: Client, web: Web) -> None:
    url = reverse("incidents:circle", args=[web.net.region.code])
    html = page(as_user(client, web.regional).get(url))
    assert "no circle of its own yet" in html
    assert web.net.police.full_name in html


def test_circle_search_add_and_remove(client: Client, web: Web) -> None:
    code = web.net.region.code
    as_user(client, web.regional)
    found = client.get(reverse("incidents:circle", args=[code]), {"q": web.net.leader.last_name})
    assert web.net.leader in found.context["found"]
    add = reverse("incidents:circle_add", args=[code])
    data = {
        "person": web.net.leader.pk,
        "part": "community_leader",
        "community": web.net.community.pk,
    }
    response = client.post(add, data, follow=True)
    member = CircleMember.objects.get(region=web.net.region)
    assert (member.person, member.community) == (web.net.leader, web.net.community)
    assert "is now in the circle" in texts(response)[0]
    again = client.post(add, data, follow=True)
    assert "already in this circle" in texts(again)[0]
    remove = reverse("incidents:circle_remove", args=[code, member.pk])
    confirm = client.get(remove)
    assert "please confirm" in page(confirm)
    assert CircleMember.objects.exists()
    client.post(remove)
    assert not CircleMember.objects.exists()


def test_circle_add_only_people_in_scope(client: Client, web: Web) -> None:
    stranger = PersonFactory.create(region=RegionFactory.create())
    code = web.net.region.code
    as_user(client, web.regional)
    data = {"person": stranger.pk, "part": "other"}
    response = client.post(reverse("incidents:circle_add", args=[code]), data, follow=True)
    assert not CircleMember.objects.exists()
    assert texts(response)


def test_circle_fill_from_directory(client: Client, web: Web) -> None:
    as_user(client, web.regional)
    url = reverse("incidents:circle_fill", args=[web.net.region.code])
    response = client.post(url, follow=True)
    added = CircleMember.objects.filter(region=web.net.region).count()
    assert added >= 3
    assert f"{added} people from the directory added." in texts(response)
    again = client.post(url, follow=True)
    assert "already in the circle" in texts(again)[0]


@pytest.mark.parametrize("role", [User.Role.NGO_MEMBER, User.Role.POLICE_LIAISON])
def test_circle_list_only_for_coordinators(client: Client, web: Web, role: str) -> None:
    user = UserFactory.create(role=role, person=PersonFactory.create(region=web.net.region))
    assert as_user(client, user).get(reverse("incidents:circles")).status_code == 404


@pytest.mark.parametrize("who", ["member", "police", "other_regional"])
def test_circles_only_for_the_regions_coordinators(client: Client, web: Web, who: str) -> None:
    other_regional = UserFactory.create(role=User.Role.REGIONAL_COORDINATOR)
    other_regional.regions.add(web.net.neighbours[0])
    user = {"member": web.member, "police": web.police, "other_regional": other_regional}[who]
    as_user(client, user)
    code = web.net.region.code
    assert client.get(reverse("incidents:circle", args=[code])).status_code == 404
    assert client.post(reverse("incidents:circle_fill", args=[code])).status_code == 404
    assert not CircleMember.objects.exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED, actor=user).exists()


# --- lessons learned -----------------------------------------------------------------------


def test_lessons(client: Client, web: Web, settings: Any) -> None:
    settings.CONCORD_PAGE_SIZE = 1
    for lesson in ("Звать старейшин", "Сначала позвонить в полицию"):
        case = new_case(web.net)
        resolve(case, web.coordinator, lesson)
    silent = new_case(web.net)
    resolve(silent, web.coordinator)
    as_user(client, web.coordinator)
    response = client.get(reverse("incidents:lessons"))
    assert response.context["page"].paginator.count == 2
    assert "page=2" in page(response)
    found = client.get(reverse("incidents:lessons"), {"q": "СТАРЕЙШИН"})
    assert [c.lesson for c, _at in found.context["page"].object_list] == ["Звать старейшин"]
    assert as_user(client, web.member).get(reverse("incidents:lessons")).status_code == 404
