"""``python -m slc_research.cli``: the command line, as ``slc-research`` runs it."""

from slc_research.cli.entry import run

__all__: list[str] = []

if __name__ == "__main__":  # pragma: no cover
    run()
