"""Cascade Lab's pure view: every number formatted and parsed (formats), the knob table
(knobs: each knob's label, unit, range, steps, section and URL form, declared once), the
rules for reading a link (links), the phase axes (axes), the sentences (headline, story,
risk), the figures (Plotly: data in, Figure out), the HTML report and the command line.
It imports the model (cascade/) and never Streamlit; cascade_ui/ draws it on the page."""
