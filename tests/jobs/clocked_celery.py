"""The real Celery app, with a clock the test drives (J3 runs a simulated month in a minute).

`celery -A tests.jobs.clocked_celery worker|beat` with CRM_TEST_CLOCK_FILE naming a file that
holds an ISO UTC time: every crm.clock.utcnow() in this process returns it. Only test processes
import this module; the application has no such switch.
"""

import os
from datetime import datetime
from pathlib import Path

from crm import clock
from worker.celery_app import celery_app  # noqa: F401  (the app Celery finds here)

CLOCK_FILE = Path(os.environ["CRM_TEST_CLOCK_FILE"])


def simulated_now() -> datetime:
    return clock.as_utc(datetime.fromisoformat(CLOCK_FILE.read_text().strip()))


clock.utcnow = simulated_now
