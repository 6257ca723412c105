"""Assessment against the network's reference model (P28), the cross-centre benchmark and the
team's annual evaluation (P27)."""
