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

  // A live count of characters under a text box with a limit (data-max-length): a long paste is
  // not cut, the count says by how much it is over, and the form's check refuses it with a message.
  function count(area) {
    var out = area.stroydeskCounter;
    if (!out) {
      out = document.createElement("p");
      out.className = "help char-count";
      out.setAttribute("aria-live", "polite");
      area.insertAdjacentElement("afterend", out);
      area.stroydeskCounter = out;
    }
    var max = parseInt(area.getAttribute("data-max-length"), 10);
    var over = area.value.length > max;
    var text = area.getAttribute(over ? "data-counter-over" : "data-counter") || "%(count)s / %(max)s";
    out.textContent = text.replace("%(count)s", area.value.length).replace("%(max)s", max);
    out.classList.toggle("char-count-over", over);
  }
  function countAll() {
    document.querySelectorAll("textarea[data-max-length]").forEach(count);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-max-length]")) count(event.target);
  });
  document.addEventListener("DOMContentLoaded", countAll);
  document.addEventListener("htmx:afterSwap", countAll);
})();
