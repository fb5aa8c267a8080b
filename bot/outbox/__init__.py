"""Messages the bot sends on its own: the queue, the dispatcher that sends them, and when they may
go.
"""
