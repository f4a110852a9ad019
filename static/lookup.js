// Filter a long list of MEPs by name or party; without JavaScript the groups open one by one.
(function () {
  "use strict";
  var box = document.querySelector("[data-filter]");
  if (!box) return;
  var field = box.querySelector("[data-filter-box]");
  var input = box.querySelector("#mep-filter");
  var count = box.querySelector("[data-filter-count]");
  var groups = Array.prototype.slice.call(box.querySelectorAll(".mep-group"));
  field.hidden = false;
  input.addEventListener("input", function () {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    groups.forEach(function (group) {
      var hits = 0;
      group.querySelectorAll("li").forEach(function (item) {
        var text = item.getAttribute("data-search");
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        item.hidden = !match;
        if (match) hits += 1;
      });
      group.hidden = hits === 0;
      group.open = words.length > 0 && hits > 0;
      shown += hits;
    });
    count.textContent = words.length ? shown + (shown === 1 ? " member found" : " members found") : "";
  });
})();
