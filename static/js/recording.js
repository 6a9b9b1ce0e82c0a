// Result page: polls the prediction until it finishes; draws the overview of the whole signal
// (uPlot, min/max envelopes, drag to zoom), the ECG paper below it (ecg-paper.js), the
// heart-rate trend and R-R tachogram, and keeps the scalogram in step with the paper.
// Clicking a stretch of the per-window timeline shows it. No inline script (CSP).
(function () {
  "use strict";
  const root = document.getElementById("recording");
  if (!root) return;
  const hms = window.EcgPaper.hms;
  const signalUrl = root.dataset.signalUrl;
  const scalogramUrl = root.dataset.scalogramUrl;
  const statusUrl = root.dataset.statusUrl;
  const duration = parseFloat(root.dataset.durationS);
  const plotEl = document.getElementById("signal-plot");
  const leadSelect = document.getElementById("lead-select");
  const scalogram = document.getElementById("scalogram");
  const scalogramRange = document.getElementById("scalogram-range");
  const layout = JSON.parse(document.getElementById("paper-layout").textContent);
  let plot = null;
  let range = [0, null];
  let paperSpan = null; // [start, end] shown on the paper: shaded on the overview

  function lead() { return leadSelect ? parseInt(leadSelect.value, 10) : 0; }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    return response.ok ? response.json() : null;
  }

  function query(start, end, extra) {
    const params = new URLSearchParams({ start_s: start.toFixed(3) });
    if (end !== null) params.set("end_s", end.toFixed(3));
    Object.entries(extra || {}).forEach(function (entry) { params.set(entry[0], String(entry[1])); });
    return params.toString();
  }

  // The scalogram of the paper's stretch: at least one 8-s analysis window, at most 600 s.
  function updateScalogram(start, end) {
    const from = Math.max(0, Math.min(start, duration - 8));
    const stop = Math.min(Math.max(end, from + 8), from + 600, duration);
    scalogram.src = scalogramUrl + "?" + query(from, stop, { lead: lead() });
    scalogramRange.textContent = "Scalogram of " + hms(from) + "–" + hms(stop) + " (" + from.toFixed(1) + "–" + stop.toFixed(1) + " s).";
  }

  const timeAxis = { label: "time (hh:mm:ss)", space: 80, values: function (u, ticks) { return ticks.map(function (t) { return hms(t); }); } };

  function plotWidth(el) { return Math.max(el.clientWidth, 200); }

  async function load(start, end) {
    range = [start, end];
    plotEl.dataset.viewStartS = start.toFixed(3);
    plotEl.dataset.viewEndS = (end === null ? duration : end).toFixed(3);
    const width = plotWidth(plotEl);
    const data = await getJson(signalUrl + "?" + query(start, end, { lead: lead(), max_points: Math.min(20000, width * 4) }));
    if (!data) { plotEl.textContent = "Could not load the signal."; return; }
    const series = [data.t, data.leads[0]]; // the one lead asked for
    if (plot) { plot.setData(series); return; }
    plot = new uPlot({
      width: width, height: 240,
      scales: { x: { time: false } },
      axes: [timeAxis, { label: "mV" }],
      series: [{ label: "time", value: function (u, t) { return t == null ? "–" : hms(t, true); } },
        { label: data.lead_names[0] || "ECG", stroke: "#c0392b", width: 1 }],
      cursor: { drag: { x: true, y: false } },
      hooks: {
        setSelect: [function (u) {
          if (u.select.width < 5) return;
          const a = u.posToVal(u.select.left, "x");
          const b = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ width: 0, height: 0 }, false);
          showStretch(Math.max(0, a), Math.min(duration, b));
        }],
        draw: [function (u) { // the stretch on the paper, shaded
          if (!paperSpan) return;
          const left = u.valToPos(paperSpan[0], "x", true), right = u.valToPos(paperSpan[1], "x", true);
          u.ctx.save();
          u.ctx.fillStyle = "rgba(31, 79, 191, 0.12)";
          u.ctx.fillRect(left, u.bbox.top, Math.max(right - left, 2), u.bbox.height);
          u.ctx.restore();
        }],
      },
    }, series, plotEl);
  }

  // The paper, fed by the signal endpoint at full resolution (every lead).
  const paperCanvas = document.getElementById("ecg-paper");
  const status = document.getElementById("paper-status");
  const readout = document.getElementById("caliper-readout");
  const paper = new window.EcgPaper(paperCanvas, {
    leads: layout.leads, durationS: duration, rhythmLead: layout.rhythm_lead,
    fetchSpan: function (start, end) { return getJson(signalUrl + "?" + query(start, end, { max_points: 20000 })); },
    onChange: function (view) {
      status.textContent = view.text;
      paperCanvas.dataset.viewText = view.text;
      paperSpan = [view.start, view.end];
      if (plot) plot.redraw(false, false);
      updateScalogram(view.start, view.end);
    },
    onCaliper: function (m) {
      if (!m) { readout.textContent = "Calipers: click two points on the paper to measure."; return; }
      if (!m.second) { readout.textContent = "Calipers: first point at " + hms(m.first.t, true) + "; click the second."; return; }
      readout.textContent = "Calipers: Δt " + Math.round(m.dtMs) + " ms · " + (m.bpm ? m.bpm.toFixed(0) : "–") +
        " bpm · Δ " + m.dMv.toFixed(2) + " mV";
      readout.dataset.dtMs = m.dtMs.toFixed(3);
      readout.dataset.dMv = m.dMv.toFixed(4);
    },
  });

  // Show a stretch: the overview zooms to it (with a little context), the paper starts there.
  function showStretch(start, end) {
    const context = Math.max((end - start) * 0.1, 2);
    load(Math.max(0, start - context), Math.min(duration, end + context));
    paper.goTo(start);
  }

  document.getElementById("paper-speed").addEventListener("change", function (e) { paper.setSpeed(parseFloat(e.target.value)); });
  document.getElementById("paper-gain").addEventListener("change", function (e) { paper.setGain(parseFloat(e.target.value)); });
  document.getElementById("paper-back").addEventListener("click", function () { paper.goTo(paper.start - paper.span()); });
  document.getElementById("paper-forward").addEventListener("click", function () { paper.goTo(paper.start + paper.span()); });
  document.getElementById("paper-clear").addEventListener("click", function () { paper.calipers = []; paper.draw(); paper.onCaliper(null); });
  paperCanvas.addEventListener("keydown", function () { // keep the presets in step with the keys
    document.getElementById("paper-speed").value = String(paper.speed);
    document.getElementById("paper-gain").value = String(paper.gain);
  });

  document.querySelectorAll(".timeline-bar rect[data-start-s]").forEach(function (rect) {
    function show() { showStretch(parseFloat(rect.dataset.startS), parseFloat(rect.dataset.endS)); }
    rect.addEventListener("click", show);
    rect.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); show(); }
    });
  });

  // Heart-rate trend and tachogram (computed once per recording, given with the page).
  const trends = [];
  function trend(elementId, dataId, yKey, label, colour, points) {
    const el = document.getElementById(elementId), source = document.getElementById(dataId);
    if (!el || !source) return;
    const data = JSON.parse(source.textContent);
    if (!data.t_s || data.t_s.length < 2) { el.textContent = "Too short for a trend."; return; }
    trends.push([el, new uPlot({
      width: plotWidth(el), height: 150,
      scales: { x: { time: false } },
      axes: [timeAxis, { label: label }],
      series: [{ label: "time", value: function (u, t) { return t == null ? "–" : hms(t); } },
        { label: label, stroke: colour, width: 1, spanGaps: false, points: { show: points, size: 3 } }],
      cursor: { drag: { x: true, y: false } },
      hooks: { setSelect: [function (u) {
        if (u.select.width < 5) return;
        const a = u.posToVal(u.select.left, "x"), b = u.posToVal(u.select.left + u.select.width, "x");
        u.setSelect({ width: 0, height: 0 }, false);
        showStretch(Math.max(0, a), Math.min(duration, b));
      }] },
    }, [data.t_s, data[yKey]], el)]);
  }
  trend("hr-trend", "hr-trend-data", "bpm", "bpm", "#b0282c", true);
  trend("tachogram", "tachogram-data", "rr_ms", "R-R ms", "#1f4fbf", false);

  // Everything follows the window's width (no overflow on narrow screens). Only a change of
  // width redraws: content growing below (the scalogram, the trends) must not clear calipers.
  const main = document.querySelector("main");
  let resizeTimer = null, lastWidth = main.clientWidth;
  new ResizeObserver(function () {
    if (main.clientWidth === lastWidth) return;
    lastWidth = main.clientWidth;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      if (plot) plot.setSize({ width: plotWidth(plotEl), height: 240 });
      trends.forEach(function (entry) { entry[1].setSize({ width: plotWidth(entry[0]), height: 150 }); });
      paper.resize();
    }, 100);
  }).observe(main);

  function showProgress(fraction) {  // a long recording tells how far its classification got
    const bar = document.getElementById("prediction-progress");
    if (!bar || fraction === null || fraction === undefined) return;
    bar.value = fraction;
    document.getElementById("prediction-progress-text").textContent =
      Math.round(fraction * 100) + " % of the windows classified";
  }

  function poll() {
    const current = root.dataset.status;
    if (current !== "pending" && current !== "running") return;
    setTimeout(async function () {
      const data = await getJson(statusUrl);
      if (data && data.status !== current) { window.location.reload(); return; }
      if (data) showProgress(data.progress);
      poll();
    }, 1500);
  }

  if (plotEl) {  // absent once the retention policy removed the signal
    document.getElementById("zoom-reset").addEventListener("click", function () { load(0, null); });
    if (leadSelect) leadSelect.addEventListener("change", function () {
      if (plot) { plot.destroy(); plot = null; } // a new plot: its legend names the new lead
      load(range[0], range[1]);
      updateScalogram(paper.start, Math.min(duration, paper.start + paper.span()));
    });
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) { if (!window.confirm(form.dataset.confirm)) event.preventDefault(); });
  });
  if (plotEl) load(0, null);
  poll();
})();
