// The letter composer, made instant: rebuild the letter when demands change, keep the
// mailto link in step with the text, copy to the clipboard. Everything works without it.
(function () {
  "use strict";
  var form = document.getElementById("composer");
  var printButton = document.getElementById("print-letter");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }
  if (!form) { return; }
  var subject = form.querySelector("#subject");
  var body = form.querySelector("#body");
  var mailtoLink = document.getElementById("mailto-link");
  var edited = false;
  var MAILTO_LIMIT = 2000;

  // RFC 6068 / Python's quote(safe=""): everything but unreserved characters is encoded.
  function encode(text) {
    return encodeURIComponent(text).replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    });
  }
  function singleLine(text) { return text.split(/\s+/).filter(Boolean).join(" "); }

  function updateMailto() {
    if (!mailtoLink) { return; }
    var to = mailtoLink.getAttribute("href").slice(7).split("?")[0];
    var text = body.value.replace(/\r\n|\r|\n/g, "\r\n");
    mailtoLink.setAttribute("href", "mailto:" + to + "?subject=" + encode(singleLine(subject.value)) +
      "&body=" + encode(text));
    var warning = document.getElementById("mailto-warning");
    if (warning) { warning.hidden = mailtoLink.getAttribute("href").length <= MAILTO_LIMIT; }
  }

  function rebuild() {
    if (edited) { return; }  // never overwrite what the writer typed into the letter
    var params = new URLSearchParams({ representative: form.dataset.rep });
    ["name", "email", "address", "city", "postal_code", "personal"].forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value) { params.set(name, field.value); }
    });
    var demands = Array.prototype.filter.call(form.querySelectorAll("input[name=demands]"),
      function (box) { return box.checked; }).map(function (box) { return box.value; });
    params.set("demands", demands.join(","));
    fetch(form.dataset.api + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (letter) {
        if (!letter || edited) { return; }
        subject.value = letter.subject;
        body.value = letter.body;
        updateMailto();
      })
      .catch(function () { /* the Update button still works */ });
  }

  var timer = null;
  function rebuildSoon() { clearTimeout(timer); timer = setTimeout(rebuild, 250); }
  form.addEventListener("change", function (event) {
    if (event.target.name === "demands") { rebuild(); }
  });
  ["name", "city", "postal_code", "address", "email", "personal"].forEach(function (name) {
    var field = form.elements[name];
    if (field) { field.addEventListener("input", rebuildSoon); }
  });
  [subject, body].forEach(function (field) {
    field.addEventListener("input", function () { edited = true; updateMailto(); });
  });

  var copy = document.getElementById("copy-letter");
  var noJsCopy = form.querySelector(".nojs-copy");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    if (noJsCopy) { noJsCopy.hidden = true; }
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(subject.value + "\n\n" + body.value).then(function () {
        copy.textContent = "Copied";
        var data = new FormData();
        data.set("csrf_token", form.elements.csrf_token.value);
        data.set("channel", "copy");
        navigator.sendBeacon(form.dataset.track, data);
      });
    });
  }
  updateMailto();
})();
