"""The browser chat simulator (demo and development only): its transport, personas and views."""
