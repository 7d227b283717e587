import django.db.models.deletion
from django.db import migrations, models

VISIT_TYPES = [
    ("New patient consultation", 60, 1),
    ("Follow-up", 30, 2),
    ("Procedure", 45, 3),
]


def create_visit_types(apps, schema_editor):
    VisitType = apps.get_model("appointments", "VisitType")
    for name, minutes, order in VISIT_TYPES:
        VisitType.objects.get_or_create(name=name, defaults={"minutes": minutes, "order": order})


class Migration(migrations.Migration):
    """Issue 11: the booked appointment (date and time, location, clinician, visit
    type), call-backs and the unanswered-attempt count; the three visit types."""

    dependencies = [
        ("appointments", "0005_opening_hours"),
        ("education", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="VisitType",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True)),
                (
                    "minutes",
                    models.PositiveSmallIntegerField(
                        default=30,
                        help_text="How long it usually takes; the patient's calendar entry lasts this.",
                    ),
                ),
                (
                    "order",
                    models.PositiveSmallIntegerField(
                        default=0, help_text="Lower numbers are listed first."
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
            ],
            options={
                "ordering": ["order", "name"],
            },
        ),
        migrations.AddField(
            model_name="appointmentrequest",
            name="appointment_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Date and time, in the clinic's time zone.",
                null=True,
                verbose_name="appointment",
            ),
        ),
        migrations.AddField(
            model_name="appointmentrequest",
            name="appointment_location",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="booked_requests",
                to="appointments.location",
                verbose_name="appointment location",
            ),
        ),
        migrations.AddField(
            model_name="appointmentrequest",
            name="booking_sequence",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="appointmentrequest",
            name="call_back_by",
            field=models.DateField(
                blank=True,
                help_text="Proposed after an unanswered call: the next business day.",
                null=True,
                verbose_name="call back by",
            ),
        ),
        migrations.AddField(
            model_name="appointmentrequest",
            name="clinician",
            field=models.ForeignKey(
                blank=True,
                help_text="Who the patient will see.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="booked_requests",
                to="education.clinician",
            ),
        ),
        migrations.AddField(
            model_name="appointmentrequest",
            name="unanswered_attempts",
            field=models.PositiveSmallIntegerField(
                default=0,
                editable=False,
                help_text="Unanswered contact attempts since the last reached.",
            ),
        ),
        migrations.AddField(
            model_name="appointmentrequest",
            name="unreached_email_sent_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicalappointmentrequest",
            name="appointment_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Date and time, in the clinic's time zone.",
                null=True,
                verbose_name="appointment",
            ),
        ),
        migrations.AddField(
            model_name="historicalappointmentrequest",
            name="appointment_location",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="appointments.location",
                verbose_name="appointment location",
            ),
        ),
        migrations.AddField(
            model_name="historicalappointmentrequest",
            name="booking_sequence",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicalappointmentrequest",
            name="call_back_by",
            field=models.DateField(
                blank=True,
                help_text="Proposed after an unanswered call: the next business day.",
                null=True,
                verbose_name="call back by",
            ),
        ),
        migrations.AddField(
            model_name="historicalappointmentrequest",
            name="clinician",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Who the patient will see.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="education.clinician",
            ),
        ),
        migrations.AddField(
            model_name="historicalappointmentrequest",
            name="unanswered_attempts",
            field=models.PositiveSmallIntegerField(
                default=0,
                editable=False,
                help_text="Unanswered contact attempts since the last reached.",
            ),
        ),
        migrations.AddField(
            model_name="historicalappointmentrequest",
            name="unreached_email_sent_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="appointmentrequest",
            name="visit_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="appointments.visittype",
            ),
        ),
        migrations.AddField(
            model_name="historicalappointmentrequest",
            name="visit_type",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="appointments.visittype",
            ),
        ),
        migrations.RunPython(create_visit_types, migrations.RunPython.noop),
    ]
