/* The portal's only script. Every page works without it; with it:
   - the error summary takes the focus, so a screen reader reads the problems first;
   - a form is sent once even if its button is clicked twice;
   - NCALayer (wss://127.0.0.1:13579) signs the document shown and the form sends it in the text field;
   - an open case counts down its term and reloads when its status changes. */
(function () {
  "use strict";
  var NCALAYER_URL = "wss://127.0.0.1:13579";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function message(root, key) {
    var item = root.querySelector('[data-ncalayer-messages] [data-key="' + key + '"]');
    return item ? item.textContent.trim() : key;
  }

  function sendOnce(form) {
    form.addEventListener("submit", function () {
      if (form.dataset.sent === "1") { return; }
      form.dataset.sent = "1";
      // After the browser has read the clicked button's name and value.
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  }

  /* NCALayer answers {"status":true,"body":{"result":["<xml>"]}} (module kz.gov.pki.knca.basics), or
     {"code":"200","responseObject":"<xml>"} (the legacy commonUtils); a body without a result: cancelled. */
  function readReply(data) {
    if (data && data.status === true) {
      var result = data.body && data.body.result;
      if (Array.isArray(result) && result.length) { return { signed: result[0] }; }
      if (typeof result === "string" && result) { return { signed: result }; }
      return { cancelled: true };
    }
    if (data && data.status === false) { return { error: data.message || data.code || "" }; }
    if (data && String(data.code) === "200" && data.responseObject) { return { signed: data.responseObject }; }
    if (data && data.code && String(data.code) !== "200") { return { error: data.message || data.code }; }
    return null;  // a greeting (NCALayer's version) or something else: keep waiting
  }

  function ncalayer(form) {
    var button = form.querySelector("[data-ncalayer-sign]");
    var dataNode = document.getElementById("ncalayer-data");
    if (!button || !dataNode) { return; }
    var data = JSON.parse(dataNode.textContent);
    var status = form.querySelector("[data-ncalayer-status]");
    function say(key, extra, isError) {
      status.textContent = message(form, key) + (extra ? " " + extra : "");
      status.classList.toggle("sign-status--error", !!isError);
    }
    button.addEventListener("click", function () {
      var socket;
      var done = false;
      button.disabled = true;
      say("connecting");
      try {
        socket = new WebSocket(NCALAYER_URL);
      } catch (e) {
        button.disabled = false;
        say("unavailable", "", true);
        return;
      }
      function finish() { done = true; button.disabled = false; try { socket.close(); } catch (e) { /* closed */ } }
      socket.onopen = function () {
        say("signing");
        socket.send(JSON.stringify({
          module: "kz.gov.pki.knca.basics",
          method: "sign",
          args: {
            allowedStorages: null,
            format: "xml",
            data: data.xml,
            signingParams: {},
            signerParams: { extKeyUsageOids: ["1.3.6.1.5.5.7.3.4"] },
            locale: data.locale
          }
        }));
      };
      socket.onmessage = function (event) {
        var reply;
        try { reply = readReply(JSON.parse(event.data)); } catch (e) { reply = { error: "" }; }
        if (!reply) { return; }
        finish();
        if (reply.signed) {
          say("sending");
          form.querySelector('[name="' + data.field + '"]').value = reply.signed;
          var file = form.querySelector('input[type="file"]');
          if (file) { file.value = ""; }
          var way = document.createElement("input");
          way.type = "hidden"; way.name = "sign_with"; way.value = "ncalayer";
          form.appendChild(way);
          form.dataset.sent = "1";
          form.submit();
        } else if (reply.cancelled) {
          say("cancelled");
        } else {
          say("failed", reply.error, true);
        }
      };
      socket.onerror = function () { if (!done) { finish(); say("unavailable", "", true); } };
      socket.onclose = function () { if (!done) { finish(); say("unavailable", "", true); } };
    });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function countdown(node) {
    var deadline = Date.parse(node.dataset.deadline);
    var left = node.querySelector("[data-countdown]");
    var template = node.querySelector("[data-countdown-template]");
    var over = node.querySelector("[data-countdown-over]");
    if (isNaN(deadline) || !left || !template || !over) { return; }
    function tick() {
      var seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      if (seconds === 0) { left.textContent = over.textContent; return; }
      var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
      var time = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
      left.textContent = template.textContent.replace("%(time)s", time);
    }
    tick();
    window.setInterval(tick, 1000);
    var url = node.dataset.statusUrl;
    if (!url || !window.fetch) { return; }
    window.setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) { if (body && body.status && body.status !== node.dataset.status) { window.location.reload(); } })
        .catch(function () { /* offline: the page stays as it is */ });
    }, 10000);
  }

  ready(function () {
    document.querySelectorAll("[data-js-only]").forEach(function (n) { n.hidden = false; });
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
    document.querySelectorAll("main form[method=post]").forEach(sendOnce);
    document.querySelectorAll("[data-sign-form]").forEach(ncalayer);
    document.querySelectorAll("[data-deadline]").forEach(countdown);
  });
}());
