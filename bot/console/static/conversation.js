// The conversation page: live transcript (poll /api/tickets/<id>), drafts kept in this tab across a
// sign-out, a character count that never cuts a paste, and confirmations before close and transfer.
(function () {
  "use strict";
  var root = document.getElementById("conversation");
  var transcript = document.getElementById("transcript");
  var interval = parseInt(document.body.dataset.pollMs, 10) || 1000;
  var ticket = root.dataset.ticket;
  var shownState = root.dataset.state;
  var last = null;

  // A message beside its machine translation; the person's language marks the text they read or wrote.
  function pair(first, label, second, personWroteFirst) {
    var box = document.createElement("div");
    box.className = "pair";
    var a = document.createElement("div");
    a.className = "original";
    a.textContent = first;
    var b = document.createElement("div");
    b.className = "translation";
    var tag = document.createElement("span");
    tag.className = "label";
    tag.textContent = label;
    b.appendChild(tag);
    b.appendChild(document.createTextNode(second));
    (personWroteFirst ? a : b).lang = root.dataset.personLanguage;
    box.appendChild(a);
    box.appendChild(b);
    return box;
  }

  function draw(lines) {
    transcript.textContent = "";
    lines.forEach(function (line) {
      var div = document.createElement("div");
      div.className = "msg " + line.kind;
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = line.at + " · " + line.who + (line.delivery ? " · " : "");
      if (line.delivery) { var d = document.createElement("span"); d.className = "delivery"; d.textContent = line.delivery; meta.appendChild(d); }
      div.appendChild(meta);
      if (line.translation) {
        div.appendChild(pair(line.text, root.dataset.labelTranslation, line.translation, true));
      } else if (line.original) {
        div.appendChild(pair(line.original, root.dataset.labelSent, line.text, false));
      } else {
        div.appendChild(document.createTextNode(line.text));
      }
      transcript.appendChild(div);
    });
    transcript.scrollTop = transcript.scrollHeight;
  }

  // Drafts live in this tab's sessionStorage until the server confirms they were sent.
  function keep(box, name) {
    if (!box) { return; }
    var key = "draft:" + ticket + ":" + name;
    var done = root.dataset.done;
    if ((name === "reply" && done === "replied") || (name === "note" && done === "noted")) {
      window.sessionStorage.removeItem(key);
    } else if (!box.value && window.sessionStorage.getItem(key)) {
      box.value = window.sessionStorage.getItem(key);
    }
    box.addEventListener("input", function () { window.sessionStorage.setItem(key, box.value); });
    if (box.value) { window.sessionStorage.setItem(key, box.value); }
  }
  var reply = document.getElementById("reply-text");
  keep(reply, "reply");
  keep(document.getElementById("note-text"), "note");

  var count = document.getElementById("reply-count");
  function counted() {
    if (!reply || !count) { return; }
    var max = parseInt(reply.dataset.max, 10);
    var n = reply.value.length;
    count.textContent = n > max ? count.dataset.over.replace("{n}", n.toLocaleString()) : (n ? n + " / " + max : "");
    count.className = n > max ? "error" : "hint";
  }
  if (reply) { reply.addEventListener("input", counted); counted(); }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  function signedOut() {
    window.location = "/signin?expired=1&next=" + encodeURIComponent("/tickets/" + ticket);
  }

  function poll() {
    var started = Date.now();
    fetch("/api/tickets/" + ticket, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) { signedOut(); throw new Error("signed out"); }
        return r.json();
      })
      .then(function (data) {
        if (data.state !== shownState) { window.location = "/tickets/" + ticket; return; }
        var problem = document.getElementById("translation-problem");
        if (problem) { problem.textContent = data.translation_problem || ""; problem.hidden = !data.translation_problem; }
        var text = JSON.stringify(data.lines);
        if (text !== last) { last = text; draw(data.lines); }
      })
      .catch(function () { /* retry on the next tick */ })
      .finally(function () { window.setTimeout(poll, Math.max(100, interval - (Date.now() - started))); });
  }
  transcript.scrollTop = transcript.scrollHeight;
  poll();
})();
