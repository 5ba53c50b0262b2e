// Draws the evidence charts with the vendored Chart.js from the JSON block the page carries.
// Protected cells arrive as null: Chart.js leaves a gap, never a zero.
(function () {
  "use strict";
  var block = document.getElementById("evidence-charts");
  if (!block || typeof Chart === "undefined") { return; }
  var data = JSON.parse(block.textContent);
  var palette = ["#1b6ca8", "#d1495b", "#edae49", "#00798c", "#30638e", "#66a182", "#8d96a3", "#a05195",
                 "#f95d6a", "#2f4b7c", "#ffa600", "#665191", "#003f5c", "#7a5195", "#ef5675", "#58508d"];
  function colour(datasets) {
    datasets.forEach(function (set, i) {
      set.backgroundColor = palette[i % palette.length];
      set.borderColor = palette[i % palette.length];
      set.spanGaps = false;
    });
    return datasets;
  }
  function draw(id, type, chart, percent) {
    var canvas = document.getElementById(id);
    if (!canvas || !chart || !chart.labels.length) { return; }
    var options = { responsive: true, maintainAspectRatio: false, animation: false,
                    scales: { y: { beginAtZero: true } } };
    if (percent) { options.scales.y.max = 100; options.scales.y.ticks = { callback: function (v) { return v + " %"; } }; }
    canvas.chart = new Chart(canvas, { type: type, data: { labels: chart.labels, datasets: colour(chart.datasets) },
                                       options: options });
  }
  draw("chart-weeks", "line", data.weeks, false);
  draw("chart-rates", "bar", data.rates, true);
  draw("chart-waits", "bar", data.waits, false);
}());
