"""The demo network: its shape, its logins, its determinism and the `concord demo` command."""

from __future__ import annotations

import hashlib
import re
from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Exists, OuterRef
from django.test import RequestFactory, TestCase

from concord.accounts.models import User
from concord.demo import DEMO_LOGINS, DEMO_PASSWORD
from concord.demo.catalog import HOST_CITIES
from concord.demo.network import DemoReport, demo_network_build
from concord.directory.models import (
    Consent,
    EthnicAffiliation,
    EthnicCommunity,
    Membership,
    Organisation,
    Person,
    PersonRole,
    fold_for_search,
)
from concord.incidents.models import Case, ClusterAlert, Report, TensionAlert
from concord.programme.models import (
    Disruption,
    Event,
    InvitedRegion,
    Registration,
    RegistrationTransition,
)

Role = PersonRole.Role
Kind = Organisation.Kind
State = Registration.State


def _people_with(role: str, **filters: object) -> int:
    return Person.objects.filter(roles__role=role, **filters).distinct().count()


def _active(purpose: str) -> Exists:
    return Exists(
        Consent.objects.filter(person=OuterRef("pk"), purpose=purpose, withdrawn_at__isnull=True)
    )


class DemoNetworkTests(TestCase):
    """One build for the whole class (rolled back at its end): loading RU takes a while."""

    report: DemoReport

    @classmethod
    def setUpTestData(cls) -> None:
        cls.report = demo_network_build()

    def test_ngos_in_at_least_25_regions_from_kaliningrad_to_irkutsk(self) -> None:
        ngos = Organisation.objects.filter(kind__in=[Kind.ETHNIC_NGO, Kind.MIGRANT_NGO])
        codes = set(ngos.values_list("region__code", flat=True))
        self.assertGreaterEqual(len(codes), 25)
        self.assertTrue({"RU-KGD", "RU-IRK"} <= codes)
        self.assertEqual(self.report.regions_with_ngos, len(codes))

    def test_about_400_people(self) -> None:
        self.assertTrue(350 <= Person.objects.count() <= 450)
        self.assertEqual(self.report.people, Person.objects.count())

    def test_police_liaisons_and_officials_in_every_host_city(self) -> None:
        for host in HOST_CITIES:
            for role, kind in ((Role.POLICE_LIAISON, Kind.POLICE), (Role.OFFICIAL, Kind.AUTHORITY)):
                people = Person.objects.filter(
                    roles__role=role,
                    region__code=host.region,
                    city__isnull=False,
                    memberships__organisation__kind=kind,
                )
                self.assertTrue(people.exists(), f"no {role} in {host.region}")

    def test_houses_of_friendship_host_ngos(self) -> None:
        houses = Organisation.objects.filter(kind=Kind.HOST, name__startswith="Дом дружбы народов")
        self.assertGreaterEqual(houses.values("region").distinct().count(), 5)
        council = Membership.objects.filter(
            organisation__in=houses, person__roles__role=Role.LEADER
        )
        self.assertTrue(council.exists())

    def test_communities_have_both_names_and_ngos(self) -> None:
        slugs = set(EthnicCommunity.objects.values_list("slug", flat=True))
        self.assertTrue({"armenian", "tatar", "uzbek", "dagestani", "roma", "buryat"} <= slugs)
        self.assertFalse(EthnicCommunity.objects.filter(name_ru="").exists())
        self.assertFalse(EthnicCommunity.objects.filter(name_en="").exists())
        unused = EthnicCommunity.objects.annotate(n=Count("organisations")).filter(n=0)
        self.assertFalse(unused.exists())

    def test_every_role_is_present(self) -> None:
        for role in Role.values:
            self.assertGreater(_people_with(role), 0, role)
        self.assertGreater(Membership.objects.count(), Person.objects.count() - 1)

    def test_contacts_are_valid_and_varied(self) -> None:
        phones = list(Person.objects.values_list("phone", flat=True))
        self.assertTrue(all(re.fullmatch(r"\+79\d{9}", phone) for phone in phones))
        self.assertEqual(len(set(phones)), len(phones))
        channels = set(Person.objects.values_list("preferred_channel", flat=True))
        self.assertEqual(channels, set(Person.Channel.values))
        self.assertTrue(Person.objects.exclude(telegram_username="").exists())
        self.assertTrue(Person.objects.exclude(whatsapp="").exists())

    def test_people_and_organisations_can_be_searched(self) -> None:
        self.assertFalse(Person.objects.filter(search_text="").exists())
        self.assertFalse(Organisation.objects.filter(search_text="").exists())
        person = User.objects.get(email="ngo@demo.concord").person
        assert person is not None
        found = Person.objects.filter(search_text__contains=fold_for_search(person.last_name))
        self.assertIn(person, found)
        self.assertIn("ngo@demo.concord", person.search_text)

    def test_many_leaders_need_help_with_apps(self) -> None:
        leaders = _people_with(Role.LEADER)
        low = _people_with(Role.LEADER, digital_skill=Person.DigitalSkill.LOW)
        self.assertGreater(low / leaders, 0.4)

    def test_programme_2019(self) -> None:
        events = Event.objects.filter(programme_year__year=2019)
        trainings = events.filter(kind=Event.Kind.TRAINING)
        self.assertEqual(
            sorted(trainings.values_list("host_city__name_en", flat=True)),
            ["Samara", "Yaroslavl", "Yekaterinburg"],
        )
        self.assertEqual(events.filter(kind=Event.Kind.SEMINAR).count(), 15)
        final = events.get(kind=Event.Kind.CONFERENCE)
        self.assertEqual(final.host_city.name_en if final.host_city else "", "Moscow")
        self.assertGreater(final.registrations.filter(state=State.ATTENDED).count(), 60)
        for training in trainings:
            self.assertTrue(
                10 <= training.invited_regions.values("region").distinct().count() <= 15
            )

    def test_programme_2020(self) -> None:
        events = Event.objects.filter(programme_year__year=2020)
        online = events.filter(kind=Event.Kind.ONLINE_CONFERENCE, format=Event.Format.ONLINE)
        self.assertGreaterEqual(online.count(), 1)
        for conference in online:
            self.assertEqual(conference.invited_regions.count(), 13)
        trainings = events.filter(kind=Event.Kind.TRAINING)
        self.assertEqual(
            sorted(trainings.values_list("host_city__name_en", flat=True)),
            sorted(
                [
                    "Kaliningrad",
                    "Yaroslavl",
                    "Izhevsk",
                    "Rostov-on-Don",
                    "Kazan",
                    "Sochi",
                    "Vladimir",
                ]
            ),
        )
        youth = trainings.filter(invited_regions__group=InvitedRegion.Group.YOUTH).distinct()
        self.assertEqual(
            sorted(youth.values_list("host_city__name_en", flat=True)), ["Izhevsk", "Sochi"]
        )
        cancelled = Registration.objects.filter(event__in=events, state=State.CANCELLED_BY_PERSON)
        self.assertGreater(cancelled.count(), 0)

    def test_final_event_2020_moved_from_moscow_to_kazan(self) -> None:
        final = Event.objects.get(programme_year__year=2020, kind=Event.Kind.CONFERENCE)
        moved = final.disruptions.get(kind=Disruption.Kind.RELOCATION)
        self.assertEqual(moved.before["region"], "RU-MOW")
        self.assertEqual(final.host_region.code, "RU-TA")
        self.assertEqual(final.sequence, 1)
        self.assertIn("COVID-19", moved.reason)

    def test_programme_history_is_dated_and_sends_nothing(self) -> None:
        from concord.messaging.models import OutboundMessage

        self.assertFalse(OutboundMessage.objects.exists())
        latest = RegistrationTransition.objects.order_by("-at").values_list("at", flat=True)[0]
        self.assertLess(latest.year, 2021)

    def test_consents(self) -> None:
        purpose = Consent.Purpose
        without = Person.objects.exclude(_active(purpose.DIRECTORY))
        self.assertFalse(without.exists())
        leaders = Person.objects.filter(roles__role=Role.LEADER)
        listed = leaders.filter(_active(purpose.NETWORK_LISTING)).count()
        self.assertGreater(listed / leaders.count(), 0.5)
        self.assertTrue(EthnicAffiliation.objects.exists())
        for affiliation in EthnicAffiliation.objects.select_related("consent"):
            self.assertEqual(affiliation.consent.person_id, affiliation.person_id)
            self.assertEqual(affiliation.consent.purpose, purpose.ETHNICITY)

    def test_cooperation_is_varied(self) -> None:
        ngos = Organisation.objects.filter(kind__in=[Kind.ETHNIC_NGO, Kind.MIGRANT_NGO])
        self.assertEqual(
            set(ngos.values_list("cooperation", flat=True)),
            set(Organisation.Cooperation.values),
        )

    def test_one_login_per_role_that_authenticates(self) -> None:
        self.assertEqual({login.role for login in DEMO_LOGINS}, set(User.Role.values))
        for login in DEMO_LOGINS:
            request = RequestFactory().post("/accounts/login/")
            user = authenticate(request, username=login.email, password=DEMO_PASSWORD)
            self.assertIsNotNone(user, login.email)
            assert user is not None
            self.assertEqual(user.role, login.role)

    def test_logins_are_linked_where_it_makes_sense(self) -> None:
        users = {user.role: user for user in User.objects.select_related("person__region")}
        coordinator = users[User.Role.COORDINATOR]
        self.assertTrue(coordinator.is_superuser and coordinator.is_staff)
        regional = users[User.Role.REGIONAL_COORDINATOR]
        codes = set(regional.regions.values_list("code", flat=True))
        self.assertEqual(codes, {"RU-YAR", "RU-SAM"})
        expected = {
            User.Role.NGO_MEMBER: ("RU-TA", Role.LEADER),
            User.Role.POLICE_LIAISON: ("RU-YAR", Role.POLICE_LIAISON),
            User.Role.OFFICIAL: ("RU-SAM", Role.OFFICIAL),
        }
        for user_role, (code, person_role) in expected.items():
            person = users[user_role].person
            assert person is not None
            self.assertEqual(person.region.code, code)
            self.assertTrue(person.roles.filter(role=person_role).exists())
        self.assertIsNone(users[User.Role.MONITOR].person)

    def test_same_seed_same_network_other_seed_other_network(self) -> None:
        first = demo_digest()
        demo_network_delete()
        out = StringIO()
        call_command("demo", "--seed", "2019", stdout=out)
        self.assertIn("ngo@demo.concord", out.getvalue())
        self.assertEqual(demo_digest(), first)
        demo_network_delete()
        demo_network_build(seed=7)
        self.assertNotEqual(demo_digest(), first)

    def test_if_empty_is_a_no_op_when_people_exist(self) -> None:
        people = Person.objects.count()
        out = StringIO()
        call_command("demo", "--if-empty", stdout=out)
        self.assertIn("not built", out.getvalue())
        self.assertEqual(Person.objects.count(), people)

    def test_building_twice_is_refused(self) -> None:
        with self.assertRaises(CommandError):
            call_command("demo", stdout=StringIO())


