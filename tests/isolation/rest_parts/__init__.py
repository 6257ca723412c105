"""Cases of the REST isolation matrix, one module per area (`CASES: dict`), merged into
tests/isolation/test_rest_matrix.CASES. A module imports Case, Ctx and PREFIX from there."""
