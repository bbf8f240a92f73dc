"""Scoring and the report's counting on Apache Spark, for national volumes (``--engine spark``).

Optional: only this package imports PySpark (``pip install ".[spark]"``); the pandas engine never does.
Executors run the same batch scorer as the pandas engine, so a row scores the same on either.
"""
