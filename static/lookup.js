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
  // The page gives the words in its language: data-one and data-other, with {n} for the number.
  var language = document.documentElement.lang || "en";
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(language) : null;
  function found(n) {
    var one = plural ? plural.select(n) === "one" : n === 1;
    var words = one ? count.dataset.one : count.dataset.other;
    return words.replace("{n}", n.toLocaleString(language));
  }
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
    count.textContent = words.length ? found(shown) : "";
  });
})();
