"""Follow-up nudges: meeting reminders, unrecorded outcomes, due follow-ups, transitions."""
