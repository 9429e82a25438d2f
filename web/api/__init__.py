"""The JSON API (``/api/v1``): bearer tokens or a console login, the same scopes, JSON errors,
and an OpenAPI description generated from the handlers' signatures (aiohttp-pydantic)."""
