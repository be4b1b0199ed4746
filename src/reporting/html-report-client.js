// The game-day report's charts: plain browser JS, inlined into report.html after uPlot (no build step).
// It reads the data html-report.ts embedded, draws one uPlot chart per series, and overlays the
// timeline's moments (fault window, alert firing, checkpoints, responder actions, recovery) with
// uPlot's draw hooks. Tests wait for body[data-ready="true"] and read each chart's data-points.
(() => {
  const data = JSON.parse(document.getElementById('gameday-data').textContent);
  const css = getComputedStyle(document.documentElement);
  const colour = (name) => css.getPropertyValue(`--${name}`).trim();
  const COLOURS = {
    fault: colour('mark-fault'),
    faultEdge: colour('mark-fault-edge'),
    alert: colour('mark-alert'),
    threshold: colour('mark-threshold'),
    checkpoint: colour('mark-checkpoint'),
    responder: colour('mark-responder'),
    recovered: colour('mark-recovered'),
    series: colour('series'),
  };
  const CHART_HEIGHT = 200;

  /** The y axis's label by what the values measure; the values themselves go through formatValue. */
  const AXIS_LABELS = { ratio: '%', seconds: 'time', count: 'count', state: '', value: 'value' };

  /** uPlot's canvas is in device pixels: line widths and fonts scale with it. */
  const px = window.devicePixelRatio || 1;

  function verticalLine(ctx, x, top, bottom, stroke, dash) {
    ctx.save();
    ctx.strokeStyle = stroke;
    ctx.lineWidth = 2 * px;
    ctx.setLineDash(dash ? [5 * px, 4 * px] : []);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.restore();
  }

  /** A label on a white backing, kept inside the plot; rows stagger so nearby labels do not overlap. */
  function label(ctx, text, x, y, fill, box) {
    ctx.save();
    ctx.font = `${11 * px}px system-ui, sans-serif`;
    // uPlot leaves its own alignment on the context after drawing the axes.
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    const width = ctx.measureText(text).width;
    const left = Math.min(Math.max(x + 4 * px, box.left), box.left + box.width - width - 2 * px);
    ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
    ctx.fillRect(left - 2 * px, y - 1 * px, width + 4 * px, 14 * px);
    ctx.fillStyle = fill;
    ctx.fillText(text, left, y);
    ctx.restore();
  }

  function clipToPlot(u) {
    const { left, top, width, height } = u.bbox;
    u.ctx.save();
    u.ctx.beginPath();
    u.ctx.rect(left, top, width, height);
    u.ctx.clip();
  }

  /** Under the series: the fault windows, shaded. */
  function drawFaultWindows(u, marks) {
    const { top, height } = u.bbox;
    clipToPlot(u);
    for (const [from, to] of marks.faultWindows) {
      const x0 = u.valToPos(from, 'x', true);
      const x1 = u.valToPos(to, 'x', true);
      u.ctx.fillStyle = COLOURS.fault;
      u.ctx.fillRect(x0, top, x1 - x0, height);
      u.ctx.fillStyle = COLOURS.faultEdge;
      u.ctx.fillRect(x0, top, 1 * px, height);
      u.ctx.fillRect(x1 - 1 * px, top, 1 * px, height);
    }
    u.ctx.restore();
  }

  /** Over the series: the threshold, then the moments as vertical lines. */
  function drawMarks(u, marks, chart) {
    const box = u.bbox;
    const bottom = box.top + box.height;
    const x = (atS) => u.valToPos(atS, 'x', true);
    clipToPlot(u);
    if (chart.threshold) {
      const y = u.valToPos(chart.threshold.value, 'y', true);
      u.ctx.save();
      u.ctx.strokeStyle = COLOURS.threshold;
      u.ctx.lineWidth = 1.5 * px;
      u.ctx.setLineDash([6 * px, 4 * px]);
      u.ctx.beginPath();
      u.ctx.moveTo(box.left, y);
      u.ctx.lineTo(box.left + box.width, y);
      u.ctx.stroke();
      u.ctx.restore();
      const text = `threshold ${chart.threshold.comparator} ${chart.threshold.value}`;
      label(u.ctx, text, box.left + box.width, y - 16 * px, COLOURS.threshold, box);
    }
    for (const mark of marks.alertFiring)
      verticalLine(u.ctx, x(mark.atS), box.top, bottom, COLOURS.alert, false);
    for (const mark of marks.recovered)
      verticalLine(u.ctx, x(mark.atS), box.top, bottom, COLOURS.recovered, false);
    marks.checkpoints.forEach((mark, index) => {
      verticalLine(u.ctx, x(mark.atS), box.top, bottom, COLOURS.checkpoint, true);
      label(u.ctx, mark.label, x(mark.atS), box.top + (2 + (index % 3) * 15) * px, COLOURS.checkpoint, box);
    });
    u.ctx.fillStyle = COLOURS.responder;
    for (const mark of marks.responderActions) {
      const at = x(mark.atS);
      u.ctx.beginPath();
      u.ctx.moveTo(at, bottom - 9 * px);
      u.ctx.lineTo(at - 5 * px, bottom);
      u.ctx.lineTo(at + 5 * px, bottom);
      u.ctx.closePath();
      u.ctx.fill();
    }
    u.ctx.restore();
  }

  /** Keeps the threshold on screen even when the values stay far from it. */
  function valueRange(chart) {
    if (chart.unit === 'state') return () => [-0.1, 1.2];
    return (_u, min, max) => {
      const threshold = chart.threshold ? chart.threshold.value : max;
      const low = Math.min(0, min, threshold);
      const high = Math.max(max, threshold);
      return [low, high > low ? high + (high - low) * 0.1 : low + 1];
    };
  }

  const charts = [];
  const toDraw = data.scenarios.reduce((sum, scenario) => sum + scenario.charts.length, 0);
  let drawn = 0;
  const markDrawn = () => {
    drawn += 1;
    if (drawn === toDraw) document.body.dataset.ready = 'true';
  };

  function drawChart(scenario, chart) {
    const target = document.querySelector(`[data-chart="${CSS.escape(`${scenario.id}:${chart.name}`)}"]`);
    if (!target) throw new Error(`no container for chart ${scenario.id}:${chart.name}`);
    // formatValue is core/format.ts's own, inlined before this script.
    const text = (value) => formatValue(value, chart.unit);
    let first = true;
    const options = {
      width: target.clientWidth,
      height: CHART_HEIGHT,
      cursor: { sync: { key: `scenario:${scenario.id}` } },
      scales: {
        x: { time: false, range: () => [0, scenario.endS] },
        y: { range: valueRange(chart) },
      },
      axes: [
        { label: 'seconds since scenario start', values: (_u, splits) => splits.map((s) => `${s} s`) },
        {
          // The breaker's ticks name its states; an axis label would only collide with them.
          label: AXIS_LABELS[chart.unit] ?? '',
          size: 70,
          splits: chart.unit === 'state' ? () => [0, 0.5, 1] : undefined,
          values: (_u, splits) => splits.map(text),
        },
      ],
      series: [
        { label: 'time', value: (_u, value) => (value == null ? '—' : `${value.toFixed(1)} s`) },
        {
          label: chart.label,
          stroke: COLOURS.series,
          width: 1.5,
          paths: chart.unit === 'state' ? uPlot.paths.stepped({ align: 1 }) : undefined,
          value: (_u, value) => (value == null ? '—' : text(value)),
        },
      ],
      hooks: {
        drawAxes: [(u) => drawFaultWindows(u, scenario.marks)],
        draw: [
          (u) => {
            drawMarks(u, scenario.marks, chart);
            if (!first) return;
            first = false;
            target.dataset.points = String(chart.data[1].filter((value) => value !== null).length);
            markDrawn();
          },
        ],
      },
    };
    charts.push({ plot: new uPlot(options, chart.data, target), target });
  }

  if (toDraw === 0) document.body.dataset.ready = 'true';
  for (const scenario of data.scenarios) for (const chart of scenario.charts) drawChart(scenario, chart);

  // Charts follow the page width (the grid may change its number of columns).
  let resizing = false;
  window.addEventListener('resize', () => {
    if (resizing) return;
    resizing = true;
    requestAnimationFrame(() => {
      resizing = false;
      for (const { plot, target } of charts)
        plot.setSize({ width: target.clientWidth, height: CHART_HEIGHT });
    });
  });
})();
