"""`make bench`: throughput and latency of key authentication under gunicorn."""
