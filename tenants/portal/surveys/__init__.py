"""Satisfaction questionnaires for students (T04, P08.9)."""
