// Narrascope UI: progressive enhancement only (the pages work without it).
// No inline handlers, no innerHTML: text is set with textContent so article content stays inert.
"use strict";
(function () {
  function recolour(mark, hidden) {
    var classes = (mark.getAttribute("data-c") || "").split(" ").filter(Boolean);
    var visible = classes.filter(function (c) { return !hidden.has(c); });
    classes.forEach(function (c) { mark.classList.remove(c); });
    mark.classList.toggle("off", visible.length === 0 && !mark.classList.contains("ev"));
    mark.classList.toggle("multi", visible.length > 1);
    if (visible.length) { mark.classList.add(visible[0]); }
  }

  function setupLegend() {
    var toggles = document.querySelectorAll("input.kind-toggle");
    if (!toggles.length) { return; }
    var marks = document.querySelectorAll("#text mark");
    function apply() {
      var hidden = new Set();
      toggles.forEach(function (t) { if (!t.checked) { hidden.add(t.value); } });
      marks.forEach(function (m) { recolour(m, hidden); });
    }
    toggles.forEach(function (t) { t.addEventListener("change", apply); });
  }

  function setupSpanDetail() {
    var holder = document.getElementById("span-table");
    var box = document.getElementById("span-detail");
    var list = document.getElementById("span-detail-list");
    var text = document.getElementById("text");
    if (!holder || !box || !list || !text) { return; }
    var table;
    try { table = JSON.parse(holder.getAttribute("data-json") || "[]"); } catch (e) { return; }
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
    setupLegend();
    setupSpanDetail();
  });
})();
