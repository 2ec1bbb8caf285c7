
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_alter_request_channel'),
        ('channels', '0002_outgoingmessage_attachments'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='MailThread',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('message_id', models.CharField(help_text='Without the angle brackets.', max_length=998, verbose_name='Message-ID')),
                ('received_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='received at')),
                ('request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.request', verbose_name='request')),
            ],
            options={
                'verbose_name': "applicant's e-mail in a thread",
                'verbose_name_plural': "applicant's e-mails in threads",
                'indexes': [models.Index(fields=['request', 'received_at'], name='mailthread_request_at')],
                'constraints': [models.UniqueConstraint(fields=('request', 'message_id'), name='mailthread_once')],
            },
        ),
        # The log of outgoing e-mail moves from channels to notifications: the model only, its
        # table (channels_outgoingmessage) and every row stay where they are.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='OutgoingMessage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=200, unique=True, verbose_name='key')),
                        ('event', models.CharField(blank=True, max_length=40, verbose_name='event')),
                        ('to', models.JSONField(default=list, verbose_name='recipients')),
                        ('subject', models.CharField(max_length=300, verbose_name='subject')),
                        ('body', models.TextField(verbose_name='text')),
                        ('attachments', models.JSONField(blank=True, default=list, help_text='Files sent with the letter: name, MIME type and base64 content each.', verbose_name='attachments')),
                        ('message_id', models.CharField(max_length=255, unique=True, verbose_name='Message-ID')),
                        ('in_reply_to', models.CharField(blank=True, max_length=998, verbose_name='In-Reply-To')),
                        ('references', models.TextField(blank=True, verbose_name='References')),
                        ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sending', 'Being sent'), ('sent', 'Sent'), ('failed', 'Gave up'), ('bounced', 'Bounced')], default='pending', max_length=10, verbose_name='status')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='queued at')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                        ('request', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='cases.request', verbose_name='request')),
                    ],
                    options={
                        'verbose_name': 'outgoing e-mail',
                        'verbose_name_plural': 'outgoing e-mails',
                        'db_table': 'channels_outgoingmessage',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['request', '-created_at'], name='outgoing_request_at'), models.Index(fields=['status', 'created_at'], name='outgoing_status_at')],
                    },
                ),
            ],
        ),
        migrations.AddField(
            model_name='outgoingmessage',
            name='withhold_body',
            field=models.BooleanField(default=False, help_text='The text carries a secret (a confirmation link, a code): blanked once sent.', verbose_name='withhold the text'),
        ),
    ]
