"""Command line: thin Typer commands that parse input, call a service and render the result."""
