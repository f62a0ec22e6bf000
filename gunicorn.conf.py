"""gunicorn settings for the CRM (read by `gunicorn -c gunicorn.conf.py wsgi:app`, and by
default from the working directory). Command-line options override these.

The access log goes through RedactingGunicornLogger: calendar feed, signed link, invitation and
reset tokens in URLs are written as [redacted]. CRM_ACCESS_LOG names the access log file ("-" is
standard output; unset: no access log, gunicorn's default, or --access-logfile), CRM_ERROR_LOG
the error log (default: standard error).
"""

import os

logger_class = "crm.redaction.RedactingGunicornLogger"
accesslog = os.environ.get("CRM_ACCESS_LOG") or None
errorlog = os.environ.get("CRM_ERROR_LOG") or "-"
