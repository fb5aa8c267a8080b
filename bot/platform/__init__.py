"""Infrastructure every feature stands on: settings, clock, database, encryption, languages, events
and jobs.
"""
