// Live transcript: poll /api/tickets/<id> and redraw when something changed (the person's replies,
// delivery states, another agent's action).
(function () {
  "use strict";
  var root = document.getElementById("conversation");
  var transcript = document.getElementById("transcript");
  var stateCell = document.getElementById("ticket-state");
  var interval = parseInt(document.body.dataset.pollMs, 10) || 1000;
  var last = null;
  var shownState = stateCell.textContent;
  var names = { person: "Person", bot: "Assistant", system: "system", sent: "Sent automatically" };

  function draw(lines) {
    transcript.textContent = "";
    lines.forEach(function (line) {
      var div = document.createElement("div");
      div.className = "msg " + line.kind;
      var meta = document.createElement("span");
      meta.className = "meta";
      var who = line.kind === "staff" ? (line.author || "Staff")
        : line.kind === "note" ? "Note by " + (line.author || "staff")
        : line.kind === "system" ? (line.author || "system") : names[line.kind];
      meta.textContent = line.at + " · " + who + (line.delivery ? " · " : "");
      if (line.delivery) { var d = document.createElement("span"); d.className = "delivery"; d.textContent = line.delivery; meta.appendChild(d); }
      div.appendChild(meta);
      div.appendChild(document.createTextNode(line.text));
      transcript.appendChild(div);
    });
    transcript.scrollTop = transcript.scrollHeight;
  }

  function poll() {
    var started = Date.now();
    fetch("/api/tickets/" + root.dataset.ticket, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) { window.location = "/signin?expired=1"; throw new Error("signed out"); }
        return r.json();
      })
      .then(function (data) {
        if (data.state !== shownState) { window.location.reload(); return; }
        var text = JSON.stringify(data.lines);
        if (text !== last) { last = text; draw(data.lines); }
      })
      .catch(function () { /* retry on the next tick */ })
      .finally(function () { window.setTimeout(poll, Math.max(100, interval - (Date.now() - started))); });
  }
  transcript.scrollTop = transcript.scrollHeight;
  poll();
})();
