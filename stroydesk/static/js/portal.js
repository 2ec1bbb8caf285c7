// Small enhancements of the portal; every page works without them.
(function () {
  "use strict";

  // "Tick all" in the operator's queue.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("select-all")) return;
    var form = box.closest("form");
    if (!form) return;
    form.querySelectorAll("input.row-check").forEach(function (row) {
      row.checked = box.checked;
    });
  });

  // Move the keyboard focus into a dialog that HTMX has just opened (escalation).
  document.addEventListener("htmx:afterSwap", function (event) {
    var dialog = event.target.querySelector && event.target.querySelector("[role=dialog]");
    if (dialog) {
      var first = dialog.querySelector("select, textarea, input, button");
      if (first) first.focus();
    }
  });

  // Messages that HTMX put into the message area are read out and seen: scroll to them.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "messages") {
      event.target.scrollIntoView({ block: "nearest" });
    }
  });
})();
