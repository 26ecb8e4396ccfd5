// Cascade Lab's chart: one plotly.js div per chart, kept across reruns and updated with
// Plotly.react, so a slider move redraws what changed instead of building the chart anew
// (st.plotly_chart gives each new figure a new element, and Plotly.newPlot draws it from
// nothing). plotly.js is the copy the server publishes under /app/static (cascade_ui/plot.py),
// loaded once per page.
const PLOTLY = "app/static/plotly.min.js";

function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.cascadePlotlyLoading) {
    window.cascadePlotlyLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(PLOTLY, document.baseURI).href;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => reject(new Error(`could not load ${script.src}`));
      document.head.appendChild(script);
    });
  }
  return window.cascadePlotlyLoading;
}

// Draws in flight on this page; 0 means every chart shows its latest figure (the browser
// tests wait for it, and for the "cascade-charts-drawn" event, before they call a page drawn).
function track(delta) {
  window.cascadeChartsPending = (window.cascadeChartsPending || 0) + delta;
  if (window.cascadeChartsPending === 0) window.dispatchEvent(new Event("cascade-charts-drawn"));
}

export default function ({ data, parentElement }) {
  let div = parentElement.querySelector(".cascade-chart");
  if (!div) {
    div = document.createElement("div");
    div.className = "cascade-chart";
    div.setAttribute("role", "figure");
    // Plotly measures text as it draws, and each measurement lays out what changed; with
    // the chart contained that is the chart, not the whole page (about half a draw's time)
    div.style.contain = "strict";
    parentElement.appendChild(div);
  }
  const figure = JSON.parse(data.figure);
  div.style.height = `${data.height}px`;
  div.setAttribute("aria-label", data.title);
  track(+1);
  loadPlotly()
    .then((Plotly) => Plotly.react(div, {
      data: figure.data, layout: {...figure.layout, height: data.height},
      frames: figure.frames || [], config: {responsive: true, ...data.config}}))
    .then(() => { div.dataset.drawn = data.revision; delete div.dataset.error; })
    .catch((error) => {
      if (window.Plotly) window.Plotly.purge(div);  // the next figure starts afresh
      div.textContent = `This chart could not be drawn: ${error.message}`;
      div.dataset.error = "true";
    })
    .finally(() => track(-1));
  return () => { if (window.Plotly) window.Plotly.purge(div); };
}
