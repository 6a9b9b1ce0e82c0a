// ECG paper: a small canvas renderer at true scale (default 25 mm/s and 10 mm/mV on a 1-mm /
// 5-mm grid, 1 mm = 96/25.4 CSS pixels), stacked leads, the 3x4 + rhythm strip layout of a
// 10-s 12-lead ECG, an hh:mm:ss axis, R-peak marks, calipers (two clicks: time in ms and
// bpm, amplitude in mV) and keyboard pan/zoom. No dependencies, no inline script (CSP).
(function (global) {
  "use strict";
  const PX_PER_MM = 96 / 25.4;
  const SPEEDS = [12.5, 25, 50]; // mm/s
  const GAINS = [5, 10, 20]; // mm/mV
  const AXIS_PX = 20; // the time axis band above the traces
  const TWELVE_LEAD = [["I", "II", "III"], ["aVR", "aVL", "aVF"], ["V1", "V2", "V3"], ["V4", "V5", "V6"]];
  const TWELVE_LEAD_MAX_S = 12; // a "10-s 12-lead ECG": at most this long
  const COLOURS = { fine: "#f6d3cf", bold: "#e39b92", trace: "#111", label: "#5b6475", peak: "#b0282c", caliper: "#1f4fbf" };

  function pad2(n) { return String(n).padStart(2, "0"); }

  function hms(seconds, withTenths) {
    const whole = Math.floor(seconds + 1e-9);
    const text = pad2(Math.floor(whole / 3600)) + ":" + pad2(Math.floor((whole % 3600) / 60)) + ":" + pad2(whole % 60);
    return withTenths ? text + "." + Math.floor((seconds - whole) * 10 + 1e-6) : text;
  }

  function median(values) {
    if (!values.length) return 0;
    const sorted = Float64Array.from(values).sort();
    return sorted[Math.floor(sorted.length / 2)];
  }

  // The 12-lead layout when the recording is a 10-s ECG with the 12 standard leads:
  // columns of lead indices (I II III | aVR aVL aVF | V1 V2 V3 | V4 V5 V6) and the rhythm lead.
  function twelveLeadLayout(names, durationS, rhythmLead) {
    if (names.length !== 12 || durationS > TWELVE_LEAD_MAX_S) return null;
    const lower = names.map(function (n) { return String(n).toLowerCase(); });
    const columns = TWELVE_LEAD.map(function (column) {
      return column.map(function (name) { return lower.indexOf(name.toLowerCase()); });
    });
    const byName = columns.every(function (c) { return c.every(function (i) { return i >= 0; }); });
    const byOrder = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]];
    const ii = lower.indexOf("ii");
    return { columns: byName ? columns : byOrder, rhythm: ii >= 0 ? ii : rhythmLead || 1 };
  }

  function EcgPaper(canvas, options) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.leadNames = options.leads;
    this.duration = options.durationS;
    this.fetchSpan = options.fetchSpan; // (start_s, end_s) -> Promise of the signal API's JSON
    this.onChange = options.onChange || function () {};
    this.onCaliper = options.onCaliper || function () {};
    this.speed = 25;
    this.gain = 10;
    this.start = 0;
    this.data = null;
    this.request = 0;
    this.calipers = [];
    this.cursor = null; // the keyboard's caliper cursor: a time on the first row
    this.segments = [];
    this.twelve = twelveLeadLayout(options.leads, options.durationS, options.rhythmLead);
    const self = this;
    canvas.addEventListener("keydown", function (event) { self.onKey(event); });
    canvas.addEventListener("click", function (event) { self.onClick(event); });
    this.resize();
  }

  EcgPaper.prototype.pxPerS = function () { return this.speed * PX_PER_MM; };
  EcgPaper.prototype.pxPerMv = function () { return this.gain * PX_PER_MM; };
  EcgPaper.prototype.rowPx = function () {
    const rows = this.twelve ? 4 : this.leadNames.length;
    return (rows > 3 ? 25 : 35) * PX_PER_MM;
  };

  // Seconds shown: the frame's width at the current speed (a 12-lead ECG: all of it).
  EcgPaper.prototype.span = function () {
    if (this.twelve) return this.duration;
    return Math.min(this.duration, this.widthPx / this.pxPerS());
  };

  EcgPaper.prototype.resize = function () {
    const frame = this.canvas.parentElement;
    const available = Math.max(frame.clientWidth, 200);
    this.widthPx = this.twelve ? Math.max(available, Math.ceil(this.duration * this.pxPerS())) : available;
    const rows = this.twelve ? 4 : this.leadNames.length;
    this.heightPx = Math.ceil(AXIS_PX + rows * this.rowPx());
    const ratio = global.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.widthPx * ratio);
    this.canvas.height = Math.round(this.heightPx * ratio);
    this.canvas.style.width = this.widthPx + "px"; // CSSOM, not a style attribute: CSP allows it
    this.canvas.style.height = this.heightPx + "px";
    this.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.goTo(this.start);
  };

  EcgPaper.prototype.goTo = function (startS) {
    const latest = Math.max(0, this.duration - this.span());
    this.start = this.twelve ? 0 : Math.min(Math.max(0, startS), latest);
    this.calipers = [];
    this.cursor = null;
    this.onCaliper(null);
    this.refresh();
  };

  EcgPaper.prototype.setSpeed = function (mmPerS) { this.speed = mmPerS; this.resize(); };
  EcgPaper.prototype.setGain = function (mmPerMv) { this.gain = mmPerMv; this.draw(); this.report(); };
  EcgPaper.prototype.step = function (list, value, direction) {
    const index = list.indexOf(value) + direction;
    return list[Math.min(Math.max(index, 0), list.length - 1)];
  };

  EcgPaper.prototype.refresh = async function () {
    const from = this.start, to = Math.min(this.duration, this.start + this.span());
    const have = this.data;
    if (have && have.from <= from + 1e-6 && have.to >= to - 1e-6) { this.draw(); this.report(); return; }
    const margin = this.twelve ? 0 : this.span();
    const want = [Math.max(0, from - margin), Math.min(this.duration, to + margin)];
    const ticket = ++this.request;
    const body = await this.fetchSpan(want[0], want[1]);
    if (ticket !== this.request || !body) return; // a later view won, or the fetch failed
    this.data = {
      from: want[0], to: want[1], t0: body.t.length ? body.t[0] : want[0],
      rate: body.sampling_rate_hz, leads: body.leads, peaks: body.r_peaks_s || [],
    };
    this.draw();
    this.report();
  };

  // What each row shows: lead, time range, where it starts on the canvas, its baseline.
  EcgPaper.prototype.layout = function () {
    const row = this.rowPx();
    const segments = [];
    if (this.twelve) {
      const quarter = this.duration / 4;
      this.twelve.columns.forEach(function (column, c) {
        column.forEach(function (lead, r) {
          segments.push({ lead: lead, t0: c * quarter, t1: (c + 1) * quarter, row: r });
        });
      });
      segments.push({ lead: this.twelve.rhythm, t0: 0, t1: this.duration, row: 3 });
    } else {
      const t1 = Math.min(this.duration, this.start + this.span());
      for (let lead = 0; lead < this.leadNames.length; lead++) {
        segments.push({ lead: lead, t0: this.start, t1: t1, row: lead });
      }
    }
    const self = this;
    return segments.map(function (s) {
      const top = AXIS_PX + s.row * row;
      return Object.assign(s, {
        x0: (s.t0 - (self.twelve ? 0 : self.start)) * self.pxPerS(), top: top, bottom: top + row,
        baseline: top + row / 2, offset: self.offsetOf(s.lead, s.t0, s.t1),
      });
    });
  };

  EcgPaper.prototype.indexOf = function (t) { return Math.round((t - this.data.t0) * this.data.rate); };

  EcgPaper.prototype.offsetOf = function (lead, t0, t1) {
    if (!this.data) return 0;
    const values = this.data.leads[lead] || [];
    return median(values.slice(Math.max(0, this.indexOf(t0)), Math.max(0, this.indexOf(t1))));
  };

  EcgPaper.prototype.draw = function () {
    const ctx = this.ctx, w = this.widthPx, h = this.heightPx;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    this.drawGrid();
    this.drawAxis();
    if (!this.data) return;
    this.segments = this.layout();
    const self = this;
    this.segments.forEach(function (s) { self.drawSegment(s); });
    this.drawCalipers();
    this.canvas.dataset.startS = this.start.toFixed(4);
    this.canvas.dataset.pxPerS = this.pxPerS().toFixed(6);
    this.canvas.dataset.layout = this.twelve ? "12-lead" : "stacked";
    this.canvas.dataset.rows = JSON.stringify(this.segments.map(function (s) {
      return { lead: self.leadNames[s.lead], t0: s.t0, x0: s.x0, top: s.top, bottom: s.bottom };
    }));
  };

  EcgPaper.prototype.drawGrid = function () {
    const ctx = this.ctx, mm = PX_PER_MM, w = this.widthPx, h = this.heightPx;
    const originX = this.twelve ? 0 : -((this.start * this.pxPerS()) % (5 * mm)); // 5-mm boxes follow time
    [["fine", 1, 0.6], ["bold", 5, 1]].forEach(function (style) {
      ctx.beginPath();
      ctx.strokeStyle = COLOURS[style[0]];
      ctx.lineWidth = style[2];
      for (let x = originX; x <= w; x += style[1] * mm) { ctx.moveTo(x, AXIS_PX); ctx.lineTo(x, h); }
      for (let y = AXIS_PX; y <= h; y += style[1] * mm) { ctx.moveTo(0, y); ctx.lineTo(w, y); }
      ctx.stroke();
    });
  };

  EcgPaper.prototype.drawAxis = function () {
    const ctx = this.ctx, perS = this.pxPerS();
    const step = [0.2, 0.5, 1, 2, 5, 10, 30, 60].find(function (s) { return s * perS >= 70; }) || 60;
    const origin = this.twelve ? 0 : this.start;
    ctx.fillStyle = COLOURS.label;
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    for (let t = Math.ceil(origin / step) * step; (t - origin) * perS <= this.widthPx; t += step) {
      const x = (t - origin) * perS;
      ctx.fillRect(x, AXIS_PX - 5, 1, 5);
      ctx.fillText(hms(t, step < 1), x + 2, AXIS_PX / 2 - 1);
    }
  };

  EcgPaper.prototype.drawSegment = function (s) {
    const ctx = this.ctx, values = this.data.leads[s.lead] || [];
    const perS = this.pxPerS(), perMv = this.pxPerMv();
    const first = Math.max(0, this.indexOf(s.t0)), last = Math.min(values.length - 1, this.indexOf(s.t1));
    ctx.save();
    ctx.beginPath();
    ctx.rect(s.x0, s.top, (s.t1 - s.t0) * perS, s.bottom - s.top);
    ctx.clip();
    ctx.beginPath();
    ctx.strokeStyle = COLOURS.trace;
    ctx.lineWidth = 1.2;
    for (let i = first; i <= last; i++) {
      const x = s.x0 + (this.data.t0 + i / this.data.rate - s.t0) * perS;
      const y = s.baseline - (values[i] - s.offset) * perMv;
      if (i === first) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    }
    ctx.stroke();
    ctx.fillStyle = COLOURS.peak;
    this.data.peaks.forEach(function (t) {
      if (t < s.t0 || t > s.t1) return;
      const x = s.x0 + (t - s.t0) * perS;
      ctx.beginPath();
      ctx.moveTo(x - 4, s.top + 2); ctx.lineTo(x + 4, s.top + 2); ctx.lineTo(x, s.top + 8);
      ctx.fill();
    });
    ctx.restore();
    const name = this.leadNames[s.lead] || "lead " + (s.lead + 1);
    ctx.font = "bold 12px system-ui, sans-serif";
    ctx.textBaseline = "top";
    ctx.fillStyle = "rgba(255, 255, 255, 0.85)"; // legible over the grid and the trace
    ctx.fillRect(s.x0 + 2, s.top + 10, ctx.measureText(name).width + 4, 15);
    ctx.fillStyle = COLOURS.label;
    ctx.fillText(name, s.x0 + 4, s.top + 11);
  };

  EcgPaper.prototype.pointAt = function (x, y) {
    const s = this.segments.find(function (seg) {
      const right = seg.x0 + (seg.t1 - seg.t0) * this.pxPerS();
      return x >= seg.x0 && x <= right && y >= seg.top && y <= seg.bottom;
    }, this);
    if (!s) return null;
    return { segment: s, x: x, y: y, t: s.t0 + (x - s.x0) / this.pxPerS(), mv: s.offset + (s.baseline - y) / this.pxPerMv() };
  };

  EcgPaper.prototype.onClick = function (event) {
    const box = this.canvas.getBoundingClientRect();
    const point = this.pointAt(event.clientX - box.left, event.clientY - box.top);
    if (!point) return;
    this.calipers = this.calipers.length >= 2 ? [point] : this.calipers.concat([point]);
    this.draw();
    this.onCaliper(this.measurement());
  };

  EcgPaper.prototype.measurement = function () {
    if (this.calipers.length < 2) return this.calipers.length ? { first: this.calipers[0] } : null;
    const a = this.calipers[0], b = this.calipers[1];
    const dtMs = Math.abs(b.t - a.t) * 1000;
    return { dtMs: dtMs, bpm: dtMs > 0 ? 60000 / dtMs : null, dMv: b.mv - a.mv, first: a, second: b };
  };

  EcgPaper.prototype.drawCalipers = function () {
    const ctx = this.ctx;
    if (this.cursor !== null && this.segments.length) {
      const s = this.segments[0], x = s.x0 + (this.cursor - s.t0) * this.pxPerS();
      ctx.fillStyle = COLOURS.caliper;
      ctx.fillRect(x - 0.75, s.top, 1.5, s.bottom - s.top);
    }
    ctx.strokeStyle = COLOURS.caliper;
    ctx.fillStyle = COLOURS.caliper;
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 3]);
    this.calipers.forEach(function (p) {
      ctx.beginPath();
      ctx.moveTo(p.x, p.segment.top); ctx.lineTo(p.x, p.segment.bottom);
      ctx.moveTo(p.x - 5, p.y); ctx.lineTo(p.x + 5, p.y);
      ctx.stroke();
    });
    ctx.setLineDash([]);
    const m = this.measurement();
    if (m && m.second) {
      const y = Math.min(m.first.y, m.second.y) - 6;
      ctx.beginPath();
      ctx.moveTo(m.first.x, y); ctx.lineTo(m.second.x, y);
      ctx.stroke();
      ctx.font = "12px system-ui, sans-serif";
      ctx.textBaseline = "bottom";
      ctx.fillText(Math.round(m.dtMs) + " ms", Math.min(m.first.x, m.second.x) + 3, y - 1);
    }
  };

  // A point on the trace at time t of segment s (what a click there would measure).
  EcgPaper.prototype.pointAtTime = function (s, t) {
    const values = this.data.leads[s.lead] || [];
    const i = Math.min(Math.max(this.indexOf(t), 0), values.length - 1);
    const mv = values.length ? values[i] : s.offset;
    return { segment: s, t: t, mv: mv, x: s.x0 + (t - s.t0) * this.pxPerS(), y: s.baseline - (mv - s.offset) * this.pxPerMv() };
  };

  // Keyboard calipers: "n"/"p" put the cursor on the next/previous R-peak of the first row,
  // "," and "." move it by 1 mm (Shift: 5 mm), Enter places a caliper point there.
  EcgPaper.prototype.moveCursor = function (how, step) {
    const s = this.segments[0];
    if (!s || !this.data) return;
    const here = this.cursor === null ? s.t0 - 1e-6 : this.cursor;
    let t = null;
    if (how === "next") t = this.data.peaks.find(function (p) { return p > here + 1e-6 && p <= s.t1; });
    else if (how === "previous") t = this.data.peaks.slice().reverse().find(function (p) { return p < here - 1e-6 && p >= s.t0; });
    else t = Math.min(Math.max(here + step / this.speed, s.t0), s.t1);
    if (t === undefined || t === null) return;
    this.cursor = t;
    this.draw();
  };

  EcgPaper.prototype.placeAtCursor = function () {
    if (this.cursor === null || !this.segments.length) return;
    const point = this.pointAtTime(this.segments[0], this.cursor);
    this.calipers = this.calipers.length >= 2 ? [point] : this.calipers.concat([point]);
    this.draw();
    this.onCaliper(this.measurement());
  };

  EcgPaper.prototype.onKey = function (event) {
    const span = this.span();
    const keys = {
      ArrowLeft: function () { this.goTo(this.start - (event.shiftKey ? span : 1)); },
      ArrowRight: function () { this.goTo(this.start + (event.shiftKey ? span : 1)); },
      Home: function () { this.goTo(0); },
      End: function () { this.goTo(this.duration); },
      "+": function () { this.setSpeed(this.step(SPEEDS, this.speed, 1)); },
      "=": function () { this.setSpeed(this.step(SPEEDS, this.speed, 1)); },
      "-": function () { this.setSpeed(this.step(SPEEDS, this.speed, -1)); },
      _: function () { this.setSpeed(this.step(SPEEDS, this.speed, -1)); },
      ArrowUp: function () { this.setGain(this.step(GAINS, this.gain, 1)); },
      ArrowDown: function () { this.setGain(this.step(GAINS, this.gain, -1)); },
      Escape: function () { this.calipers = []; this.cursor = null; this.draw(); this.onCaliper(null); },
      n: function () { this.moveCursor("next"); },
      p: function () { this.moveCursor("previous"); },
      ".": function () { this.moveCursor("by", event.shiftKey ? 5 : 1); },
      ",": function () { this.moveCursor("by", event.shiftKey ? -5 : -1); },
      ">": function () { this.moveCursor("by", 5); },
      "<": function () { this.moveCursor("by", -5); },
      Enter: function () { this.placeAtCursor(); },
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action.call(this);
  };

  EcgPaper.prototype.report = function () {
    const end = Math.min(this.duration, this.start + this.span());
    const peaks = this.data ? this.data.peaks.filter(function (t) { return t >= this.start && t <= end; }, this).length : 0;
    this.onChange({
      start: this.start, end: end, speed: this.speed, gain: this.gain, peaks: peaks,
      text: (this.twelve ? "12-lead ECG, 3×4 + rhythm strip " : "") + hms(this.start) + "–" + hms(end) +
        " · " + this.speed + " mm/s · " + this.gain + " mm/mV · " + peaks + " R-peaks marked",
    });
  };

  global.EcgPaper = EcgPaper;
  global.EcgPaper.hms = hms;
  global.EcgPaper.SPEEDS = SPEEDS;
  global.EcgPaper.GAINS = GAINS;
})(window);
