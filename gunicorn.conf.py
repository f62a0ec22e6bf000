"""gunicorn settings for the CRM (read by `gunicorn -c gunicorn.conf.py wsgi:app`, and by
default from the working directory). Command-line options override these.

The access log goes through RedactingGunicornLogger: calendar feed, signed link, invitation and
reset tokens in URLs are written as [redacted]. CRM_ACCESS_LOG / CRM_ERROR_LOG name the files
("-" is standard output / standard error).
"""

import os

logger_class = "crm.redaction.RedactingGunicornLogger"
accesslog = os.environ.get("CRM_ACCESS_LOG", "-")
errorlog = os.environ.get("CRM_ERROR_LOG", "-")
