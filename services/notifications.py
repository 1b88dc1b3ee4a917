"""The outbox: `notify` adds a message row to the caller's transaction, so it exists iff the change does."""
from extensions import db
from models.notifications import Notification


def notify(user_id: int, event: str, title: str, body: str = "", data: dict | None = None, page: str | None = None) -> Notification:
    """Queue a message to a person; it is delivered only after the surrounding commit."""
    notification = Notification(
        user_id=user_id, event=event, title=title, body=body, data=data or {}, page=page
    )
    db.session.add(notification)
    return notification
