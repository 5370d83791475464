from django.db import migrations, models


def key_meetings_that_share_a_date(apps, schema_editor):
    """Meetings are identified by (course, date, key) from now on. Where one date had several
    meetings (allowed before for non-presentation meetings), the second and later ones get the
    key `m<position>` from their old place in the week, so the new constraint holds."""
    Meeting = apps.get_model("schedule", "Meeting")
    seen = set()
    for meeting in Meeting.objects.order_by("course_id", "date", "week_id", "position", "pk"):
        identity = (meeting.course_id, meeting.date)
        if identity in seen:
            meeting.key = f"m{meeting.position}"
            meeting.save(update_fields=["key"])
        seen.add(identity)


class Migration(migrations.Migration):

    dependencies = [
        ("schedule", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="key",
            field=models.SlugField(
                blank=True,
                help_text="Tells meetings on the same date apart; empty for a date's only meeting.",
                max_length=64,
            ),
        ),
        migrations.RunPython(key_meetings_that_share_a_date, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="meeting",
            name="meeting_unique_position",
        ),
        migrations.RemoveField(
            model_name="meeting",
            name="position",
        ),
        migrations.AlterModelOptions(
            name="meeting",
            options={"ordering": ["course", "date", "starts_at", "key"]},
        ),
        migrations.AddField(
            model_name="meeting",
            name="materials",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='Readings and recordings: [{"title", "url"}].',
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="note",
            field=models.CharField(
                blank=True,
                help_text="Shown with the meeting, e.g. 'Moved online'.",
                max_length=500,
            ),
        ),
        migrations.AddConstraint(
            model_name="meeting",
            constraint=models.UniqueConstraint(
                fields=("course", "date", "key"), name="meeting_unique_date_key"
            ),
        ),
    ]
