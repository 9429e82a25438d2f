"""Bureau web pages and the browser chat simulator: thin views over the services."""
