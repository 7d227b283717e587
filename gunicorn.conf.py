"""gunicorn settings for production: `gunicorn clinic.wsgi` picks this file up.

Each value can be changed from the environment; see README.md, "Deploying".
https://docs.gunicorn.org/en/stable/settings.html
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Workers are processes: nothing in the app keeps state in them that matters for
# correctness (sessions in the database, rate limits and page cache in Redis).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then, so a slow leak can never take the site down.
max_requests = 2000
max_requests_jitter = 200
# The TLS proxy in front sets X-Forwarded-Proto; only trust it from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Access log lines hold address, method, path (without the query string: a staff
# search in the admin could put a patient's name there), status, size and duration.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
preload_app = True
