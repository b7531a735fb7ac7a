"""Plots for mean-field theory and frequency responses: Nyquist diagrams, closed-loop spectra, transients."""

__all__: list[str] = []
