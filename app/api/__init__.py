"""The REST API under /api/v1, authenticated by HTTP Basic email:key only."""
