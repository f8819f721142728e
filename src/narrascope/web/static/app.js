// Narrascope UI: progressive enhancement only (the pages work without it).
// No inline handlers, no innerHTML: text is set with textContent so article content stays inert.
"use strict";
(function () {
  var PALETTE = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11"];

  function spanTable() {
    var holder = document.getElementById("span-table");
    if (!holder) { return null; }
    try { return JSON.parse(holder.getAttribute("data-json") || "[]"); } catch (e) { return null; }
  }

  // Recolour every highlight from the spans still visible: the shortest visible span gives the colour.
  function setupLegend(table) {
    var kindToggles = document.querySelectorAll("input.kind-toggle");
    var labelToggles = document.querySelectorAll("input.label-toggle");
    if (!table || !kindToggles.length) { return; }
    var marks = document.querySelectorAll("#text mark");
    function apply() {
      var hiddenKinds = new Set(), hiddenLabels = new Set();
      kindToggles.forEach(function (t) { if (!t.checked) { hiddenKinds.add(t.value); } });
      labelToggles.forEach(function (t) { if (!t.checked) { hiddenLabels.add(t.value); } });
      marks.forEach(function (m) {
        var ids = (m.getAttribute("data-spans") || "").split(" ").filter(Boolean);
        var visible = ids.map(function (i) { return table[Number(i)]; }).filter(function (s) {
          return s && !hiddenKinds.has(s.colour) && !hiddenLabels.has(s.lid);
        });
        PALETTE.forEach(function (c) { m.classList.remove(c); });
        if (visible.length) { m.classList.add(visible[0].colour); }
        m.classList.toggle("long", visible.length > 0 && visible[0].long === true);
        m.classList.toggle("multi", visible.length > 1);
        m.classList.toggle("off", visible.length === 0 && !m.classList.contains("ev"));
      });
    }
    kindToggles.forEach(function (t) { t.addEventListener("change", apply); });
    labelToggles.forEach(function (t) { t.addEventListener("change", apply); });
  }

  function setupSpanDetail(table) {
    var box = document.getElementById("span-detail");
    var list = document.getElementById("span-detail-list");
    var text = document.getElementById("text");
    if (!table || !box || !list || !text) { return; }
    text.addEventListener("click", function (ev) {
      var mark = ev.target.closest ? ev.target.closest("mark") : null;
      if (!mark) { return; }
      document.querySelectorAll("#text mark.focus").forEach(function (m) { m.classList.remove("focus"); });
      mark.classList.add("focus");
      while (list.firstChild) { list.removeChild(list.firstChild); }
      var ids = (mark.getAttribute("data-spans") || "").split(" ").filter(Boolean);
      ids.forEach(function (i) {
        var s = table[Number(i)];
        if (!s) { return; }
        var li = document.createElement("li");
        var head = document.createElement("strong");
        head.textContent = s.kind + ": " + s.label + (s.score === null || s.score === undefined ? "" : " (" + Number(s.score).toFixed(2) + ")");
        var quote = document.createElement("div");
        quote.className = "muted";
        quote.textContent = "\u201c" + s.text + "\u201d [" + s.start + "\u2013" + s.end + ")";
        li.appendChild(head);
        li.appendChild(quote);
        list.appendChild(li);
      });
      if (mark.classList.contains("ev")) {
        var li = document.createElement("li");
        li.textContent = "evidence for the selected label";
        list.appendChild(li);
      }
      box.hidden = list.childNodes.length === 0;
    });
  }

  function setupFilters() {
    // drop empty fields so result URLs stay short and shareable
    document.querySelectorAll("form.filters").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("input, select").forEach(function (el) {
          if (!el.value) { el.disabled = true; }
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupFilters();
    var table = spanTable();
    setupLegend(table);
    setupSpanDetail(table);
  });
})();
