// The embedded counter keeps itself up to date: it asks the public counts API again
// every few seconds (never faster than the page says) and moves the number and the bar.
// Without this file the counter shows the count of the moment it was loaded.
(function () {
  "use strict";
  var root = document.getElementById("embed");
  if (!root || !window.fetch) { return; }
  var seconds = Math.max(parseInt(root.dataset.pollSeconds, 10) || 30, 5);
  var language = document.documentElement.lang || "en";
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(language) : null;

  function show(counts) {
    if (root.dataset.empty === "true") {
      if (counts.total > 0) { window.location.reload(); }
      return;
    }
    var total = document.getElementById("embed-total");
    var label = document.getElementById("embed-label");
    var progress = document.getElementById("embed-progress");
    total.textContent = counts.total.toLocaleString(language);
    var one = plural ? plural.select(counts.total) === "one" : counts.total === 1;
    label.textContent = one ? label.dataset.one : label.dataset.other;
    progress.value = Math.min(counts.total, counts.goal);
    progress.textContent = (Math.round(1000 * counts.total / counts.goal) / 10) + "%";
  }

  function poll() {
    fetch(root.dataset.countsUrl, {credentials: "omit"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) { if (counts) { show(counts); } })
      .catch(function () { /* keep the last count; try again next time */ })
      .then(function () { window.setTimeout(poll, seconds * 1000); });
  }
  window.setTimeout(poll, seconds * 1000);
}());
