"""Scripted conversations as data, run by one engine whose state lives in the database."""
