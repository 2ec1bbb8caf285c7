from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_alter_request_channel'),
    ]

    # The second "never twice" log goes: every notice it claimed was also logged by the outbound
    # path under the key <event>:<request>:<occurrence>:<recipient>, which notifications keeps
    # using (notifications.OutgoingMessage), and each overdue alert is marked on its escalation.
    operations = [
        migrations.DeleteModel(
            name='Notification',
        ),
    ]