def demo_digest() -> str:
    """A fingerprint of the demo data that ignores primary keys and timestamps."""
    rows: list[object] = []
    rows += EthnicCommunity.objects.order_by("slug").values_list("slug", "name_ru", "name_en")
    rows += Organisation.objects.order_by("region__code", "name").values_list(
        "region__code", "name", "kind", "city__name_en", "serves", "cooperation", "phone",
        "email", "telegram", "address", "description",
    )  # fmt: skip
    rows += Organisation.communities.through.objects.order_by(
        "organisation__region__code", "organisation__name", "ethniccommunity__slug"
    ).values_list("organisation__name", "ethniccommunity__slug")
    rows += Person.objects.order_by("phone").values_list(
        "phone", "last_name", "first_name", "patronymic", "region__code", "city__name_en",
        "telegram_username", "whatsapp", "email", "preferred_channel", "languages",
        "digital_skill",
    )  # fmt: skip
    rows += PersonRole.objects.order_by("person__phone", "role").values_list(
        "person__phone", "role"
    )
    rows += Membership.objects.order_by("person__phone", "organisation__name").values_list(
        "person__phone", "organisation__region__code", "organisation__name", "position"
    )
    rows += Consent.objects.order_by("person__phone", "purpose").values_list(
        "person__phone", "purpose", "method", "given_at", "withdrawn_at", "recorded_by__email"
    )
    rows += EthnicAffiliation.objects.order_by("person__phone").values_list(
        "person__phone", "community__slug"
    )
    rows += User.objects.order_by("email").values_list(
        "email", "role", "person__phone", "is_superuser", "first_name", "last_name"
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def demo_network_delete() -> None:
    Report.objects.all().delete()  # reports protect their cases
    Case.objects.all().delete()
    ClusterAlert.objects.all().delete()
    TensionAlert.objects.all().delete()
    User.objects.filter(email__in=[login.email for login in DEMO_LOGINS]).delete()
    EthnicAffiliation.objects.all().delete()  # protects consents and communities
    Person.objects.all().delete()
    Organisation.objects.all().delete()
    EthnicCommunity.objects.all().delete()
