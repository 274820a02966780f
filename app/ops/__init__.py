"""Operations: health and readiness probes, the Prometheus metrics endpoint, the request log,
serving checks, retention and the command line."""
