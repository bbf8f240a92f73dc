"""What the officer decided: the store of decisions, live accuracy, and decisions as training records."""
