// The letter composer, made instant. Every channel button also works without this file
// (it then posts the letter to a "ready" page of plain links). With it, a channel opens
// the real link built from the text on screen (mail program, webmail, contact form),
// copies to the clipboard, or opens the print page in a new tab; each reports itself with
// a beacon. Errors are shown next to their fields, in this tab, and nothing is opened.
(function () {
  "use strict";
  var printButton = document.getElementById("print-letter");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }
  var form = document.getElementById("composer");
  if (!form) { return; }
  document.documentElement.classList.add("js");
  var data = form.dataset;
  var subject = form.elements.subject;
  var body = form.elements.body;
  var limit = parseInt(data.mailtoLimit, 10) || 2000;
  var edited = false;

  // RFC 6068 / Python's quote(safe=""): everything but unreserved characters is encoded.
  function encode(text) {
    return encodeURIComponent(text).replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    });
  }
  function singleLine(text) { return text.split(/\s+/).filter(Boolean).join(" "); }
  function query(pairs) {
    return pairs.map(function (p) { return encode(p[0]) + "=" + encode(p[1]); }).join("&");
  }

  function links() {
    var to = data.to, su = singleLine(subject.value), text = body.value;
    var crlf = text.replace(/\r\n|\r|\n/g, "\r\n");
    return {
      email: "mailto:" + encode(to).replace(/%40/g, "@") + "?subject=" + encode(su) +
        "&body=" + encode(crlf),
      gmail: "https://mail.google.com/mail/?" +
        query([["view", "cm"], ["fs", "1"], ["to", to], ["su", su], ["body", text]]),
      outlook: "https://outlook.live.com/mail/0/deeplink/compose?" +
        query([["to", to], ["subject", su], ["body", text]]),
      contact_form: data.contact
    };
  }

  // The mail program's button is offered only while the link fits mail programs.
  function updateMailto() {
    var button = form.querySelector("button[value=email]");
    if (!button) { return; }
    var tooLong = links().email.length > limit;
    button.disabled = tooLong;
    document.getElementById("mailto-warning").hidden = !tooLong;
  }

  // --- Errors, next to their fields, in the page's own wording ---------------------
  function setError(field, message) {
    var box = field.closest(".field");
    var id = field.id + "-error";
    var old = document.getElementById(id);
    if (old) { old.remove(); }
    box.classList.toggle("field-error", Boolean(message));
    if (message) {
      var p = document.createElement("p");
      p.className = "error"; p.id = id; p.textContent = message;
      box.appendChild(p);
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", id);
    } else {
      field.removeAttribute("aria-invalid");
    }
  }
  function validate() {
    var els = form.elements, errors = [];
    var email = els.email.value.trim();
    var checks = [
      [els.name, els.name.value.trim() ? "" : data.msgName],
      [els.city, els.city.value.trim() || els.postal_code.value.trim() ? "" : data.msgPlace],
      [els.email, !email || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) ? "" : data.msgEmail],
      [body, body.value.trim() ? "" : data.msgBody]
    ];
    checks.forEach(function (check) {
      setError(check[0], check[1]);
      if (check[1]) { errors.push(check[0]); }
    });
    if (errors.length) { errors[0].focus(); }
    return errors.length === 0;
  }

  function report(channel) {
    var button = form.querySelector("button[value=" + channel + "]");
    if (button && navigator.sendBeacon) { navigator.sendBeacon(button.dataset.open); }
  }
  function say(channel, text) {
    var status = form.querySelector("[data-status=" + channel + "]");
    if (status) { status.textContent = text; }
  }
  function follow(href, newTab) {
    var a = document.createElement("a");
    a.href = href;
    if (newTab) { a.target = "_blank"; a.rel = "noopener"; }
    document.body.appendChild(a);
    a.click();
    a.remove();
  }
  function copyLetter() {
    return navigator.clipboard.writeText(subject.value + "\n\n" + body.value);
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=channel]");
    if (!button) { return; }
    var channel = button.value;
    if (!validate()) { event.preventDefault(); return; }
    if (timer || inflight) {
      // The details were just typed: put them into the letter first, then send it.
      event.preventDefault();
      clearTimeout(timer);
      timer = null;
      (inflight || rebuild()).then(function () { button.click(); });
      return;
    }
    if (channel === "print") {
      // The print page opens in a new tab once the letter is known to be complete.
      form.target = "_blank";
      setTimeout(function () { form.removeAttribute("target"); }, 0);
      return;
    }
    if (channel === "copy" && !navigator.clipboard) { return; }  // the page to copy from
    event.preventDefault();
    if (channel === "copy") {
      copyLetter().then(function () { say("copy", data.msgCopied); report("copy"); });
      return;
    }
    if (channel === "contact_form" && navigator.clipboard) {
      copyLetter().then(function () { say("contact_form", data.msgContactCopied); });
    }
    follow(links()[channel], channel !== "email");
    report(channel);
  });

  // --- Rebuild the letter from the choices, until the writer edits it --------------
  var timer = null;
  var inflight = null;  // the rebuild under way, if any
  function rebuild() {
    if (edited) { return Promise.resolve(); }  // never overwrite the writer's own text
    var params = new URLSearchParams({ representative: data.rep });
    ["name", "email", "address", "city", "postal_code", "personal", "lang"].forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value) { params.set(name, field.value); }
    });
    var demands = Array.prototype.filter.call(form.querySelectorAll("input[name=demands]"),
      function (box) { return box.checked; }).map(function (box) { return box.value; });
    params.set("demands", demands.join(","));
    inflight = fetch(data.api + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (letter) {
        if (!letter || edited) { return; }
        subject.value = letter.subject;
        body.value = letter.body;
        subject.lang = body.lang = letter.lang;
        updateMailto();
      })
      .catch(function () { /* the Update button still works */ })
      .then(function () { inflight = null; });
    return inflight;
  }

  function rebuildSoon() {
    clearTimeout(timer);
    timer = setTimeout(function () { timer = null; rebuild(); }, 250);
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "demands") { rebuild(); }
    if (event.target.name === "lang") {
      var note = document.getElementById("lang-edited");
      if (note) { note.hidden = !edited; }
      rebuild();
    }
  });
  ["name", "city", "postal_code", "address", "email", "personal"].forEach(function (name) {
    var field = form.elements[name];
    if (field) { field.addEventListener("input", rebuildSoon); }
  });
  [subject, body].forEach(function (field) {
    field.addEventListener("input", function () { edited = true; updateMailto(); });
  });
  updateMailto();
})();
