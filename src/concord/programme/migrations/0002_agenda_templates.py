"""The standard agendas. An interregional training follows the programme's three-day plan:
day 1 introductions and best-practice exchange; day 2 meeting with the host city's authorities
and police; day 3 discussion of results and evaluation. Coordinators can edit them in the admin.
"""

from datetime import time

from django.db import migrations

AGENDAS = {
    "training": (
        3,
        [
            (1, "10:00", "11:30", "Знакомство участников", "Introductions"),
            (1, "11:45", "13:00", "Обмен лучшими практиками", "Best-practice exchange"),
            (1, "14:00", "17:00", "Обмен лучшими практиками: работа в группах", "Best-practice exchange: group work"),
            (2, "10:00", "13:00", "Встреча с представителями власти и полиции города", "Meeting with the host city's authorities and police"),
            (2, "14:00", "17:00", "Совместное обсуждение: как действовать при конфликте", "Joint discussion: acting together in a conflict"),
            (3, "10:00", "12:30", "Обсуждение итогов тренинга", "Discussion of results"),
            (3, "12:45", "13:30", "Оценка тренинга участниками", "Participants' evaluation"),
        ],
    ),
    "seminar": (
        1,
        [
            (1, "10:00", "13:00", "Региональный семинар", "Regional seminar"),
            (1, "14:00", "15:00", "Оценка семинара участниками", "Participants' evaluation"),
        ],
    ),
    "conference": (
        1,
        [
            (1, "10:00", "13:00", "Пленарное заседание", "Plenary session"),
            (1, "14:00", "16:30", "Итоги года в регионах", "The year in the regions"),
            (1, "16:30", "17:30", "Оценка и планы", "Evaluation and plans"),
        ],
    ),
    "online_conference": (
        1,
        [
            (1, "11:00", "12:30", "Онлайн-конференция", "Online conference"),
            (1, "12:30", "13:00", "Оценка участниками", "Participants' evaluation"),
        ],
    ),
}


def _time(text):
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def create_agendas(apps, schema_editor):
    AgendaTemplate = apps.get_model("programme", "AgendaTemplate")
    AgendaTemplateItem = apps.get_model("programme", "AgendaTemplateItem")
    for kind, (days, items) in AGENDAS.items():
        template, _created = AgendaTemplate.objects.get_or_create(kind=kind, defaults={"days": days})
        for day, start, end, title_ru, title_en in items:
            AgendaTemplateItem.objects.get_or_create(
                template=template,
                day=day,
                start_time=_time(start),
                defaults={"end_time": _time(end), "title_ru": title_ru, "title_en": title_en},
            )


class Migration(migrations.Migration):
    dependencies = [("programme", "0001_initial")]

    operations = [migrations.RunPython(create_agendas, migrations.RunPython.noop)]
