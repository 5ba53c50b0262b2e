// The live queue: poll /api/queue; a new ticket rings a tone and shows a browser notification.
(function () {
  "use strict";
  var table = document.getElementById("queue");
  var body = table.querySelector("tbody");
  var labels = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent; });
  var words = table.dataset;
  var empty = document.getElementById("queue-empty");
  var status = document.getElementById("queue-status");
  var interval = parseInt(document.body.dataset.pollMs, 10) || 1000;
  var known = null;
  var audio = null;

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    td.dataset.label = labels[row.children.length] || "";
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
      new Notification("Ventanilla: " + words.new.replace("{n}", count));
    }
    document.title = "(" + count + ") " + words.title;
  }

  function render(tickets) {
    body.textContent = "";
    tickets.forEach(function (t) {
      var row = document.createElement("tr");
      row.dataset.ticket = t.id;
      if (t.urgent) { row.className = "urgent"; }
      cell(row, t.person);
      var urgent = cell(row, "");
      if (t.urgent) { var b = document.createElement("span"); b.className = "badge-urgent"; b.textContent = words.urgent; urgent.appendChild(b); }
      else { urgent.className = "empty"; }
      cell(row, t.waiting_text);
      cell(row, t.language_name); cell(row, t.channel); cell(row, t.country_name); cell(row, t.reason_text); cell(row, t.desk);
      cell(row, t.state_text);
      var open = cell(row, "");
      open.className = "open";
      var a = document.createElement("a"); a.href = t.url; a.textContent = words.open; a.className = "button"; open.appendChild(a);
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
          if (fresh.length) { ring(fresh.length); status.textContent = words.new.replace("{n}", fresh.length); }
        }
        known = ids;
        render(data.tickets);
      })
      .catch(function () { status.textContent = words.lost; })
      .finally(function () { window.setTimeout(poll, Math.max(100, interval - (Date.now() - started))); });
  }

  document.getElementById("enable-alerts").addEventListener("click", function () {
    if (window.Notification) { Notification.requestPermission(); }
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    document.title = words.title;
  });
  window.addEventListener("focus", function () { document.title = words.title; });
  poll();
})();
