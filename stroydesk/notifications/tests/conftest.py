"""Fixtures of notifications' tests: the loopback SMTP server of the channels' tests."""

from stroydesk.channels.tests.conftest import smtp

__all__ = ["smtp"]
