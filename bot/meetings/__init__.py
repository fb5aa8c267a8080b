"""Booking meetings: the GFI request, distribution to units, time proposals, outcomes and calendar
files.
"""
