"""`python -m workshop` runs the command line."""

from workshop.cli import main

main(prog_name="workshop")
