"""gunicorn's configuration for the portal: ``gunicorn -c config/gunicorn.conf.py config.wsgi:application``.

Logs: the access log prints the path without its query string (a query may name an IIN), and every line of the
access and error logs goes through the same mask as Django's (``config.logmask``: no 12-digit number survives).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
errorlog = "-"
# Client, time, method, path (no query string), protocol, status, bytes, milliseconds. No referer or user agent:
# a referer is another URL of the portal, with its own query.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
logger_class = "config.logmask.MaskingGunicornLogger"
