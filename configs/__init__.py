"""ml_collections configs: default.py declares every key; <method>.py
overrides.
"""
