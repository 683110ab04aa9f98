"""gunicorn settings for Plenary: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`."""

import multiprocessing
import os

bind = os.environ.get("PLENARY_BIND", "127.0.0.1:8000")
# Two workers per core is plenty for server-rendered pages; every worker is stateless (sessions in
# signed cookies, rate limits and jobs in Redis), so more machines need no change.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("PLENARY_THREADS", 2))
worker_class = "gthread"
timeout = 60  # PDF reports take a few seconds; badge runs never run in a request
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then, against slow leaks
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
