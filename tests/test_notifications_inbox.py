"""notify, the inbox, reading, the staff outbox and its retry: the rules services/notifications.py keeps."""
import pytest

from services.notifications import notify


def test_notify_refuses_an_event_missing_from_the_configured_vocabulary(make):
    resident = make.resident()
    with pytest.raises(ValueError, match="unknown notification event 'no_such_event'"):
        notify(resident.id, "no_such_event", "标题")
