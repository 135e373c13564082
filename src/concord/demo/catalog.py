"""Static data of the demo network: communities, regions, host cities, Houses of Friendship.

Everything is a tuple so that iteration order, and therefore the generated data, is fixed.
Russian grammatical forms (genitive of a city or region) are written out by hand: deriving
them mechanically produces too many wrong names for a demo that Russian speakers will read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Community:
    slug: str
    name_ru: str
    name_en: str
    adjective: str  # feminine form, "Армянская": every one here ends in "-кая"
    language: str  # ISO 639-1 code, or "" when the language has none
    words: tuple[str, ...]  # names that NGOs of the community like to take

    @property
    def adjective_m(self) -> str:
        return self.adjective[:-2] + "ий"

    @property
    def adjective_n(self) -> str:
        return self.adjective[:-2] + "ое"


COMMUNITIES: tuple[Community, ...] = (
    Community("armenian", "Армяне", "Armenians", "Армянская", "hy", ("Арарат", "Наири", "Айастан")),
    Community(
        "azerbaijani",
        "Азербайджанцы",
        "Azerbaijanis",
        "Азербайджанская",
        "az",
        ("Достлуг", "Ватан", "Азери"),
    ),
    Community("tatar", "Татары", "Tatars", "Татарская", "tt", ("Туган тел", "Мирас", "Якташлар")),
    Community("uzbek", "Узбеки", "Uzbeks", "Узбекская", "uz", ("Дустлик", "Ватандош", "Навруз")),
    Community("tajik", "Таджики", "Tajiks", "Таджикская", "tg", ("Сомон", "Пайванд", "Рудаки")),
    Community("kyrgyz", "Киргизы", "Kyrgyz", "Киргизская", "ky", ("Манас", "Ала-Тоо", "Мекендеш")),
    Community("kazakh", "Казахи", "Kazakhs", "Казахская", "kk", ("Достык", "Байтерек", "Жолдас")),
    Community("chechen", "Чеченцы", "Chechens", "Чеченская", "ce", ("Вайнах", "Даймохк")),
    Community(
        "dagestani",
        "Народы Дагестана",
        "Peoples of Dagestan",
        "Дагестанская",
        "",
        ("Страна гор", "Кавказ"),
    ),
    Community("georgian", "Грузины", "Georgians", "Грузинская", "ka", ("Иверия", "Мамули")),
    Community("jewish", "Евреи", "Jews", "Еврейская", "he", ("Шалом", "Менора", "Алеф")),
    Community("ukrainian", "Украинцы", "Ukrainians", "Украинская", "uk", ("Криница", "Калина")),
    Community("belarusian", "Белорусы", "Belarusians", "Белорусская", "be", ("Купалинка", "Рута")),
    Community("korean", "Корейцы", "Koreans", "Корейская", "ko", ("Ариран", "Мугунхва")),
    Community("roma", "Цыгане (рома)", "Roma", "Цыганская", "", ("Романо дром", "Амаро дром")),
    Community("german", "Немцы", "Germans", "Немецкая", "de", ("Видергебурт", "Хаймат")),
    Community("chuvash", "Чуваши", "Chuvash", "Чувашская", "cv", ("Атал", "Хавал")),
    Community("bashkir", "Башкиры", "Bashkirs", "Башкирская", "ba", ("Курултай", "Агидель")),
    Community("udmurt", "Удмурты", "Udmurts", "Удмуртская", "", ("Кенеш", "Италмас")),
    Community("mari", "Марийцы", "Mari", "Марийская", "", ("Мари ушем", "Онар")),
    Community("mordvin", "Мордва", "Mordvins", "Мордовская", "", ("Масторава", "Вельмема")),
    Community("yakut", "Якуты", "Yakuts", "Якутская", "", ("Туймаада", "Ысыах")),
    Community("buryat", "Буряты", "Buryats", "Бурятская", "", ("Сагаалган", "Байкал")),
    Community("greek", "Греки", "Greeks", "Греческая", "el", ("Эллада", "Пантикапей")),
)

COMMUNITY_BY_SLUG = {c.slug: c for c in COMMUNITIES}

# Migrants come mostly from Central Asia and the South Caucasus.
MIGRANT_COMMUNITIES = ("uzbek", "tajik", "kyrgyz", "kazakh", "azerbaijani", "armenian")


@dataclass(frozen=True)
class DemoRegion:
    code: str  # ISO 3166-2
    city_ru: str
    city_genitive: str
    region_genitive: str
    geonames_id: int  # of the main city, to find it among the loaded cities
    city_en: str
    communities: tuple[str, ...]  # slugs of the communities that have an ethnic NGO here


# Regions with NGOs, west to east, from Kaliningrad to Irkutsk.
REGIONS: tuple[DemoRegion, ...] = (
    DemoRegion(
        "RU-KGD",
        "Калининград",
        "Калининграда",
        "Калининградской области",
        554234,
        "Kaliningrad",
        ("german", "armenian", "ukrainian", "belarusian", "azerbaijani"),
    ),
    DemoRegion(
        "RU-SPE",
        "Санкт-Петербург",
        "Санкт-Петербурга",
        "Санкт-Петербурга",
        498817,
        "Saint Petersburg",
        ("armenian", "azerbaijani", "uzbek", "tajik", "korean", "jewish"),
    ),
    DemoRegion(
        "RU-TVE",
        "Тверь",
        "Твери",
        "Тверской области",
        480060,
        "Tver",
        ("armenian", "azerbaijani", "roma", "uzbek"),
    ),
    DemoRegion(
        "RU-MOW",
        "Москва",
        "Москвы",
        "Москвы",
        524901,
        "Moscow",
        (
            "armenian",
            "azerbaijani",
            "uzbek",
            "tajik",
            "kyrgyz",
            "chechen",
            "dagestani",
            "georgian",
            "jewish",
            "korean",
        ),
    ),
    DemoRegion(
        "RU-YAR",
        "Ярославль",
        "Ярославля",
        "Ярославской области",
        468902,
        "Yaroslavl",
        ("armenian", "azerbaijani", "tatar", "uzbek", "tajik", "roma", "jewish"),
    ),
    DemoRegion(
        "RU-VLA",
        "Владимир",
        "Владимира",
        "Владимирской области",
        473247,
        "Vladimir",
        ("armenian", "azerbaijani", "tajik", "uzbek", "roma"),
    ),
    DemoRegion(
        "RU-IVA",
        "Иваново",
        "Иванова",
        "Ивановской области",
        555312,
        "Ivanovo",
        ("armenian", "azerbaijani", "tajik"),
    ),
    DemoRegion(
        "RU-NIZ",
        "Нижний Новгород",
        "Нижнего Новгорода",
        "Нижегородской области",
        520555,
        "Nizhniy Novgorod",
        ("tatar", "armenian", "azerbaijani", "jewish", "uzbek"),
    ),
    DemoRegion(
        "RU-CU",
        "Чебоксары",
        "Чебоксар",
        "Чувашской Республики",
        569696,
        "Cheboksary",
        ("tatar", "armenian", "azerbaijani", "uzbek"),
    ),
    DemoRegion(
        "RU-TA",
        "Казань",
        "Казани",
        "Республики Татарстан",
        551487,
        "Kazan",
        ("chuvash", "udmurt", "bashkir", "uzbek", "tajik", "azerbaijani", "armenian"),
    ),
    DemoRegion(
        "RU-UD",
        "Ижевск",
        "Ижевска",
        "Удмуртской Республики",
        554840,
        "Izhevsk",
        ("tatar", "mari", "armenian", "azerbaijani", "uzbek"),
    ),
    DemoRegion(
        "RU-SAM",
        "Самара",
        "Самары",
        "Самарской области",
        499099,
        "Samara",
        (
            "tatar",
            "chuvash",
            "mordvin",
            "armenian",
            "azerbaijani",
            "uzbek",
            "tajik",
            "kazakh",
            "german",
        ),
    ),
    DemoRegion(
        "RU-SAR",
        "Саратов",
        "Саратова",
        "Саратовской области",
        498677,
        "Saratov",
        ("kazakh", "tatar", "armenian", "german", "korean"),
    ),
    DemoRegion(
        "RU-VGG",
        "Волгоград",
        "Волгограда",
        "Волгоградской области",
        472757,
        "Volgograd",
        ("kazakh", "armenian", "chechen", "dagestani", "korean"),
    ),
    DemoRegion(
        "RU-AST",
        "Астрахань",
        "Астрахани",
        "Астраханской области",
        580497,
        "Astrakhan",
        ("kazakh", "tatar", "dagestani", "azerbaijani"),
    ),
    DemoRegion(
        "RU-ROS",
        "Ростов-на-Дону",
        "Ростова-на-Дону",
        "Ростовской области",
        501175,
        "Rostov-on-Don",
        ("armenian", "chechen", "dagestani", "azerbaijani", "georgian", "korean", "roma"),
    ),
    DemoRegion(
        "RU-KDA",
        "Сочи",
        "Сочи",
        "Краснодарского края",
        491422,
        "Sochi",
        ("armenian", "georgian", "greek", "ukrainian", "azerbaijani"),
    ),
    DemoRegion(
        "RU-STA",
        "Ставрополь",
        "Ставрополя",
        "Ставропольского края",
        487846,
        "Stavropol",
        ("armenian", "dagestani", "chechen", "greek"),
    ),
    DemoRegion(
        "RU-DA",
        "Махачкала",
        "Махачкалы",
        "Республики Дагестан",
        532096,
        "Makhachkala",
        ("azerbaijani", "chechen", "jewish"),
    ),
    DemoRegion(
        "RU-BA",
        "Уфа",
        "Уфы",
        "Республики Башкортостан",
        479561,
        "Ufa",
        ("tatar", "chuvash", "mari", "armenian", "uzbek"),
    ),
    DemoRegion(
        "RU-ORE",
        "Оренбург",
        "Оренбурга",
        "Оренбургской области",
        515003,
        "Orenburg",
        ("kazakh", "tatar", "bashkir", "german", "uzbek"),
    ),
    DemoRegion(
        "RU-PER",
        "Пермь",
        "Перми",
        "Пермского края",
        511196,
        "Perm",
        ("tatar", "bashkir", "udmurt", "armenian", "tajik"),
    ),
    DemoRegion(
        "RU-SVE",
        "Екатеринбург",
        "Екатеринбурга",
        "Свердловской области",
        1486209,
        "Yekaterinburg",
        ("tatar", "bashkir", "armenian", "azerbaijani", "uzbek", "tajik", "kyrgyz", "jewish"),
    ),
    DemoRegion(
        "RU-CHE",
        "Челябинск",
        "Челябинска",
        "Челябинской области",
        1508291,
        "Chelyabinsk",
        ("tatar", "bashkir", "kazakh", "uzbek", "armenian"),
    ),
    DemoRegion(
        "RU-TYU",
        "Тюмень",
        "Тюмени",
        "Тюменской области",
        1488754,
        "Tyumen",
        ("tatar", "azerbaijani", "uzbek", "tajik"),
    ),
    DemoRegion(
        "RU-OMS",
        "Омск",
        "Омска",
        "Омской области",
        1496153,
        "Omsk",
        ("kazakh", "german", "ukrainian", "tatar"),
    ),
    DemoRegion(
        "RU-NVS",
        "Новосибирск",
        "Новосибирска",
        "Новосибирской области",
        1496747,
        "Novosibirsk",
        ("uzbek", "tajik", "kyrgyz", "german", "korean", "buryat"),
    ),
    DemoRegion(
        "RU-TOM",
        "Томск",
        "Томска",
        "Томской области",
        1489425,
        "Tomsk",
        ("tatar", "german", "kyrgyz"),
    ),
    DemoRegion(
        "RU-KYA",
        "Красноярск",
        "Красноярска",
        "Красноярского края",
        1502026,
        "Krasnoyarsk",
        ("kyrgyz", "tajik", "azerbaijani", "yakut"),
    ),
    DemoRegion(
        "RU-IRK",
        "Иркутск",
        "Иркутска",
        "Иркутской области",
        2023469,
        "Irkutsk",
        ("buryat", "yakut", "kyrgyz", "uzbek", "armenian", "jewish"),
    ),
)

REGION_BY_CODE = {r.code: r for r in REGIONS}


@dataclass(frozen=True)
class HostCity:
    """A city that hosted an interregional training: its police and authorities took part."""

    region: str
    police: str
    authorities: tuple[str, ...]


HOST_CITIES: tuple[HostCity, ...] = (
    HostCity(
        "RU-YAR",
        "УМВД России по Ярославской области",
        ("Мэрия города Ярославля", "Правительство Ярославской области"),
    ),
    HostCity(
        "RU-SAM",
        "ГУ МВД России по Самарской области",
        ("Администрация городского округа Самара", "Правительство Самарской области"),
    ),
    HostCity(
        "RU-SVE",
        "ГУ МВД России по Свердловской области",
        (
            "Администрация города Екатеринбурга",
            "Министерство образования и молодёжной политики Свердловской области",
        ),
    ),
    HostCity(
        "RU-KGD",
        "УМВД России по Калининградской области",
        ("Администрация городского округа «Город Калининград»",),
    ),
    HostCity(
        "RU-UD",
        "МВД по Удмуртской Республике",
        (
            "Администрация города Ижевска",
            "Министерство национальной политики Удмуртской Республики",
        ),
    ),
    HostCity(
        "RU-ROS",
        "ГУ МВД России по Ростовской области",
        ("Администрация города Ростова-на-Дону",),
    ),
    HostCity(
        "RU-TA",
        "МВД по Республике Татарстан",
        ("Исполнительный комитет города Казани", "Аппарат Президента Республики Татарстан"),
    ),
    HostCity(
        "RU-KDA",
        "УВД по городу Сочи ГУ МВД России по Краснодарскому краю",
        ("Администрация города Сочи",),
    ),
    HostCity(
        "RU-VLA",
        "УМВД России по Владимирской области",
        ("Администрация города Владимира",),
    ),
    HostCity(
        "RU-MOW",
        "ГУ МВД России по г. Москве",
        ("Департамент национальной политики и межрегиональных связей города Москвы",),
    ),
)

# Regions whose House of Friendship hosts the ethnic NGOs and the network's events.
HOUSES_OF_FRIENDSHIP: tuple[str, ...] = (
    "RU-SAM",
    "RU-TA",
    "RU-UD",
    "RU-CU",
    "RU-BA",
    "RU-ORE",
    "RU-PER",
    "RU-IRK",
)

COORDINATING_ORGANISATION = "Центр межнационального сотрудничества"

MIGRANT_NGO_NAMES: tuple[str, ...] = (
    "Центр социальной адаптации мигрантов «{word}»",
    "АНО «Центр помощи мигрантам г. {city}»",
    "Фонд поддержки мигрантов «{word}»",
    "Миграционный центр «{word}»",
)
MIGRANT_NGO_WORDS: tuple[str, ...] = (
    "Дружба",
    "Содружество",
    "Мост",
    "Открытый дом",
    "Лад",
    "Диалог",
    "Гармония",
    "Единство",
)

ETHNIC_NGO_NAMES: tuple[str, ...] = (
    "{adj_f} национально-культурная автономия г. {city}",
    "{adj_f} национально-культурная автономия {region}",
    "Местная {adj_f_lower} национально-культурная автономия г. {city}",
    "{adj_m} культурный центр «{word}»",
    "{adj_n} общество «{word}»",
    "{adj_n} землячество «{word}»",
)

LEADER_POSITIONS = ("председатель", "председатель правления", "президент", "руководитель")
ACTIVIST_POSITIONS = (
    "член правления",
    "активист",
    "волонтёр",
    "секретарь",
    "заместитель председателя",
)
YOUTH_POSITIONS = ("руководитель молодёжного крыла", "активист молодёжного крыла", "волонтёр")
POLICE_POSITIONS = (
    "начальник отделения по взаимодействию с институтами гражданского общества",
    "старший инспектор по работе с национальными объединениями",
)
OFFICIAL_POSITIONS = (
    "консультант отдела по межнациональным отношениям",
    "заместитель начальника управления внутренней политики",
    "главный специалист по работе с общественными объединениями",
)

EMAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "rambler.ru", "list.ru")
