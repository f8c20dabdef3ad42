// Measure pages: draw every [data-chart] with the Plotly bundle the app serves (its figure is
// the JSON script right after it), show the custom date inputs only for "Custom", and let an
// export file be dropped on the import form (a drop previews it at once).
(function () {
  "use strict";

  function drawCharts(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = el.nextElementSibling;
      if (!source || source.type !== "application/json") return;
      var figure = JSON.parse(source.textContent);
      el.dataset.drawn = "1";
      window.Plotly.newPlot(el, figure.data, figure.layout, {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ["lasso2d", "select2d"],
      });
    });
  }

  function customRange() {
    var select = document.querySelector("[data-range]");
    if (!select) return;
    var sync = function () {
      document.querySelectorAll(".custom-range").forEach(function (el) {
        el.hidden = select.value !== "custom";
      });
    };
    select.addEventListener("change", function () {
      sync();
      if (select.value !== "custom") select.form.submit();
    });
    sync();
  }

  function dropzone() {
    var zone = document.getElementById("dropzone");
    var input = document.getElementById("import-files");
    if (!zone || !input) return;
    var chosen = document.getElementById("chosen-files");
    var show = function () {
      chosen.textContent = Array.prototype.map.call(input.files, function (f) { return f.name; }).join(", ");
    };
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      input.files = event.dataTransfer.files;
      show();
      document.getElementById("preview-button").click();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
    customRange();
    dropzone();
  });
  document.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); });
})();
