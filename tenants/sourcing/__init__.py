"""The company side of a centre (issue 5): partners and contacts (BD01), job needs and the
company portal, profile sourcing (P22), recruitment days (P19) and offers (P12)."""
