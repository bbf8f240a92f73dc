"""``python -m pipeline`` runs the ``complaints`` command."""

from pipeline.cli import app

if __name__ == "__main__":
    app(prog_name="complaints")
