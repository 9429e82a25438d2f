"""The ``vcbot`` command groups, one module each; bot/cli.py puts them under one group."""
