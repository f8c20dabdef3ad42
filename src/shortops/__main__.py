"""`python -m shortops` runs the command line."""

from shortops.cli.main import main

main()
