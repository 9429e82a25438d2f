"""What the bureaus' console reads: the compliance matrix, the service log with its
evidence, a counsel's page. Every read takes the user's :class:`~storage.services.scope.Scope`."""
