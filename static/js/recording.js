// Result page: polls the prediction until it finishes, draws the zoomable signal (uPlot),
// and keeps the scalogram image in step with the zoomed range. No inline script (CSP).
(function () {
  "use strict";
  const root = document.getElementById("recording");
  if (!root) return;
  const signalUrl = root.dataset.signalUrl;
  const scalogramUrl = root.dataset.scalogramUrl;
  const statusUrl = root.dataset.statusUrl;
  const duration = parseFloat(root.dataset.durationS);
  const plotEl = document.getElementById("signal-plot");
  const leadSelect = document.getElementById("lead-select");
  const scalogram = document.getElementById("scalogram");
  const scalogramRange = document.getElementById("scalogram-range");
  let plot = null;
  let range = [0, null];

  function lead() { return leadSelect ? parseInt(leadSelect.value, 10) : 0; }

  function query(start, end, extra) {
    const params = new URLSearchParams({ start_s: start.toFixed(3), lead: String(lead()) });
    if (end !== null) params.set("end_s", end.toFixed(3));
    Object.entries(extra || {}).forEach(([k, v]) => params.set(k, String(v)));
    return params.toString();
  }

  function updateScalogram(start, end) {
    const stop = end === null ? Math.min(duration, start + 60) : Math.min(end, start + 600);
    scalogram.src = scalogramUrl + "?" + query(start, stop);
    scalogramRange.textContent = "Scalogram of " + start.toFixed(1) + "–" + stop.toFixed(1) + " s.";
  }

  async function load(start, end) {
    range = [start, end];
    const width = Math.max(plotEl.clientWidth, 300);
    const response = await fetch(signalUrl + "?" + query(start, end, { max_points: Math.min(20000, width * 4) }),
      { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) { plotEl.textContent = "Could not load the signal (" + response.status + ")."; return; }
    const data = await response.json();
    const series = [data.t, data.leads[0]];  // the API returns the one lead asked for
    if (plot) { plot.setData(series); } else {
      plot = new uPlot({
        width: width, height: 280,
        scales: { x: { time: false } },
        axes: [{ label: "time (s)" }, { label: "mV" }],
        series: [{ label: "t (s)" }, { label: data.lead_names[0] || "ECG", stroke: "#c0392b", width: 1 }],
        cursor: { drag: { x: true, y: false } },
        hooks: { setSelect: [function (u) {
          if (u.select.width < 5) return;
          const a = u.posToVal(u.select.left, "x");
          const b = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ width: 0, height: 0 }, false);
          load(Math.max(0, a), Math.min(duration, b));
        }] },
      }, series, plotEl);
    }
    updateScalogram(start, end);
  }

  function poll() {
    const status = root.dataset.status;
    if (status !== "pending" && status !== "running") return;
    setTimeout(async function () {
      const response = await fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        if (data.status !== status) { window.location.reload(); return; }
      }
      poll();
    }, 1500);
  }

  if (plotEl) {  // absent once the retention policy removed the signal
    document.getElementById("zoom-reset").addEventListener("click", function () { load(0, null); });
    if (leadSelect) leadSelect.addEventListener("change", function () {
      if (plot) { plot.destroy(); plot = null; }  // a new plot: its legend names the new lead
      load(range[0], range[1]);
    });
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) { if (!window.confirm(form.dataset.confirm)) event.preventDefault(); });
  });
  if (plotEl) load(0, null);
  poll();
})();
