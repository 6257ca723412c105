"""Participation certificates (T05, P08.10) with public verification."""
