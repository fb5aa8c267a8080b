"""Units, staff, individuals and their consent, what a person may see or delete, retention."""
