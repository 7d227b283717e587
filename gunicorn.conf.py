"""gunicorn settings for production: `gunicorn clinic.wsgi` picks this file up.

Each value can be changed from the environment; see README.md, "Deploying".
https://docs.gunicorn.org/en/stable/settings.html
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Workers are processes: nothing in the app keeps state in them that matters for
# correctness (sessions in the database, rate limits and cached fragments in Redis).
# Sync workers, one request at a time each: nginx (deploy/nginx.conf) reads every
# request whole before passing it on and takes the reply just as fast, so a worker
# never waits on a slow client, only on PostgreSQL or Redis (a millisecond or so).
# Measured with `make bench` on 2 cores (README, "Speed"): sync workers used less CPU
# per request than gthread (4 threads) on every line and served more requests per
# second; gthread's threads only contend for the one interpreter lock per process.
# 2 x cores + 1 workers keep every core busy while some wait on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Restart each worker after this many requests, so a slow leak can never take the
# site down; the jitter keeps the workers from restarting together. 2000 restarted
# every worker every few seconds under load (a restart costs its start-up and cold
# caches, and a restarted gthread worker got no connections for the rest of a run);
# 50000 is still a restart every day or so for a busy clinic, and every minute or two
# per worker under a flood.
max_requests = 50000
max_requests_jitter = 5000
# The TLS proxy in front sets X-Forwarded-Proto; only trust it from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Access log lines hold address, method, path (without the query string: a staff
# search in the admin could put a patient's name there), status, size and duration.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
preload_app = True
