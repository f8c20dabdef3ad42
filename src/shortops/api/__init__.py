"""The REST API under /api/v1 (OpenAPI at /docs)."""
