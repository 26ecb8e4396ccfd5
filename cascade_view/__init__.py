"""Cascade Lab's pure view: numbers formatted and parsed, the sentences (headline, verdict,
story), the figures (Plotly: data in, Figure out), the HTML report and the command line.
It imports the model (cascade/) and never Streamlit; cascade_ui/ draws it on the page."""
