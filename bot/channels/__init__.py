"""Channels: the transports that turn outside events into IncomingMessage."""
