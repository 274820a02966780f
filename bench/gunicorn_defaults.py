"""gunicorn's own defaults for `make bench` (`-c python:bench.gunicorn_defaults`), so it does
not pick up the repository's gunicorn.conf.py: the benchmark sets its sizes on the command
line and measures with the in-memory rate-limit store, which that file refuses for two
workers."""
