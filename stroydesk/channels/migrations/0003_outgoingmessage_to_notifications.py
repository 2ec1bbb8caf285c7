from django.db import migrations


def threads_from_processed(apps, schema_editor):
    """The applicant's e-mails on requests, known so far only to channels, become the threads
    that notifications answers."""
    ProcessedMessage = apps.get_model("channels", "ProcessedMessage")
    MailThread = apps.get_model("notifications", "MailThread")
    rows = (
        ProcessedMessage.objects.filter(request__isnull=False)
        .exclude(message_id="")
        .values_list("request_id", "message_id", "processed_at")
        .order_by("id")
    )
    batch = [
        MailThread(request_id=request_id, message_id=message_id, received_at=at)
        for request_id, message_id, at in rows.iterator()
    ]
    MailThread.objects.bulk_create(batch, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0002_outgoingmessage_attachments"),
        ("notifications", "0002_outgoingmessage_from_channels_mailthread"),
    ]

    operations = [
        # The model moved to notifications; its table and rows stay (see notifications 0002).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="OutgoingMessage")],
        ),
        migrations.RunPython(threads_from_processed, migrations.RunPython.noop),
    ]
