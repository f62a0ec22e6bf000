"""gunicorn settings for the CRM (read by `gunicorn -c gunicorn.conf.py wsgi:app`, and by
default from the working directory). Command-line options override these.

The access log goes through RedactingGunicornLogger: calendar feed, signed link, invitation and
reset tokens in URLs are written as [redacted]. CRM_ACCESS_LOG names the access log file ("-" is
standard output; unset: no access log, gunicorn's default, or --access-logfile), CRM_ERROR_LOG
the error log (default: standard error).

Workers: one sync worker (one request at a time) per CPU this process may run on, or
WEB_CONCURRENCY of them. Pages are CPU-bound Python, so more processes than cores only queue,
and threads share one interpreter: measured on the 2-core target with bench/run.py
(bench/README.md, "gunicorn workers"), a gthread worker accepts connections while its threads
are busy, so for seconds at a time one process served every request and the other core idled
(half the throughput in those rounds); 3 sync workers matched 2 in throughput, with a p99 of
0.3-0.5 s on the quick-log POST on SQLite, where writers wait for each other. Override with
WEB_CONCURRENCY, --workers, --threads or --worker-class.
"""

import os


def cpus() -> int:
    """The CPUs this process may run on (a container's share; all of them where the system
    cannot say, as on macOS)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


workers = int(os.environ.get("WEB_CONCURRENCY") or cpus())
worker_class = "sync"
logger_class = "crm.redaction.RedactingGunicornLogger"
accesslog = os.environ.get("CRM_ACCESS_LOG") or None
errorlog = os.environ.get("CRM_ERROR_LOG") or "-"
