"""Celery workers of relmine: a tiny app module, one config object, thin tasks."""
