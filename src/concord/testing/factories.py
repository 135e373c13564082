"""factory_boy factories shared by every app's tests (Russian names, fixed seed)."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from concord.accounts.models import User
from concord.directory.models import (
    Consent,
    EthnicCommunity,
    Membership,
    Organisation,
    Person,
    PersonRole,
)
from concord.regions.models import City, Country, Region

factory.Faker._DEFAULT_LOCALE = "ru_RU"


class CountryFactory(DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("code",)

    code = "RU"
    name_ru = "Россия"
    name_en = "Russia"
    timezone = "Europe/Moscow"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    country = factory.SubFactory(CountryFactory)
    code = factory.Sequence(lambda n: f"RU-T{n:02d}")
    name_ru = factory.Sequence(lambda n: f"Тестовая область {n}")
    name_en = factory.Sequence(lambda n: f"Test Oblast {n}")
    kind = Region.Kind.OBLAST
    timezone = "Europe/Moscow"


class CityFactory(DjangoModelFactory):
    class Meta:
        model = City

    region = factory.SubFactory(RegionFactory)
    name_ru = factory.Sequence(lambda n: f"Город {n}")
    name_en = factory.Sequence(lambda n: f"Town {n}")
    latitude = 55.0
    longitude = 37.0
    population = 100_000
    timezone = factory.SelfAttribute("region.timezone")


class EthnicCommunityFactory(DjangoModelFactory):
    class Meta:
        model = EthnicCommunity
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"community-{n}")
    name_ru = factory.Sequence(lambda n: f"Община {n}")
    name_en = factory.Sequence(lambda n: f"Community {n}")


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.ETHNIC_NGO
    name = factory.Sequence(lambda n: f"Национально-культурная автономия №{n}")
    region = factory.SubFactory(RegionFactory)
    serves = Organisation.Serves.BOTH
    cooperation = Organisation.Cooperation.OCCASIONAL


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    last_name = factory.Faker("last_name_male")
    first_name = factory.Faker("first_name_male")
    patronymic = factory.Faker("middle_name_male")
    region = factory.SubFactory(RegionFactory)
    phone = factory.Sequence(lambda n: f"+7916{n:07d}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")


class PersonRoleFactory(DjangoModelFactory):
    class Meta:
        model = PersonRole

    person = factory.SubFactory(PersonFactory)
    role = PersonRole.Role.LEADER


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    position = "председатель"


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    purpose = Consent.Purpose.DIRECTORY
    method = Consent.Method.PAPER
    given_at = factory.LazyFunction(timezone.now)


def _save_after_password(user: User, create: bool, extracted: object, **kwargs: object) -> None:
    if create:
        user.save()


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    role = User.Role.NGO_MEMBER
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")
    save_password = factory.PostGeneration(_save_after_password)
