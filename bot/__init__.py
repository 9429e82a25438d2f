"""Runtime and composition root: CLI, channels, web server, scheduler."""
