"""`python -m ccaudit` runs the command line."""

from ccaudit.cli.main import main

main()
