"""The offline demo against the built-in Bot API double; production never imports it."""
