"""Staff admin for enforcement: one module per area."""
