"""Placeholder until this module lands."""

__all__: list[str] = []
