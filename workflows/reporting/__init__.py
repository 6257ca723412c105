"""Statistics (T03, P24) and the reports the host institution receives (P25, P26: weekly,
monthly M44, semester M45, annual M46)."""
