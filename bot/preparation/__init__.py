"""The förmöte: preparing the individual before a meeting, and what reaches the coordinator."""
