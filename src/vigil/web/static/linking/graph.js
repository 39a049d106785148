// The investigator's entity graph: Cytoscape.js (vendored), node-kind filters and a timeline.
(function () {
  "use strict";
  var app = document.getElementById("graph-app");
  if (!app || typeof cytoscape !== "function") { return; }
  var status = document.getElementById("graph-status");
  var colours = { "case": "#8a1c1c", "account": "#36558f", "phone": "#2e7d32", "email": "#6a1b9a",
    "url": "#5a5a66", "btc": "#ef6c00", "eth": "#ef6c00", "tron": "#ef6c00", "iban": "#00695c",
    "card": "#00695c", "post": "#9e9e9e", "thread": "#bdbdbd", "media_hash": "#c62828" };
  var times = [];
  var cy = null;

  function apply() {
    if (!cy) { return; }
    var kinds = {};
    document.querySelectorAll("#kind-filters input[name=kind]").forEach(function (box) {
      kinds[box.value] = box.checked;
    });
    var slider = document.getElementById("timeline");
    var limit = times.length ? times[Math.round((times.length - 1) * slider.value / 100)] : null;
    document.getElementById("timeline-label").textContent = limit ? limit.slice(0, 10) : "";
    cy.batch(function () {
      cy.edges().forEach(function (edge) {
        var visible = !limit || edge.data("observed_at") <= limit;
        edge.style("display", visible ? "element" : "none");
      });
      cy.nodes().forEach(function (node) {
        var shown = kinds[node.data("kind")] !== false;
        var connected = node.connectedEdges().filter(function (e) {
          return e.style("display") !== "none";
        }).length > 0;
        node.style("display", shown && (connected || node.data("kind") === "case") ? "element" : "none");
      });
    });
  }

  fetch(app.dataset.api + "/graph", { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (elements) {
      times = elements.edges.map(function (e) { return e.data.observed_at; }).sort();
      cy = cytoscape({
        container: document.getElementById("graph"),
        elements: elements,
        style: [
          { selector: "node", style: { "label": "data(label)", "font-size": 10,
            "background-color": function (n) { return colours[n.data("kind")] || "#777"; } } },
          { selector: "edge", style: { "width": 1.5, "line-color": "#b0b0c0", "curve-style": "bezier",
            "target-arrow-shape": "triangle", "target-arrow-color": "#b0b0c0",
            "label": "data(relation)", "font-size": 8, "color": "#5a5a66" } }
        ],
        layout: { name: "cose", animate: false }
      });
      status.textContent = elements.nodes.length + " nodes, " + elements.edges.length + " links";
      apply();
    })
    .catch(function (error) { status.textContent = "Could not load the graph: " + error.message; });

  document.querySelectorAll("#kind-filters input, #timeline").forEach(function (input) {
    input.addEventListener("input", apply);
  });
})();
