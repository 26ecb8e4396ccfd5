"""Clipped text on any page, measured in the browser (used by test_pages_layout_browser.py).

CLIPPED_TEXT: every element of the main area or the sidebar that cuts its own text: its
content is wider than its box (scrollWidth > clientWidth) while it hides the overflow or
ends it with an ellipsis.

CHART_TEXT: in every Plotly chart, every piece of text a reader needs (the title and its
subtitle, annotations, axis titles, legend entries, the Play/Pause buttons and the
animation slider's labels) that leaves the chart's SVG, overlaps another such piece, or
overlaps the data (a bar, a marker, or the points of a line).
"""

CLIPPED_TEXT = """() => {
  const cut = [];
  const roots = document.querySelectorAll('[data-testid=stMain], [data-testid=stSidebar]');
  for (const root of roots) {
    for (const el of root.querySelectorAll('*')) {
      if (el.closest('svg, .js-plotly-plot, [data-testid=stDataFrame], pre, code, table'))
        continue;
      if (el.clientWidth === 0 || el.scrollWidth <= el.clientWidth + 1) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      const clips = style.textOverflow === 'ellipsis' ||
        (['hidden', 'clip'].includes(style.overflowX) &&
         [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()));
      if (!clips) continue;
      const text = (el.innerText || '').trim();
      if (text) cut.push(`clipped: "${text.slice(0, 60)}" ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  return cut;
}"""

CHART_TEXT = """() => {
  const problems = [];
  const box = (e) => { const b = e.getBoundingClientRect();
                       return {l: b.left, t: b.top, r: b.right, b: b.bottom}; };
  const meets = (a, b, s = 1) => a.l < b.r - s && b.l < a.r - s && a.t < b.b - s && b.t < a.b - s;
  const inside = (p, b) => p.x > b.l + 1 && p.x < b.r - 1 && p.y > b.t + 1 && p.y < b.b - 1;
  const charts = document.querySelectorAll('.js-plotly-plot');
  charts.forEach((chart, index) => {
    const svg = chart.querySelector('svg.main-svg');
    if (!svg || svg.getBoundingClientRect().width === 0) return;
    const frame = box(svg);
    const titleEl = chart.querySelector('.gtitle');
    const name = `chart ${index + 1} "${titleEl ? titleEl.textContent.slice(0, 40) : ''}"`;
    const texts = [];
    const add = (el, kind) => {
      const b = box(el);
      if (b.r - b.l < 1 || !(el.textContent || '').trim() && kind !== 'button') return;
      texts.push({el, kind, b, text: (el.textContent || '').trim().slice(0, 50)});
    };
    chart.querySelectorAll('.gtitle, .gtitle-subtitle').forEach((e) => add(e, 'title'));
    chart.querySelectorAll('.annotation-text-g text').forEach((e) => add(e, 'annotation'));
    chart.querySelectorAll('.g-xtitle text, .g-ytitle text, .g-x2title text, .g-y2title text')
      .forEach((e) => add(e, 'axis title'));
    chart.querySelectorAll('.legend .legendtext').forEach((e) => add(e, 'legend'));
    chart.querySelectorAll('.updatemenu-button').forEach((e) => add(e, 'button'));
    chart.querySelectorAll('.slider-label, .slider-labels text').forEach((e) => add(e, 'slider'));
    for (const t of texts)
      if (t.b.l < frame.l - 1 || t.b.r > frame.r + 1 || t.b.t < frame.t - 1 || t.b.b > frame.b + 1)
        problems.push(`${name}: ${t.kind} "${t.text}" leaves the chart`);
    for (let i = 0; i < texts.length; i++)
      for (let j = i + 1; j < texts.length; j++) {
        const a = texts[i], b = texts[j];
        if (a.kind === b.kind && ['legend', 'button'].includes(a.kind)) continue;  // side by side
        if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
        if (meets(a.b, b.b)) problems.push(`${name}: ${a.kind} "${a.text}" over ${b.kind} "${b.text}"`);
      }
    // the data: bars and markers by their boxes, lines by points every 3 px
    const marks = [...chart.querySelectorAll('.barlayer .point path, .scatterlayer .point')]
      .map(box).filter((b) => b.r - b.l > 0.5 && b.b - b.t > 0.5);
    const points = [];
    for (const line of chart.querySelectorAll('.scatterlayer .js-line')) {
      const m = line.getScreenCTM(); const length = line.getTotalLength();
      if (!m || !length) continue;
      for (let s = 0; s <= length; s += 3) {
        const p = line.getPointAtLength(s);
        points.push({x: m.a * p.x + m.c * p.y + m.e, y: m.b * p.x + m.d * p.y + m.f});
      }
    }
    for (const t of texts) {
      if (t.kind === 'legend') continue;
      if (marks.some((b) => meets(t.b, b)))
        problems.push(`${name}: ${t.kind} "${t.text}" over the bars or markers`);
      else if (points.some((p) => inside(p, t.b)))
        problems.push(`${name}: ${t.kind} "${t.text}" over a line`);
    }
  });
  return problems;
}"""
