// Review controls (issue 19): fill the add-span form's offsets from the text selection.
// No innerHTML: the selected (hostile) text is shown with textContent only.
"use strict";
(function () {
  // Character offset (in Unicode code points, as Python counts) of a DOM point inside #text.
  function offsetIn(root, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(root);
    range.setEnd(node, offset);
    return Array.from(range.toString()).length;
  }

  function setup() {
    var text = document.getElementById("text");
    var button = document.getElementById("rv-use-selection");
    var start = document.getElementById("rv-start");
    var end = document.getElementById("rv-end");
    var shown = document.getElementById("rv-selection");
    if (!text || !button || !start || !end) { return; }
    button.hidden = false;
    function current() {
      var sel = window.getSelection();
      if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { return null; }
      var r = sel.getRangeAt(0);
      if (!text.contains(r.startContainer) || !text.contains(r.endContainer)) { return null; }
      var a = offsetIn(text, r.startContainer, r.startOffset);
      var b = offsetIn(text, r.endContainer, r.endOffset);
      return a < b ? { start: a, end: b, text: r.toString() } : null;
    }
    var last = null;
    document.addEventListener("selectionchange", function () {
      var c = current();
      if (c) { last = c; }
    });
    button.addEventListener("click", function () {
      var c = current() || last;
      if (!c) { if (shown) { shown.textContent = "select some text in the article first"; } return; }
      start.value = String(c.start);
      end.value = String(c.end);
      if (shown) { shown.textContent = "\u201c" + c.text.slice(0, 80) + "\u201d"; }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
