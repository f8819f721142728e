// Narrascope UI: progressive enhancement only (the pages work without it).
// No inline handlers, no innerHTML: text is set with textContent so article content stays inert.
"use strict";
(function () {
  var COLOURS = ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "ev", "long", "none"];

  function spanTable() {
    var holder = document.getElementById("span-table");
    if (!holder) { return null; }
    try { return JSON.parse(holder.getAttribute("data-json") || "[]"); } catch (e) { return null; }
  }

  // One highlight layer at a time: the same rule as web/highlight.py paint().
  function setupLayers(table) {
    var form = document.getElementById("layers");
    var text = document.getElementById("text");
    if (!table || !form || !text) { return; }
    var marks = text.querySelectorAll("mark");
    var slider = document.getElementById("threshold");
    var out = document.getElementById("threshold-value");
    var article = document.getElementById("article");
    function current() {
      var r = form.querySelector("input[name=layer]:checked");
      return r ? r.value : "none";
    }
    function threshold() { return slider ? Number(slider.value) || 0 : 0; }
    function paint() {
      var layer = current(), thr = threshold();
      marks.forEach(function (m) {
        COLOURS.forEach(function (c) { m.classList.remove(c); });
        var cls = "";
        if (layer === "evidence") {
          cls = m.getAttribute("data-ev") ? "ev" : "";
        } else {
          var ids = (m.getAttribute("data-spans") || "").split(" ").filter(Boolean);
          for (var k = 0; k < ids.length; k++) {
            var s = table[Number(ids[k])];
            if (!s || s.kind !== layer) { continue; }
            if (s.score !== null && s.score !== undefined && Number(s.score) < thr) { continue; }
            cls = s.oc + (s.long ? " long" : "");
            break;
          }
        }
        (cls || "none").split(" ").forEach(function (c) { m.classList.add(c); });
      });
      document.querySelectorAll("#legend .legend-layer").forEach(function (ul) {
        ul.hidden = ul.getAttribute("data-layer") !== layer;
      });
      if (out) { out.textContent = thr.toFixed(2); }
      if (article) { article.setAttribute("data-layer", layer); }
      var hidden = 0;
      document.querySelectorAll("#panel .item[data-score]").forEach(function (it) {
        var v = it.getAttribute("data-score");
        var below = v !== "" && Number(v) < thr;
        it.classList.toggle("below", below);
        if (below) { hidden += 1; }
      });
      var note = document.getElementById("below-note");
      if (note) {
        note.hidden = hidden === 0;
        note.textContent = hidden + " item" + (hidden === 1 ? "" : "s") + " below the confidence threshold hidden.";
      }
      var url = new URL(window.location.href);
      url.searchParams.set("layer", layer);
      if (thr > 0) { url.searchParams.set("threshold", thr.toFixed(2)); } else { url.searchParams.delete("threshold"); }
      window.history.replaceState(null, "", url.toString());
    }
    form.addEventListener("change", paint);
    if (slider) { slider.addEventListener("input", paint); }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); paint(); });
    // panel links: switch to their layer, scroll to the text and flash it
    document.querySelectorAll("#panel a.goto").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        var start = Number(a.getAttribute("data-start")), end = Number(a.getAttribute("data-end"));
        var layer = a.getAttribute("data-layer");
        var radio = layer ? form.querySelector("input[name=layer][value='" + layer + "']") : null;
        if (radio && !radio.checked) { radio.checked = true; paint(); }
        var pieces = text.querySelectorAll("[data-start]");
        var first = null;
        document.querySelectorAll("#text .flash").forEach(function (m) { m.classList.remove("flash"); });
        pieces.forEach(function (m) {
          var s = Number(m.getAttribute("data-start")), e = Number(m.getAttribute("data-end"));
          if (s < end && e > start) { m.classList.add("flash"); if (!first) { first = m; } }
        });
        if (first) {
          ev.preventDefault();
          first.scrollIntoView({ block: "center" });
        }
      });
    });
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
        head.textContent = s.kind + ": " + (s.name || s.label) + (s.score === null || s.score === undefined ? "" : " (" + Number(s.score).toFixed(2) + ")");
        head.title = s.label;
        var quote = document.createElement("div");
        quote.className = "muted";
        quote.textContent = "\u201c" + s.text + "\u201d [" + s.start + "\u2013" + s.end + ")";
        li.appendChild(head);
        li.appendChild(quote);
        list.appendChild(li);
      });
      if (mark.getAttribute("data-ev")) {
        var li = document.createElement("li");
        li.textContent = "evidence for the selected label";
        list.appendChild(li);
      }
      box.hidden = list.childNodes.length === 0;
    });
  }

  // Click a header to sort; numbers sort as numbers (data-sort overrides the cell text).
  function setupSortable() {
    document.querySelectorAll("table.sortable").forEach(function (tbl) {
      var heads = tbl.querySelectorAll("thead th");
      heads.forEach(function (th, col) {
        th.tabIndex = 0;
        function sort() {
          var asc = th.getAttribute("aria-sort") !== "ascending";
          heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
          th.setAttribute("aria-sort", asc ? "ascending" : "descending");
          var body = tbl.tBodies[0];
          // rows that belong to the row above (detail rows) move with it
          var groups = [];
          Array.prototype.forEach.call(body.rows, function (r) {
            if (r.classList.contains("sentence-row") && groups.length) { groups[groups.length - 1].push(r); }
            else { groups.push([r]); }
          });
          function key(g) {
            var cell = g[0].cells[col];
            var raw = cell ? (cell.getAttribute("data-sort") || cell.textContent.trim()) : "";
            var num = Number(raw.replace(/,/g, ""));
            return raw !== "" && !isNaN(num) ? num : raw.toLowerCase();
          }
          groups.sort(function (a, b) {
            var x = key(a), y = key(b);
            var c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
            return asc ? c : -c;
          });
          groups.forEach(function (g) { g.forEach(function (r) { body.appendChild(r); }); });
        }
        th.addEventListener("click", sort);
        th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { sort(); } });
      });
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
    setupSortable();
    var table = spanTable();
    setupLayers(table);
    setupSpanDetail(table);
  });
})();
