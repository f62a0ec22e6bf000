"""Admin views' queries: users and the dev mailbox."""

from __future__ import annotations

import sqlalchemy as sa

from crm.extensions import db
from crm.models import DevMail, User


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.is_active.desc(), User.name)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    return user


def mailbox(limit: int = 100) -> list[DevMail]:
    return list(db.session.scalars(sa.select(DevMail).order_by(DevMail.id.desc()).limit(limit)))


def get_mail(mail_id: int) -> DevMail:
    mail = db.session.get(DevMail, mail_id)
    if mail is None:
        raise LookupError(mail_id)
    return mail
