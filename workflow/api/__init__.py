"""The HTTP API: a FastAPI app whose routes call the same services as the CLI."""
