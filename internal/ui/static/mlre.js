// mlre's charts: every <div class="plot" data-chart="ID"> is drawn with
// uPlot from the JSON in <script type="application/json" id="ID">, which the
// server renders. No data is fetched: a page shows what it was rendered with.
(function () {
  "use strict";
  // Colour-blind-safe palette (Okabe–Ito), darkened for contrast on white.
  var palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8F7A00", "#56B4E9", "#000000", "#E69F00"];

  function fmt(v, unit) {
    if (v == null || isNaN(v)) return "–";
    var a = Math.abs(v);
    switch (unit) {
      case "ratio": return pct(v * 100);
      case "percent": return pct(v);
      case "seconds": return dur(v);
      case "dollars": return "$" + v.toFixed(a >= 100 ? 0 : 2);
      case "bytes": return bytes(v);
      case "mib": return bytes(v * 1048576);
      case "celsius": return v.toFixed(0) + " °C";
      case "watts": return v.toFixed(0) + " W";
      case "x": return num(v) + "×";
    }
    return num(v);
  }
  function pct(p) {
    var a = Math.abs(p);
    if (a === 0) return "0%";
    if (a >= 99 && a < 100) {
      // Never round 99.95% up to 100% next to a 99.9% objective.
      for (var d = 1; d <= 4; d++) {
        if (Number(a.toFixed(d)) < 100) return (p < 0 ? "-" : "") + a.toFixed(d) + "%";
      }
      return (p < 0 ? "-" : "") + (Math.floor(a * 1e4) / 1e4).toFixed(4) + "%";
    }
    if (a >= 10) return p.toFixed(1) + "%";
    if (a >= 0.1) return p.toFixed(2) + "%";
    return p.toPrecision(2) + "%";
  }
  function num(v) {
    var a = Math.abs(v);
    if (a === 0) return "0";
    if (a >= 1e9) return (v / 1e9).toFixed(2) + "G";
    if (a >= 1e6) return (v / 1e6).toFixed(2) + "M";
    if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
    if (a >= 100) return v.toFixed(0);
    if (a >= 10) return v.toFixed(1);
    if (a >= 1) return v.toFixed(2);
    return String(Number(v.toPrecision(3)));
  }
  function dur(s) {
    if (s < 1) return (s * 1000).toFixed(0) + "ms";
    if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + "s";
    if (s < 3600) return (s / 60).toFixed(1) + "m";
    if (s < 86400) return (s / 3600).toFixed(1) + "h";
    return (s / 86400).toFixed(1) + "d";
  }
  function bytes(v) {
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return v.toFixed(i ? 1 : 0) + " " + u[i];
  }

  function refLines(lines, unit) {
    return function (u) {
      var ctx = u.ctx;
      ctx.save();
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#475467";
      ctx.fillStyle = "#344054";
      ctx.font = Math.round(12 * devicePixelRatio) + "px system-ui, sans-serif";
      ctx.textAlign = "left";
      ctx.textBaseline = "bottom";
      lines.forEach(function (l) {
        var y = u.valToPos(l.value, "y", true);
        if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) return;
        ctx.beginPath();
        ctx.moveTo(u.bbox.left, y);
        ctx.lineTo(u.bbox.left + u.bbox.width, y);
        ctx.stroke();
        ctx.fillText(l.label, u.bbox.left + 4 * devicePixelRatio, y - 2 * devicePixelRatio);
      });
      ctx.restore();
    };
  }

  function draw(el) {
    var src = document.getElementById(el.getAttribute("data-chart"));
    if (!src || typeof uPlot === "undefined") return;
    var c = JSON.parse(src.textContent);
    var bars = c.kind === "bars";
    var data = [c.x].concat(c.series.map(function (s) { return s.values; }));
    var series = [{ label: bars ? "bin" : "time", value: bars ? function (u, v) { return v == null ? "" : c.x_labels[v]; } : undefined }];
    c.series.forEach(function (s, i) {
      var colour = palette[i % palette.length];
      var opt = { label: s.label, stroke: colour, width: 1.5, spanGaps: false, value: function (u, v) { return fmt(v, c.unit); } };
      if (bars) {
        opt.fill = colour + "99";
        opt.paths = uPlot.paths.bars({ size: [0.4, 60], align: i === 0 ? -1 : 1 });
        opt.points = { show: false };
      }
      series.push(opt);
    });
    var yRange = function (u, lo, hi) {
      if (c.min != null) lo = c.min;
      if (c.max != null) hi = c.max;
      (c.lines || []).forEach(function (l) { lo = Math.min(lo, l.value); hi = Math.max(hi, l.value); });
      if (bars) lo = 0;
      if (lo === hi) { hi = lo + 1; }
      var pad = (hi - lo) * 0.05;
      return [bars ? 0 : lo - pad, hi + pad];
    };
    var opts = {
      width: Math.max(el.clientWidth, 280),
      height: bars ? 180 : 220,
      series: series,
      scales: { x: bars ? { time: false, range: function (u, lo, hi) { return [lo - 0.6, hi + 0.6]; } } : {}, y: { range: yRange } },
      axes: [
        bars ? { values: function (u, vals) { return vals.map(function (v) { return Number.isInteger(v) && c.x_labels[v] != null ? c.x_labels[v] : ""; }); }, incrs: [1], rotate: 0, size: 40 } : {},
        { values: function (u, vals) { return vals.map(function (v) { return fmt(v, c.unit); }); }, size: 80 }
      ],
      legend: { live: !bars },
      hooks: { draw: c.lines && c.lines.length ? [refLines(c.lines, c.unit)] : [] }
    };
    var plot = new uPlot(opts, data, el);
    window.addEventListener("resize", function () {
      plot.setSize({ width: Math.max(el.clientWidth, 280), height: opts.height });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("div.plot[data-chart]"), draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
