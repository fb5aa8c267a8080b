"""Thin Telegram adapters: turn an update into a call on a flow or service, render the answer."""
