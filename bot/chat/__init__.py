"""The conversation layer: one update's turn, access checks, buttons, first contact and the command
menu.
"""
