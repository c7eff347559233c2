// Charts of the statistics pages: canvases with class "mz-chart" arrive in an htmx fragment and are
// drawn here with the Chart.js bundled with Unfold (global `Chart`), in Unfold's plain style.
(function () {
  function color(value) {
    if (typeof value === "string" && value.indexOf("var(") === 0) {
      var name = value.match(/var\((.*?)\)/)[1];
      return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#7c3aed";
    }
    return value;
  }

  function draw(root) {
    if (typeof Chart === "undefined" || !root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("canvas.mz-chart[data-value]").forEach(function (canvas) {
      if (canvas.dataset.drawn) {
        return;
      }
      canvas.dataset.drawn = "1";
      var data = JSON.parse(canvas.dataset.value);
      data.datasets.forEach(function (dataset) {
        dataset.backgroundColor = color(dataset.backgroundColor);
        dataset.borderColor = color(dataset.borderColor || dataset.backgroundColor);
        if (canvas.dataset.type === "bar") {
          dataset.borderRadius = 6;
        } else {
          dataset.borderWidth = 2;
          dataset.tension = 0.25;
        }
      });
      var unit = data.datasets.length ? data.datasets[0].suffixYAxis || "" : "";
      new Chart(canvas.getContext("2d"), {
        type: canvas.dataset.type || "bar",
        data: data,
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: false }, tooltip: { enabled: true } },
          scales: {
            x: { grid: { display: false }, ticks: { color: "#9ca3af", autoSkip: false, maxRotation: 60 } },
            y: {
              beginAtZero: true,
              ticks: {
                color: "#9ca3af",
                callback: function (value) {
                  return value + (unit ? " " + unit : "");
                },
              },
            },
          },
        },
      });
    });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    draw(event.detail.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
  });
})();
