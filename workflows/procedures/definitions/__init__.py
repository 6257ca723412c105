"""Version 1 of every procedure (P01.yaml … P31.yaml), converted from the book."""
