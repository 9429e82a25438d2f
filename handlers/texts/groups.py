"""Binding a group to its village from inside the group."""

from __future__ import annotations


def bound(village: str) -> str:
    """The group is now the village's group."""
    return f"本群已绑定到{village}。村民在群里提问，我会登记并请本村法律顾问答复。"


def unbound(village: str) -> str:
    """The group is no longer the village's group."""
    return f"本群已与{village}解除绑定，不再登记群里的问题。"
