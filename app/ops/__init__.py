"""Operations: health and readiness probes and Prometheus metrics (see views and metrics)."""
