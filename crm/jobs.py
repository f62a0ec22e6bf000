"""Hand work to the worker by task name. Web code never imports worker/.

Work is stored in the database first (an outbox); enqueueing is only a nudge. If the broker is
down the request still succeeds, and the periodic sweep picks the rows up later.
"""

from __future__ import annotations

import logging

from flask import current_app

log = logging.getLogger(__name__)

# Tasks that "inline" mode runs in-process: name -> import path of the function.
INLINE = {
    "crm.email.send": "crm.email.delivery:deliver_notification",
    "crm.imports.run": "crm.imports.services:execute_run",
}


def enqueue(task_name: str, *args) -> bool:
    """Ask the worker to run a task; returns False (and logs) when the broker is unreachable."""
    if current_app.config["JOBS_MODE"] == "inline":
        module, _, func = INLINE[task_name].partition(":")
        try:
            getattr(__import__(module, fromlist=[func]), func)(*args)
        except Exception as exc:  # the row stays in the ledger for the next sweep
            log.warning("inline %s%r failed: %s", task_name, args, exc)
            return False
        return True
    celery = current_app.extensions["celery"]
    try:
        celery.send_task(task_name, args=list(args), retry=False)
        return True
    except Exception as exc:  # broker down: the row waits for the sweep
        log.warning("could not enqueue %s%r: %s", task_name, args, exc)
        return False


def worker_status(timeout: float = 1.0) -> str:
    """Is a worker consuming the task queue? 'inline' (tests), 'running', 'none', 'unreachable'
    (broker down) or 'unknown' (a broker that cannot broadcast). Takes `timeout` seconds (it
    waits for every worker's answer): a page can afford to ask, not a hot path."""
    if current_app.config["JOBS_MODE"] == "inline":
        return "inline"
    celery = current_app.extensions["celery"]
    if not celery.conf.broker_url.startswith(("redis", "rediss", "amqp", "pyamqp")):
        return "unknown"
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                   timeout=timeout)
            replies = celery.control.inspect(timeout=timeout, connection=conn).active_queues()
    except Exception as exc:  # broker down or refusing us
        log.warning("worker check failed: %s", exc)
        return "unreachable"
    queue = celery.conf.task_default_queue
    consuming = any(q.get("name") == queue for queues in (replies or {}).values()
                    for q in queues or [])
    return "running" if consuming else "none"
