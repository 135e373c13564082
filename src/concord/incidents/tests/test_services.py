"""Intake, case linking, triage, taking and the state machine, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from concord.incidents import triage
from concord.incidents.models import (
    Alert,
    Case,
    CaseEntry,
    Category,
    CircleMember,
    ClusterAlert,
    Report,
    Source,
)
from concord.incidents.services import (
    CaseActionError,
    ReportDraft,
    case_category_change,
    case_decline,
    case_note_add,
    case_reopen,
    case_resolve,
    case_severity_change,
    case_take,
    case_transition,
    circle_fill_from_directory,
    circle_member_add,
    report_submit,
)
from concord.incidents.tests.network import Network, build_network
from concord.messaging.models import OutboundMessage
from concord.testing.factories import CityFactory

pytestmark = pytest.mark.django_db
S = Case.State


@pytest.fixture
def net() -> Network:
    return build_network()


def messages(template: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(template=template).order_by("pk"))


def alerted(case: Case) -> set[int]:
    return set(case.alerts.values_list("person_id", flat=True))


# --- intake --------------------------------------------------------------------------------


def test_a_report_opens_a_case_and_alerts_its_circle_at_once(net: Network) -> None:
    report = net.report(communities=[net.community])
    case = report.case
    assert case.state == S.NEW and case.region == net.region
    # The circle: police, official, coordinator, and only the leader of the community involved.
    assert alerted(case) == net.always_alerted | {net.leader.pk}
    alerts = messages("incidents.alert")
    assert {m.person_id for m in alerts} == alerted(case)
    assert {m.priority for m in alerts} == {OutboundMessage.Priority.ALERT}
    received = messages("incidents.report_received")
    assert [m.person_id for m in received] == [net.reporter.pk]  # type: ignore[union-attr]
    kinds = list(case.entries.values_list("kind", flat=True))
    assert kinds == [CaseEntry.Kind.OPENED, CaseEntry.Kind.ALERT]


def test_the_escalation_plan_is_fixed_when_the_case_opens(net: Network) -> None:
    case = net.report().case
    labels = [step["label"] for step in case.escalation_plan]
    assert labels == ["circle", "national", "neighbours"]
    assert case.escalation_plan[1]["people"] == [net.national.pk]
    assert set(case.escalation_plan[2]["people"]) == {p.pk for p in net.neighbour_coordinators}


def test_a_configured_circle_replaces_the_directory_default(net: Network) -> None:
    CircleMember.objects.create(region=net.region, person=net.police, part="police")
    CircleMember.objects.create(
        region=net.region,
        person=net.other_leader,
        part="community_leader",
        community=net.other_community,
    )
    plain = net.report().case
    assert alerted(plain) == {net.police.pk}
    involved = net.report(city=net.other_city, communities=[net.other_community]).case
    assert alerted(involved) == {net.police.pk, net.other_leader.pk}


def test_filling_the_circle_from_the_directory_adds_each_member_once(net: Network) -> None:
    assert circle_fill_from_directory(region=net.region, user=net.national_user) == 5
    assert circle_fill_from_directory(region=net.region, user=net.national_user) == 0
    leaders = CircleMember.objects.filter(region=net.region, part="community_leader")
    assert {(m.person_id, m.community_id) for m in leaders} == {
        (net.leader.pk, net.community.pk),
        (net.other_leader.pk, net.other_community.pk),
    }
    with pytest.raises(ValidationError, match="already in this circle"):
        circle_member_add(region=net.region, person=net.police, part="police", user=None)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"text": "   "}, "text", "tell what happened"),
        ({"text": "x" * 20_000}, "text", "20000 characters, at most 4000"),
        ({"region": None}, "region", "choose the region"),
        ({"latitude": 91.0, "longitude": 10.0}, "latitude", "not a place on Earth"),
        ({"latitude": 55.0}, "latitude", "both latitude and longitude"),
        ({"when": "tomorrow"}, "when", "offered answers"),
    ],
)
def test_bad_reports_are_refused_with_a_clear_message_and_nothing_written(
    net: Network, fields: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        net.report(**fields)
    assert words in " ".join(refused.value.message_dict[field])
    assert not Report.objects.exists() and not Case.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_a_city_of_another_region_is_refused(net: Network) -> None:
    elsewhere = CityFactory.create()
    with pytest.raises(ValidationError, match="not in the chosen region"):
        net.report(city=elsewhere)


def test_the_same_inbound_event_makes_one_report(net: Network) -> None:
    first = report_submit(draft=net.draft(), source=Source.TELEGRAM, inbound_key="bot:7")
    again = report_submit(draft=net.draft(), source=Source.TELEGRAM, inbound_key="bot:7")
    assert again.pk == first.pk and Report.objects.count() == 1


def test_a_phone_report_keeps_the_callers_name_and_who_took_the_call(net: Network) -> None:
    report = report_submit(
        draft=net.draft(),
        source=Source.PHONE,
        user=net.national_user,
        reporter_name="Айгуль",
        reporter_phone="+79170000000",
    )
    assert (report.reporter_name, report.taken_by) == ("Айгуль", net.national_user)
    # Nobody to answer in a chat: the coordinator who took the call tells the caller.
    assert not messages("incidents.report_received")


# --- linking -------------------------------------------------------------------------------


def test_reports_of_the_same_place_and_time_join_one_case(net: Network) -> None:
    first = net.report(text="Ссора у рынка", communities=[net.community])
    second = net.report(
        text="Драка, есть раненые", hurt=Report.Hurt.YES, communities=[net.other_community]
    )
    case = first.case
    assert second.case_id == case.pk
    case.refresh_from_db()
    assert case.severity == second.severity > first.severity  # a graver report raises it
    assert set(case.communities.values_list("pk", flat=True)) == {
        net.community.pk,
        net.other_community.pk,
    }
    assert case.entries.filter(kind=CaseEntry.Kind.REPORT).count() == 1


def test_another_city_later_or_a_closed_case_makes_a_new_case(net: Network) -> None:
    first = net.report()
    assert net.report(city=net.other_city).case_id != first.case_id
    with time_machine.travel(timezone.now() + timedelta(hours=7)):
        assert net.report().case_id != first.case_id


def test_shared_locations_link_within_the_distance(net: Network) -> None:
    first = net.report(latitude=55.790, longitude=49.120)
    near = net.report(latitude=55.800, longitude=49.130)  # about 1.3 km
    far = net.report(latitude=55.900, longitude=49.300)  # about 17 km
    assert near.case_id == first.case_id and far.case_id != first.case_id


# --- triage --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hurt", "crowd", "when", "category", "severity"),
    [
        ("Соседи поругались из-за парковки", "no", "few", "past", "everyday_dispute", 1),
        (
            "Говорят, в субботу будет сход против приезжих",
            "unknown",
            "unknown",
            "expected",
            "mass_gathering",
            2,
        ),
        ("Массовая драка, есть раненые", "yes", "many", "now", "violence", 4),
        ("Угрожают поджечь магазин", "no", "few", "now", "threats", 2),
        ("Разбили окна в мечети", "no", "unknown", "past", "vandalism", 2),
        ("Оскорбительные листовки у школы", "no", "unknown", "past", "hate_speech", 1),
        ("", "yes", "few", "past", "violence", 4),
        ("Конфликт между общинами на рынке", "no", "tens", "now", "intercommunity_conflict", 3),
    ],
)
def test_triage_rules(
    text: str, hurt: str, crowd: str, when: str, category: str, severity: int
) -> None:
    draft = ReportDraft(text=text, hurt=hurt, crowd=crowd, when=when)
    assert triage.propose(draft) == (category, severity)


# --- taking --------------------------------------------------------------------------------


def test_the_first_i_take_it_owns_the_case_and_the_others_and_reporter_are_told(
    net: Network,
) -> None:
    case = net.report().case
    outcome = case_take(case=case, person=net.police, channel="telegram")
    assert outcome.taken and outcome.owner_name == net.police.full_name
    case.refresh_from_db()
    assert (case.state, case.owner, case.next_escalation_at) == (S.ACKNOWLEDGED, net.police, None)
    told = {m.person_id for m in messages("incidents.taken")}
    assert told == alerted(case) - {net.police.pk}
    update = messages("incidents.reporter_update")
    assert [(m.person_id, m.context["event"]) for m in update] == [(net.reporter.pk, "taken")]  # type: ignore[union-attr]
    assert Alert.objects.get(case=case, person=net.police).answer == Alert.Answer.TAKEN

    second = case_take(case=case, person=net.official, channel="telegram")
    assert not second.taken and second.owner_name == net.police.full_name
    assert not second.already_owner and case_take(case=case, person=net.police).already_owner
    assert len(messages("incidents.taken")) == len(told)  # nobody told twice


def test_everyone_saying_not_mine_escalates_at_once(net: Network) -> None:
    case = net.report().case
    for person_id in alerted(case):
        case_decline(case=case, person=net.police.__class__.objects.get(pk=person_id))
    case.refresh_from_db()
    assert case.escalation_tier == 1
    assert net.national.pk in alerted(case)
    assert case.entries.filter(kind=CaseEntry.Kind.NOT_MINE).count() == 3


# --- the state machine ---------------------------------------------------------------------


def test_a_case_moves_through_its_states_with_a_timeline(net: Network) -> None:
    case = net.report().case
    case_take(case=case, user=net.national_user)
    case_transition(case=case, to_state=S.VERIFIED, user=net.national_user, comment="Confirmed")
    case_transition(case=case, to_state=S.ACTION_TAKEN, user=net.national_user)
    case_resolve(
        case=case,
        outcome="Talked to both sides",
        lesson="Call the police early",
        user=net.national_user,
    )
    case.refresh_from_db()
    assert (case.state, case.lesson) == (S.RESOLVED, "Call the police early")
    transitions = case.entries.filter(kind=CaseEntry.Kind.TRANSITION)
    assert [e.to_state for e in transitions] == [
        S.ACKNOWLEDGED,
        S.VERIFIED,
        S.ACTION_TAKEN,
        S.RESOLVED,
    ]
    assert {e.actor_user for e in transitions} == {net.national_user}
    events = [m.context["event"] for m in messages("incidents.reporter_update")]
    assert events == ["taken", "resolved"]


def test_actions_on_a_closed_case_are_refused_clearly(net: Network) -> None:
    case = net.report().case
    case_transition(case=case, to_state=S.INVALIDATED, user=net.national_user)
    for action in (
        lambda: case_take(case=case, person=net.police),
        lambda: case_decline(case=case, person=net.police),
        lambda: case_transition(case=case, to_state=S.VERIFIED, user=net.national_user),
        lambda: case_resolve(case=case, outcome="x", user=net.national_user),
    ):
        with pytest.raises(CaseActionError, match="is closed"):
            action()


def test_a_transition_the_state_does_not_allow_is_refused(net: Network) -> None:
    case = net.report().case
    with pytest.raises(CaseActionError, match="cannot become"):
        case_transition(case=case, to_state=S.ACTION_TAKEN, user=net.national_user)
    with pytest.raises(CaseActionError):
        case_resolve(case=case, outcome="   ", user=net.national_user)


def test_reopening_needs_a_reason_and_an_untaken_case_is_alerted_again(net: Network) -> None:
    case = net.report().case
    case_transition(case=case, to_state=S.INVALIDATED, user=net.national_user)
    with pytest.raises(CaseActionError, match="why"):
        case_reopen(case=case, reason=" ", user=net.national_user)
    case_reopen(case=case, reason="It flared up again", user=net.national_user)
    case.refresh_from_db()
    assert case.state == S.NEW and case.next_escalation_at is not None


def test_severity_and_category_change_with_a_reason(net: Network) -> None:
    case = net.report(text="Соседи поругались").case
    with pytest.raises(CaseActionError, match="reason"):
        case_severity_change(case=case, severity=3, reason="", user=net.national_user)
    case_severity_change(case=case, severity=3, reason="Weapons seen", user=net.national_user)
    case_category_change(
        case=case, category=Category.THREATS, reason="Threats by phone", user=net.national_user
    )
    case.refresh_from_db()
    assert (case.severity, case.category) == (3, Category.THREATS)
    comments = list(
        case.entries.filter(kind__in=["severity", "category"]).values_list("comment", flat=True)
    )
    assert comments[0] == "1 → 3: Weapons seen" and comments[1].endswith("Threats by phone")


def test_notes_join_the_timeline_and_entries_cannot_be_changed(net: Network) -> None:
    case = net.report().case
    with pytest.raises(CaseActionError, match="empty"):
        case_note_add(case=case, text="  ", user=net.national_user)
    note = case_note_add(case=case, text="Called the imam", user=net.national_user)
    note.comment = "rewritten"
    with pytest.raises(ValueError, match="cannot be changed"):
        note.save()
    with pytest.raises(ValueError, match="cannot be deleted"):
        note.delete()


# --- the cluster trigger -------------------------------------------------------------------


def test_many_minor_reports_in_a_region_alert_its_coordinators_once(
    net: Network, settings: object
) -> None:
    cities = [CityFactory.create(region=net.region) for _ in range(7)]
    for city in cities[:5]:
        net.report(text="Обидные слова в автобусе", city=city)
    assert not ClusterAlert.objects.exists()  # five is not more than five
    net.report(text="Обидные слова в автобусе", city=cities[5])
    net.report(text="Обидные слова в автобусе", city=cities[6])
    cluster = ClusterAlert.objects.get()
    assert cluster.reports == 6
    told = {m.person_id for m in messages("incidents.cluster")}
    assert told == {net.coordinator.pk, net.national.pk}


# --- what a viewer sees --------------------------------------------------------------------


def test_a_voice_message_is_shown_only_to_those_who_may_know_the_reporter(net: Network) -> None:
    from concord.accounts.scoping import scope_for
    from concord.incidents.models import ReportAttachment
    from concord.incidents.selectors import case_view, entry_actor_name
    from concord.incidents.services import AttachmentDraft
    from concord.testing.factories import UserFactory

    drafts = [
        AttachmentDraft(kind=ReportAttachment.Kind.VOICE, channel="telegram", file_id="v1"),
        AttachmentDraft(kind=ReportAttachment.Kind.PHOTO, channel="telegram", file_id="p1"),
    ]
    case = net.report(attachments=drafts).case
    police = UserFactory.create(role="police_liaison", person=net.police)

    def kinds(scope_user: object) -> set[str]:
        view = case_view(scope=scope_for(scope_user), case=case)  # type: ignore[arg-type]
        return {a.kind for r in view.reports for a in r.attachments}

    assert kinds(police) == {"photo"}
    assert kinds(net.national_user) == {"photo", "voice"}
    opened = case.entries.get(kind=CaseEntry.Kind.OPENED)
    assert opened.actor_person == net.reporter and entry_actor_name(opened) == ""
