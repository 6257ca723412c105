"""Individual sessions (P07): a student books a counselor's free slot."""
