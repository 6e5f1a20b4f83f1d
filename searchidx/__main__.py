"""``python -m searchidx`` runs the ``searchidx`` command."""

from searchidx.cli import main

if __name__ == "__main__":
    main(prog_name="searchidx")
