"""Attachments on S3-compatible object storage: stored, read back, probed and backed up — against
a local S3 server (moto's) started by the test, not a mock of the client."""

from __future__ import annotations

import io
import uuid

import boto3
import pytest
from django.core.files.storage import default_storage
from moto.server import ThreadedMotoServer

from stroydesk.cases.intake import Contact, IncomingFile, Intake, register_request
from stroydesk.ops.backup import stored_files
from stroydesk.ops.health import readiness
from stroydesk.ops.tests.cluster import free_port

PDF = b"%PDF-1.4\n" + b"s3" * 1000


@pytest.fixture
def s3(settings):
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    bucket = f"stroydesk-{uuid.uuid4().hex[:12]}"  # moto keeps buckets between servers
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    yield client, bucket
    server.stop()


@pytest.mark.django_db
def test_an_attachment_goes_to_the_bucket_and_comes_back(s3, operator):
    client, bucket = s3
    request = register_request(
        intake=Intake(
            channel="phone",
            subject="Скан разрешения",
            text="Прилагаю.",
            files=[IncomingFile(name="разрешение.pdf", size=len(PDF), file=io.BytesIO(PDF))],
        ),
        by=operator,
        contact=Contact(full_name="Сидоров Пётр", phone="+74951112233"),
    )
    attachment = request.attachments.get()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [attachment.file.name]
    with attachment.file.open("rb") as handle:
        assert handle.read() == PDF
    assert stored_files(default_storage) == [attachment.file.name]
    assert readiness()["storage"] == "ok"


@pytest.mark.django_db
def test_readiness_reports_a_missing_bucket(s3):
    client, bucket = s3
    client.delete_bucket(Bucket=bucket)
    assert readiness()["storage"] != "ok"
