"""Explorers for ORGaNICs: the 2-D circuit (main and rectified side by side) and the normalization pool."""

__all__: list[str] = []
