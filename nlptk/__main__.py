"""``python -m nlptk``."""

from nlptk.cli import main

main()
