"""Explorers for the mean-field theory of trained reservoirs: Nyquist plot, spectrum and predicted stability."""

__all__: list[str] = []
