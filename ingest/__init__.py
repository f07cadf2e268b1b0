"""Ingestion: keep a folder of PDF and Word files in sync with the store (`python -m ingest DIR`)."""
