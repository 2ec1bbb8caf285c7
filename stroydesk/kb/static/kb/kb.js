/* Knowledge base helpers: "insert link" / "insert quote" buttons of the operator's request card.
   A button carries the text in data-kb-insert and, optionally, a CSS selector of the answer's
   textarea in data-kb-target; without one, the first textarea named "text" or "answer" is used. */
(function () {
  if (window.stroydeskKbBound) { return; }
  window.stroydeskKbBound = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-kb-insert]");
    if (!button) { return; }
    var selector = button.getAttribute("data-kb-target") ||
      "textarea[name=text], textarea[name=answer], textarea";
    var area = document.querySelector(selector);
    if (!area) { return; }
    var insert = button.getAttribute("data-kb-insert");
    var start = area.selectionStart || area.value.length;
    var end = area.selectionEnd || start;
    var before = area.value.slice(0, start);
    var glue = before && !/\s$/.test(before) ? "\n" : "";
    area.value = before + glue + insert + area.value.slice(end);
    area.focus();
    area.selectionStart = area.selectionEnd = (before + glue + insert).length;
    area.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
