"""Hand work to the worker by task name. Web code never imports worker/.

Work is stored in the database first (an outbox); enqueueing is only a nudge. If the broker is
down the request still succeeds, and the periodic sweep picks the rows up later.
"""

from __future__ import annotations

import logging
import time

from flask import current_app

log = logging.getLogger(__name__)

# Tasks that "inline" mode runs in-process: name -> import path of the function.
INLINE = {
    "crm.email.send": "crm.email.delivery:deliver_notification",
    "crm.imports.run": "crm.imports.services:execute_run",
}

# After the broker refused a message, stop trying for this long: the requests in between do not
# each pay for a connection attempt, and the outbox sweep delivers their rows later.
BREAKER_SECONDS = 30.0


def enqueue(task_name: str, *args) -> bool:
    """Ask the worker to run a task; returns False (and logs) when the broker is unreachable."""
    return enqueue_many(task_name, [args]) == 1


def enqueue_many(task_name: str, arglist: list[tuple]) -> int:
    """Ask the worker to run a task once per argument tuple, over one connection. Returns how
    many were handed over; never blocks for long (one connection attempt with a short timeout,
    no publish retries), because the outbox sweep catches up with whatever was not."""
    if not arglist:
        return 0
    if current_app.config["JOBS_MODE"] == "inline":
        module, _, func = INLINE[task_name].partition(":")
        done = 0
        for args in arglist:
            try:
                getattr(__import__(module, fromlist=[func]), func)(*args)
                done += 1
            except Exception as exc:  # the row stays in the ledger for the next sweep
                log.warning("inline %s%r failed: %s", task_name, args, exc)
        return done
    state = current_app.extensions.setdefault("crm_jobs", {"down_until": 0.0})
    if time.monotonic() < state["down_until"]:
        return 0
    celery = current_app.extensions["celery"]
    timeout = current_app.config["BROKER_CONNECT_TIMEOUT"]
    done = 0
    options = {}
    if str(celery.conf.broker_url).startswith(("redis://", "rediss://")):
        # Also bound each read: a broker that accepts connections but never answers (hung,
        # or behind a dead proxy) must not hold the request.
        options["transport_options"] = {
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
        }
    try:
        with celery.connection_for_write(connect_timeout=timeout, **options) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
            producer = conn.Producer(auto_declare=False)
            for args in arglist:
                celery.send_task(task_name, args=list(args), producer=producer, retry=False)
                done += 1
    except Exception as exc:  # broker down: the rows wait for the sweep
        state["down_until"] = time.monotonic() + BREAKER_SECONDS
        log.warning(
            "could not enqueue %s (%d of %d handed over; the outbox sweep will send the rest): %s",
            task_name,
            done,
            len(arglist),
            exc,
        )
    return done


def worker_status(timeout: float = 1.0) -> str:
    """Is a worker consuming the task queue? 'inline' (tests), 'running', 'none' or
    'unreachable' (broker down). Takes `timeout` seconds (it waits for every worker's answer): a
    page can afford to ask, not a hot path. A broker that cannot broadcast (the embedded one) is
    answered from the workers' heartbeat in the database instead."""
    if current_app.config["JOBS_MODE"] == "inline":
        return "inline"
    from crm.clock import utcnow
    from crm.heartbeat import worker_seen

    celery = current_app.extensions["celery"]
    if not celery.conf.broker_url.startswith(("redis", "rediss", "amqp", "pyamqp")):
        return "running" if worker_seen(utcnow()) else "none"
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=timeout
            )
            replies = celery.control.inspect(timeout=timeout, connection=conn).active_queues()
    except Exception as exc:  # broker down or refusing us
        log.warning("worker check failed: %s", exc)
        return "unreachable"
    queue = celery.conf.task_default_queue
    consuming = any(
        q.get("name") == queue for queues in (replies or {}).values() for q in queues or []
    )
    return "running" if consuming else "none"
