"""factory_boy factories for the main records (committed, like a real request would)."""

from datetime import UTC, datetime

import factory
from factory.alchemy import SQLAlchemyModelFactory

from crm import models
from crm.extensions import db

PASSWORD = "correct horse battery"


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(Base):
    class Meta:
        model = models.User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"Member {n}")
    role = "member"
    timezone = "America/New_York"
    home_state = "TX"

    @factory.post_generation
    def calendar_token(obj, create, extracted, **kwargs):
        # Only the digest is stored; the plain secret stays on the object for the test to use.
        obj.calendar_token = obj.new_calendar_token()

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        from crm.auth.services import hasher

        obj.password_hash = hasher().hash(extracted or PASSWORD)
        if create:
            db.session.commit()


class OrganizationFactory(Base):
    class Meta:
        model = models.Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = "federal_agency"
    jurisdiction = "US"


class PersonFactory(Base):
    class Meta:
        model = models.Person

    kind = "legislator"
    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = factory.Sequence(lambda n: f"Legislator{n}")
    full_name = ""
    sort_name = ""
    search_name = ""
    level = "federal"
    chamber = "upper"
    state = "TX"
    party = "Republican"
    tier = "unknown"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        person = model_class(*args, **kwargs)
        person.set_names()
        db.session.add(person)
        db.session.commit()
        return person


class CommitteeFactory(Base):
    class Meta:
        model = models.Committee

    name = factory.Sequence(lambda n: f"Committee {n}")
    level = "federal"
    jurisdiction = "US"
    chamber = "upper"
    code = factory.Sequence(lambda n: f"SC{n:04d}")


class InteractionFactory(Base):
    class Meta:
        model = models.Interaction

    kind = "meeting"
    occurred_at = factory.LazyFunction(lambda: datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    subject = factory.Sequence(lambda n: f"Meeting {n}")
    logged_by = factory.SubFactory(UserFactory)


class AssignmentFactory(Base):
    class Meta:
        model = models.Assignment

    title = factory.Sequence(lambda n: f"Outreach {n}")
    person = factory.SubFactory(PersonFactory)
    assignee = factory.SubFactory(UserFactory)
    status = "open"
    priority = "normal"


class IssueFactory(Base):
    class Meta:
        model = models.Issue

    name = factory.Sequence(lambda n: f"Issue {n}")
    slug = factory.Sequence(lambda n: f"issue-{n}")


class BillFactory(Base):
    class Meta:
        model = models.Bill

    jurisdiction = "US"
    session = "119"
    number = factory.Sequence(lambda n: f"H.R. {1000 + n}")
    title = factory.Sequence(lambda n: f"Test Act {n}")
    chamber = "lower"
