"""All models, importable from one place (Alembic and the services import from here)."""

from crm.models.directory import (
    CHAMBERS,
    LEVELS,
    ORG_KINDS,
    PERSON_KINDS,
    TIERS,
    Committee,
    CommitteeMembership,
    Office,
    Organization,
    Person,
    StaffRole,
    fold,
)
from crm.models.interaction import (
    INTERACTION_KINDS,
    Interaction,
    interaction_bills,
    interaction_issues,
    interaction_members,
    interaction_people,
)
from crm.models.outreach import (
    ASSIGNMENT_STATUSES,
    PRIORITIES,
    Assignment,
    Campaign,
    FollowUpTemplate,
)
from crm.models.policy import STANCES, Bill, Issue, Position, bill_issues
from crm.models.system import (
    NOTIFICATION_STATUSES,
    AuditEntry,
    DevMail,
    ImportFile,
    ImportRun,
    JobRun,
    Notification,
    ReminderLog,
)
from crm.models.user import ROLE_RANK, ROLES, LoginFailure, User, UserSession

__all__ = [
    "ASSIGNMENT_STATUSES", "CHAMBERS", "INTERACTION_KINDS", "LEVELS", "NOTIFICATION_STATUSES",
    "ORG_KINDS", "PERSON_KINDS",
    "PRIORITIES", "ROLES", "ROLE_RANK", "STANCES", "TIERS",
    "Assignment", "AuditEntry", "Bill", "Campaign", "Committee", "CommitteeMembership", "DevMail",
    "FollowUpTemplate", "ImportFile", "ImportRun", "Interaction", "Issue", "JobRun", "LoginFailure",
    "Notification", "Office", "Organization", "Person", "Position", "ReminderLog", "StaffRole",
    "User",
    "UserSession", "bill_issues", "fold", "interaction_bills", "interaction_issues",
    "interaction_members", "interaction_people",
]
