/* The statistics dashboard: draws the charts from the JSON the page names in data-source.
   The same numbers are in the tables under each chart, so nothing depends on this script. */
(function () {
  "use strict";
  var root = document.getElementById("stats-charts");
  if (!root || typeof Chart === "undefined") return;

  var palette = ["#0b4f8a", "#d9822b", "#1b6e20", "#8e3b97", "#a30000", "#5b6b7a", "#b8860b", "#2f8f8f"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1a1a1a";
  Chart.defaults.animation = false;

  function labels(rows) { return rows.map(function (r) { return r.label; }); }
  function values(rows, key) { return rows.map(function (r) { return r[key]; }); }
  function canvas(id) { return document.getElementById(id); }

  function draw(data) {
    var volume = canvas("chart-volume");
    new Chart(volume, {
      type: "line",
      data: {
        labels: labels(data.volume),
        datasets: [
          { label: volume.dataset.labelNow, data: values(data.volume, "received"), borderColor: palette[0], backgroundColor: palette[0], tension: 0.2 },
          { label: volume.dataset.labelBefore, data: values(data.volume, "received_year_before"), borderColor: palette[1], backgroundColor: palette[1], borderDash: [6, 4], tension: 0.2 }
        ]
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }
    });

    new Chart(canvas("chart-channels"), {
      type: "doughnut",
      data: {
        labels: labels(data.channels),
        datasets: [{ data: values(data.channels, "received"), backgroundColor: palette }]
      },
      options: { maintainAspectRatio: false, plugins: { legend: { position: "right" } } }
    });

    var escalation = canvas("chart-escalation");
    new Chart(escalation, {
      type: "line",
      data: {
        labels: labels(data.escalation),
        datasets: [{ label: escalation.dataset.label, data: values(data.escalation, "escalated_percent"), borderColor: palette[3], backgroundColor: palette[3], tension: 0.2 }]
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, suggestedMax: 60 } } }
    });

    var sla = canvas("chart-sla");
    new Chart(sla, {
      type: "bar",
      data: {
        labels: labels(data.sla),
        datasets: [{ label: sla.dataset.label, data: values(data.sla, "sla_percent"), backgroundColor: palette[2] }]
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, max: 100 } } }
    });

    var topics = canvas("chart-topics");
    new Chart(topics, {
      type: "bar",
      data: {
        labels: labels(data.topics),
        datasets: [{ label: topics.dataset.label, data: values(data.topics, "received"), backgroundColor: palette[0] }]
      },
      options: { indexAxis: "y", maintainAspectRatio: false, plugins: { legend: { display: false } } }
    });
    root.setAttribute("data-drawn", "true");
  }

  fetch(root.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(draw)
    .catch(function () { root.setAttribute("data-drawn", "failed"); });
})();
