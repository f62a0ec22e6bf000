"""gunicorn settings for the CRM (read by `gunicorn -c gunicorn.conf.py wsgi:app`, and by
default from the working directory). Command-line options override these.

The access log goes through RedactingGunicornLogger: calendar feed, signed link, invitation and
reset tokens in URLs are written as [redacted]. CRM_ACCESS_LOG names the access log file ("-" is
standard output; unset: no access log, gunicorn's default, or --access-logfile), CRM_ERROR_LOG
the error log (default: standard error).

Workers: 3 processes of 2 threads each (gthread), measured on the 2-core target with
bench/run.py against 2, 3 and 5 sync workers and 2 x 4 threads (bench/README.md, "gunicorn
workers"): the highest throughput relative to the harness on the list, the person page and the
quick-log POST, at the same CPU per request; 2 sync workers had the lower p99 when saturated.
Override with --workers / --threads / --worker-class.
"""

import os

workers = 3
worker_class = "gthread"
threads = 2
logger_class = "crm.redaction.RedactingGunicornLogger"
accesslog = os.environ.get("CRM_ACCESS_LOG") or None
errorlog = os.environ.get("CRM_ERROR_LOG") or "-"
