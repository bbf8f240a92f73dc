"""Children's social care complaints: categorise, find root-cause themes, score and report."""

__version__ = "0.1.0"
