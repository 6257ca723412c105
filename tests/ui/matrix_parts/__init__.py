"""Per-area declarations of the handler isolation matrix (see tests/ui/test_handler_isolation.py)."""
