"""The annual action plan (M30, P01) and its mid-year review (P02)."""
