"""The samordna command line: running the bot, admin tasks, the outbox and reports."""
