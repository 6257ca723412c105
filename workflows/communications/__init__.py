"""Communication: plans, items, channels and publications (issue 7)."""
