"""Benchmarks for searchidx: scripts that print figures measured in one run."""

import sys

#: How the benchmarks start searchidx: the installed package (``-P``: not a source tree in the
#: current directory), so a wheel's compiled entity modules are what is measured; with an
#: editable install the two are the same.
SEARCHIDX = (sys.executable, "-P", "-m", "searchidx")
