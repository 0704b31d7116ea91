// Dashboard charts. The numbers come from the page's <script type="application/json"
// id="dashboard-data"> block (Django's json_script: data, never executed, so the strict CSP holds);
// each chart has a table with the same numbers next to it.
(() => {
  "use strict";

  const BACKLOG = "#1d5fa8";
  const OVERDUE = "#b3261e";
  const ON_TIME = "#2e7d32";

  // Says on the page when a chart is on screen: data-chart-drawn="true" on its canvas once
  // chart.js has rendered it, "empty" when the page gave it nothing to draw. Tests (and anyone
  // inspecting the page) wait for the attribute instead of polling chart.js with eval, which the
  // strict CSP refuses.
  const MARK_DRAWN = {
    id: "markDrawn",
    afterRender(chart) {
      chart.canvas.dataset.chartDrawn = "true";
    },
  };

  function markEmpty(canvas) {
    canvas.dataset.chartDrawn = "empty";
  }

  function readData() {
    const node = document.getElementById("dashboard-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function shortDay(iso) {
    // "2025-03-09" → "Mar 9", read as a calendar day (no time zone shift).
    const [y, m, d] = iso.split("-").map(Number);
    return new Date(y, m - 1, d).toLocaleDateString("en-US", { month: "short", day: "numeric" });
  }

  function drawTrend(Chart, trend) {
    const canvas = document.getElementById("trend-chart");
    if (!canvas) return;
    if (!trend || !trend.days.length) {
      markEmpty(canvas);
      return;
    }
    new Chart(canvas, {
      type: "line",
      plugins: [MARK_DRAWN],
      data: {
        labels: trend.days.map(shortDay),
        datasets: [
          { label: "Open backlog", data: trend.backlog, borderColor: BACKLOG, backgroundColor: BACKLOG, pointRadius: 0, borderWidth: 2, tension: 0.2 },
          { label: "Overdue", data: trend.overdue, borderColor: OVERDUE, backgroundColor: OVERDUE, pointRadius: 0, borderWidth: 2, borderDash: [6, 4], tension: 0.2 },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 12 } } },
        plugins: { legend: { position: "top" } },
      },
    });
  }

  function drawCompletion(Chart, completion) {
    const canvas = document.getElementById("completion-chart");
    if (!canvas) return;
    if (!completion || !completion.kinds.length) {
      markEmpty(canvas);
      return;
    }
    new Chart(canvas, {
      type: "bar",
      plugins: [MARK_DRAWN],
      data: {
        labels: completion.kinds,
        datasets: [
          { label: "On time", data: completion.on_time, backgroundColor: ON_TIME },
          { label: "Late", data: completion.late, backgroundColor: OVERDUE },
        ],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true, ticks: { autoSkip: false } } },
        plugins: { legend: { position: "top" } },
      },
    });
  }

  function init() {
    const Chart = window.Chart;
    const data = readData();
    if (!Chart || !data) return;
    Chart.defaults.color = getComputedStyle(document.body).color;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    // Drawn at once: a morning review wants the numbers, not a line growing across the screen.
    Chart.defaults.animation = false;
    drawTrend(Chart, data.trend);
    drawCompletion(Chart, data.completion);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
