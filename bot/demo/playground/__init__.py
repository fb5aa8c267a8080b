"""The browser playground: four phones side by side, a guided path and a clock you can move.

A leaf like the Bot API double: only the command line's ``playground`` (and ``run`` without a
token) starts it, and production never imports it.
"""
