"""Samordna: a Telegram meeting assistant for joint care between social services and health care."""

__version__ = "0.1.0"
