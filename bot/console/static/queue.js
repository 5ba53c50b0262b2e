// The live queue: poll /api/queue; a new ticket rings a tone and shows a browser notification.
(function () {
  "use strict";
  var body = document.querySelector("#queue tbody");
  var empty = document.getElementById("queue-empty");
  var status = document.getElementById("queue-status");
  var interval = parseInt(document.body.dataset.pollMs, 10) || 1000;
  var known = null;
  var audio = null;

  function waited(seconds) {
    if (seconds < 60) { return seconds + " s"; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + " min"; }
    return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function ring(count) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + 0.25);
    } catch (e) { /* no sound available */ }
    if (window.Notification && Notification.permission === "granted") {
      new Notification("Ventanilla: " + count + " new conversation(s) waiting");
    }
    document.title = "(" + count + " new) Queue · Ventanilla";
  }

  function render(tickets) {
    body.textContent = "";
    tickets.forEach(function (t) {
      var row = document.createElement("tr");
      row.dataset.ticket = t.id;
      if (t.urgent) { row.className = "urgent"; }
      cell(row, t.person);
      var urgent = cell(row, "");
      if (t.urgent) { var b = document.createElement("span"); b.className = "badge-urgent"; b.textContent = "urgent"; urgent.appendChild(b); }
      cell(row, waited(t.waiting_seconds));
      cell(row, t.language); cell(row, t.channel); cell(row, t.country); cell(row, t.reason); cell(row, t.desk);
      cell(row, t.state === "queued" ? "waiting" : "with " + (t.agent || "staff"));
      var open = cell(row, "");
      var a = document.createElement("a"); a.href = t.url; a.textContent = "Open"; open.appendChild(a);
      body.appendChild(row);
    });
    empty.hidden = tickets.length > 0;
  }

  function poll() {
    var started = Date.now();
    fetch("/api/queue", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) { window.location = "/signin?expired=1"; throw new Error("signed out"); }
        return r.json();
      })
      .then(function (data) {
        var ids = data.tickets.map(function (t) { return t.id; });
        if (known !== null) {
          var fresh = data.tickets.filter(function (t) { return t.state === "queued" && known.indexOf(t.id) < 0; });
          if (fresh.length) { ring(fresh.length); status.textContent = fresh.length + " new conversation(s) waiting."; }
        }
        known = ids;
        render(data.tickets);
      })
      .catch(function () { status.textContent = "Connection lost; retrying…"; })
      .finally(function () { window.setTimeout(poll, Math.max(100, interval - (Date.now() - started))); });
  }

  document.getElementById("enable-alerts").addEventListener("click", function () {
    if (window.Notification) { Notification.requestPermission(); }
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    document.title = "Queue · Ventanilla";
  });
  window.addEventListener("focus", function () { document.title = "Queue · Ventanilla"; });
  poll();
})();
