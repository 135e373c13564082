"""The demo network's organisations: ethnic and migrant-support NGOs, police, authorities,
Houses of Friendship and the coordinating organisation itself."""

from __future__ import annotations

import random

from concord.demo import catalog
from concord.demo.people import PeopleMaker, translit
from concord.directory.models import EthnicCommunity, Organisation
from concord.regions.models import City, Region

Kind = Organisation.Kind
Cooperation = Organisation.Cooperation

ETHNIC_DESCRIPTIONS = (
    "Сохранение родного языка и культуры, воскресная школа, национальные праздники.",
    "Помощь землякам, юридические консультации, участие в городских фестивалях.",
    "Культурные программы, молодёжный клуб, работа с семьями переселенцев.",
    "Просветительские лекции, ансамбль песни и танца, благотворительность.",
)
MIGRANT_DESCRIPTIONS = (
    "Консультации по трудоустройству и документам, курсы русского языка.",
    "Адаптация детей мигрантов в школах, горячая линия, сопровождение в госорганах.",
)
COOPERATION = (
    Cooperation.NONE,
    Cooperation.OCCASIONAL,
    Cooperation.REGULAR,
    Cooperation.AGREEMENT,
)
# Cities that hosted trainings have long worked with their police and authorities.
HOST_COOPERATION = (2.0, 5.0, 3.0)  # occasional, regular, agreement
OTHER_COOPERATION = (3.0, 4.0, 2.0, 1.0)  # none, occasional, regular, agreement


class OrganisationMaker:
    def __init__(
        self,
        rng: random.Random,
        people: PeopleMaker,
        regions: dict[str, Region],
        cities: dict[str, City | None],
    ) -> None:
        self.rng = rng
        self.people = people
        self.regions = regions
        self.cities = cities
        self.ethnic: list[tuple[Organisation, EthnicCommunity]] = []
        self.migrant: list[Organisation] = []
        self.police: dict[str, Organisation] = {}
        self.authorities: dict[str, list[Organisation]] = {}
        self.houses: dict[str, Organisation] = {}
        self.centre = self._org(
            "RU-MOW", Kind.OTHER, catalog.COORDINATING_ORGANISATION, Cooperation.AGREEMENT
        )

    def create_all(self, communities: dict[str, EthnicCommunity]) -> None:
        for code in catalog.HOUSES_OF_FRIENDSHIP:
            name = f"Дом дружбы народов {catalog.REGION_BY_CODE[code].region_genitive}"
            self.houses[code] = self._org(code, Kind.HOST, name, Cooperation.AGREEMENT)
        for region in catalog.REGIONS:
            for slug in region.communities:
                self.ethnic.append((self._ethnic_ngo(region, slug), communities[slug]))
            self.migrant.extend(self._migrant_ngos(region))
        for host in catalog.HOST_CITIES:
            self.police[host.region] = self._org(host.region, Kind.POLICE, host.police)
            self.authorities[host.region] = [
                self._org(host.region, Kind.AUTHORITY, name) for name in host.authorities
            ]
        self._save(communities)

    def _save(self, communities: dict[str, EthnicCommunity]) -> None:
        organisations = [self.centre, *self.houses.values()]
        organisations += [org for org, _ in self.ethnic] + self.migrant
        organisations += list(self.police.values())
        organisations += [org for orgs in self.authorities.values() for org in orgs]
        for org in organisations:
            # bulk_create skips save(), which keeps the search column in step.
            org.search_text = org.build_search_text()
        Organisation.objects.bulk_create(organisations, batch_size=500)
        through = Organisation.communities.through
        links = [through(organisation=org, ethniccommunity=c) for org, c in self.ethnic]
        for org in self.migrant:
            region = catalog.REGION_BY_CODE[org.region.code]
            served = [s for s in catalog.MIGRANT_COMMUNITIES if s in region.communities]
            for slug in served or ["uzbek", "tajik"]:
                links.append(through(organisation=org, ethniccommunity=communities[slug]))
        through.objects.bulk_create(links, batch_size=500)

    def _org(
        self, code: str, kind: str, name: str, cooperation: str = Cooperation.REGULAR
    ) -> Organisation:
        city = self.cities[code]
        city_name = city.name_ru if city else catalog.REGION_BY_CODE[code].city_ru
        return Organisation(
            kind=kind,
            name=name,
            region=self.regions[code],
            city=city,
            cooperation=cooperation,
            phone=self.people.phone(),  # NGOs mostly give a mobile number
            address=f"г. {city_name}, {self.people.fake.street_address()}",
        )

    def _cooperation(self, code: str) -> str:
        if code in {host.region for host in catalog.HOST_CITIES}:
            return self.rng.choices(COOPERATION[1:], weights=HOST_COOPERATION)[0]
        return self.rng.choices(COOPERATION, weights=OTHER_COOPERATION)[0]

    def _ethnic_ngo(self, region: catalog.DemoRegion, slug: str) -> Organisation:
        community = catalog.COMMUNITY_BY_SLUG[slug]
        template = self.rng.choice(catalog.ETHNIC_NGO_NAMES)
        name = template.format(
            adj_f=community.adjective,
            adj_f_lower=community.adjective.lower(),
            adj_m=community.adjective_m,
            adj_n=community.adjective_n,
            city=region.city_genitive,
            region=region.region_genitive,
            word=self.rng.choice(community.words),
        )
        org = self._org(region.code, Kind.ETHNIC_NGO, name, self._cooperation(region.code))
        # Communities of recent migrants serve both citizens and newcomers.
        migrants = slug in catalog.MIGRANT_COMMUNITIES[:4]
        org.serves = Organisation.Serves.BOTH if migrants else Organisation.Serves.CITIZENS
        org.description = self.rng.choice(ETHNIC_DESCRIPTIONS)
        self._online_presence(org, f"{slug}_{translit(region.city_en)}")
        if region.code in self.houses and self.rng.random() < 0.5:
            org.address = self.houses[region.code].address
        return org

    def _migrant_ngos(self, region: catalog.DemoRegion) -> list[Organisation]:
        big = region.code in ("RU-MOW", "RU-SPE", "RU-SVE", "RU-NVS")
        has_migrants = any(s in catalog.MIGRANT_COMMUNITIES[:3] for s in region.communities)
        count = 2 if big else int(has_migrants)
        templates = self.rng.sample(catalog.MIGRANT_NGO_NAMES, count)
        words = self.rng.sample(catalog.MIGRANT_NGO_WORDS, count)
        organisations = []
        for index, (template, word) in enumerate(zip(templates, words, strict=True)):
            name = template.format(word=word, city=region.city_genitive)
            org = self._org(region.code, Kind.MIGRANT_NGO, name, self._cooperation(region.code))
            org.serves = Organisation.Serves.MIGRANTS
            org.description = self.rng.choice(MIGRANT_DESCRIPTIONS)
            self._online_presence(org, f"migrants{index + 1}_{translit(region.city_en)}")
            organisations.append(org)
        return organisations

    def _online_presence(self, org: Organisation, handle: str) -> None:
        handle = handle.replace("-", "_")[:32]
        if self.rng.random() < 0.5:
            org.email = f"{handle.replace('_', '.')}@example.org"
        if self.rng.random() < 0.3:
            org.telegram = handle
