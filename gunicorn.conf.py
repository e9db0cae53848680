"""gunicorn settings for production; gunicorn reads this file when started from the repository root.

    .venv/bin/gunicorn -b 0.0.0.0:8000 wsgi:app       (what the README's production step and ./dev serve run)

Worker type, chosen by measurement (issue 10, point 7; README "Performance" has the figures): gthread, 2
processes of 4 threads. The workload mixes short requests (saves, reads, lists: milliseconds) with PDF requests
that wait hundreds of milliseconds for a render made elsewhere (the worker's render pool, or the render queue's
hosts). A sync worker waits through the render and serves nothing else, so 2 PDFs in flight stop every save;
a gthread worker's other threads go on saving while one thread waits. Threads rather than gevent: the app and
its libraries (psycopg, SQLite, pebble's process pool) are plain blocking code, and a thread needs no monkey
patching.
"""

workers = 2
worker_class = "gthread"
# Threads per worker: enough that PDF requests waiting on renders leave threads for saves; each thread may hold
# one database connection (SQLAlchemy's pool keeps up to 5 per process, 15 with overflow).
threads = 4
