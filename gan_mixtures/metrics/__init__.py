"""Evaluation metrics (host-side numpy or chunked jitted jax)."""
