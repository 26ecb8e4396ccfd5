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

// Full screen, for a projector: the chart fills the screen and is redrawn at its size;
// leaving full screen (Esc or the button again) gives it back its height on the page.
const FULL_SCREEN_ICON = {width: 24, height: 24,
  path: "M3 3h7v2H5v5H3zm11 0h7v7h-2V5h-5zM3 14h2v5h5v2H3zm16 0h2v7h-7v-2h5z"};

function isFullScreen(div) { return document.fullscreenElement === div; }

function heightOf(div) { return isFullScreen(div) ? div.clientHeight : div.cascadeHeight; }

function fullScreenButton(div) {
  return {name: "fullscreen", title: "Full screen", icon: FULL_SCREEN_ICON,
          click: () => (isFullScreen(div) ? document.exitFullscreen()
                                          : div.requestFullscreen())};
}

// Plotly's `responsive` follows only the window's size. A chart drawn while its column was
// still narrow (Streamlit lays columns out after the first paint) kept that width in a
// wider column (a 250 px leverage chart in a 660 px column at 1024 px, now and then), so
// a chart is fitted to its own div's width after each draw and whenever the div resizes.
// Not while printing: the print stylesheet hides the sidebar, the column widens to the
// viewport (1280 px), and a chart that followed it would be wider than an A4 page (718 px);
// it keeps the width it had on screen.
function fitWidth(div) {
  if (!window.Plotly || !div._fullLayout || div.clientWidth === 0) return null;
  if (window.matchMedia("print").matches) return null;
  if (Math.abs(div._fullLayout.width - div.clientWidth) < 1) return null;
  return window.Plotly.Plots.resize(div);
}

function followWidth(div) {
  new ResizeObserver(() => fitWidth(div)).observe(div);
}

function followFullScreen(div) {
  div.addEventListener("fullscreenchange", () => {
    if (!window.Plotly) return;
    div.style.background = isFullScreen(div) ? "white" : "";
    // width null: the page's width again (autosize) when leaving full screen
    window.Plotly.relayout(div, {height: heightOf(div),
                                 width: isFullScreen(div) ? div.clientWidth : null});
  });
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
    followFullScreen(div);
    followWidth(div);
    // one button object for the div's life: Plotly.react compares the config it is given
    // with the last one, and a new click function would make it rebuild the whole chart
    div.cascadeButtons = [fullScreenButton(div)];
    parentElement.appendChild(div);
  }
  const figure = JSON.parse(data.figure);
  div.cascadeHeight = data.height;
  div.style.height = `${data.height}px`;
  div.setAttribute("aria-label", data.title);
  const config = {responsive: true, ...data.config, modeBarButtonsToAdd: div.cascadeButtons};
  track(+1);
  loadPlotly()
    .then((Plotly) => Plotly.react(div, {
      data: figure.data, layout: {...figure.layout, height: heightOf(div)},
      frames: figure.frames || [], config}))
    .then(() => fitWidth(div))
    .then(() => { div.dataset.drawn = data.revision; delete div.dataset.error; })
    .catch((error) => {
      if (window.Plotly) window.Plotly.purge(div);  // the next figure starts afresh
      div.textContent = `This chart could not be drawn: ${error.message}`;
      div.dataset.error = "true";
    })
    .finally(() => track(-1));
  return () => { if (window.Plotly) window.Plotly.purge(div); };
}
