"""Invented people for the demo: Russian names from Faker, contacts, digital skills.

Every draw comes from the two seeded generators passed in, in a fixed order, so one seed
always yields the same people. Emails use the reserved example.* domains so that a demo
database can never mail a real address; phone numbers are random and must never be given
to a real WhatsApp account.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import phonenumbers
from faker import Faker

from concord.directory.models import EthnicCommunity, Organisation, Person
from concord.regions.models import City, Region

_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya"
_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _LATIN.split(" "), strict=True))

EMAIL_DOMAINS = ("example.org", "example.com", "example.net")


def _valid_phone(number: str) -> bool:
    # A few 9xx blocks are unassigned; the importer would reject numbers from them.
    return phonenumbers.is_valid_number(phonenumbers.parse(number))


def translit(text: str) -> str:
    """Latin letters for a Russian name, good enough for a username or an email."""
    letters = (_TRANSLIT.get(ch, ch) for ch in text.lower())
    return "".join(ch for ch in "".join(letters) if ch.isascii() and ch.isalnum())


@dataclass(frozen=True)
class Profile:
    """How a kind of participant tends to look: share of women, digital skills, consents."""

    female_share: float
    skill_weights: tuple[float, float, float]  # levels 1, 2, 3
    listing_chance: float  # consent to be listed to the whole network
    ethnicity_chance: float = 0.0


LEADER = Profile(0.35, (0.55, 0.35, 0.10), 0.72, 0.35)
ACTIVIST = Profile(0.5, (0.2, 0.5, 0.3), 0.35, 0.25)
YOUTH = Profile(0.5, (0.0, 0.2, 0.8), 0.45, 0.25)
POLICE = Profile(0.25, (0.05, 0.55, 0.4), 0.85)
OFFICIAL = Profile(0.6, (0.05, 0.55, 0.4), 0.85)
STAFF = Profile(0.5, (0.0, 0.1, 0.9), 1.0)


@dataclass
class PersonPlan:
    """A person before saving, with what will be attached once it has a primary key."""

    person: Person
    profile: Profile
    roles: list[str]
    memberships: list[tuple[Organisation, str]] = field(default_factory=list)
    community: EthnicCommunity | None = None


class PeopleMaker:
    def __init__(self, rng: random.Random, fake: Faker) -> None:
        self.rng = rng
        self.fake = fake
        self._phones: set[str] = set()
        self._handles: set[str] = set()

    def make(self, region: Region, city: City | None, profile: Profile) -> Person:
        female = self.rng.random() < profile.female_share
        last, first, middle = self._name(female)
        skill = self.rng.choices((1, 2, 3), weights=profile.skill_weights)[0]
        person = Person(
            last_name=last,
            first_name=first,
            patronymic=middle,
            region=region,
            city=city,
            phone=self.phone(),
            digital_skill=skill,
            languages="ru",
        )
        self._add_contacts(person)
        return person

    def _name(self, female: bool) -> tuple[str, str, str]:
        if female:
            return (
                self.fake.last_name_female(),
                self.fake.first_name_female(),
                self.fake.middle_name_female(),
            )
        return self.fake.last_name_male(), self.fake.first_name_male(), self.fake.middle_name_male()

    def phone(self) -> str:
        """A unique, valid Russian mobile number in E.164."""
        while True:
            number = f"+79{self.rng.randrange(10**9):09d}"
            if number not in self._phones and _valid_phone(number):
                self._phones.add(number)
                return number

    def _add_contacts(self, person: Person) -> None:
        # Chances by digital skill level: people who need help with apps rarely have Telegram.
        skill = person.digital_skill
        if self.rng.random() < (0.05, 0.45, 0.8)[skill - 1]:
            person.telegram_username = self._handle(person, "_")
        if self.rng.random() < (0.6, 0.8, 0.5)[skill - 1]:
            person.whatsapp = person.phone
        if self.rng.random() < (0.2, 0.6, 0.85)[skill - 1]:
            domain = self.rng.choice(EMAIL_DOMAINS)
            person.email = f"{self._handle(person, '.')}@{domain}"
        person.preferred_channel = self._preferred_channel(person)

    def _handle(self, person: Person, separator: str) -> str:
        base = f"{translit(person.first_name)}{separator}{translit(person.last_name)}"
        handle = base
        while handle in self._handles or len(handle) < 5:
            handle = f"{base}{self.rng.randrange(10, 100)}"
        self._handles.add(handle)
        return handle

    def _preferred_channel(self, person: Person) -> str:
        channel = Person.Channel
        if person.digital_skill == 1 and (not person.whatsapp or self.rng.random() < 0.5):
            return channel.PHONE
        if person.telegram_username and (person.digital_skill == 3 or self.rng.random() < 0.4):
            return channel.TELEGRAM
        if person.whatsapp:
            return channel.WHATSAPP
        return channel.EMAIL if person.email else channel.PHONE
