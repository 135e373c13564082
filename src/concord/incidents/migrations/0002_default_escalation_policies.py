"""The default time each severity may wait before escalating (docs/incidents.md)."""

from django.db import migrations

DEFAULTS = {4: (10, 5), 3: (30, 15), 2: (60, 30), 1: (120, 60)}


def create_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    policy = apps.get_model("incidents", "EscalationPolicy")
    for severity, (acknowledge, reminder) in DEFAULTS.items():
        policy.objects.get_or_create(
            severity=severity,
            defaults={"acknowledge_minutes": acknowledge, "reminder_minutes": reminder},
        )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
