"""Cascade Lab's UI layer: sidebar widgets, cached model calls, headline text and Plotly
figures. Figure builders are pure (data in, Figure out); only compute.py calls the model."""
