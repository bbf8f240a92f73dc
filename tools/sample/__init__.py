"""The seeded generator of data/sample (`make sample` or `python -m tools.sample`); not installed."""
