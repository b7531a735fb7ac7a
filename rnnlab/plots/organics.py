"""Plots for ORGaNICs: phase portraits of the 2-D circuit with energy contours, normalization curves."""

__all__: list[str] = []
