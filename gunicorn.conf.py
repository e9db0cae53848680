"""gunicorn settings for production (`gunicorn -b HOST:PORT wsgi:app` reads this file from the repository root)."""

workers = 2
worker_class = "sync"
