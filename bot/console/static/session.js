// A warning two minutes before the idle timeout, with a button that keeps the session alive.
// Watching a live page is not activity on the server, so the warning counts from the page's load.
(function () {
  "use strict";
  var minutes = parseInt(document.body.dataset.idleMinutes, 10);
  var warning = document.getElementById("idle-warning");
  if (!minutes || !warning) { return; }
  var timer = null;
  function arm() {
    window.clearTimeout(timer);
    warning.hidden = true;
    timer = window.setTimeout(function () { warning.hidden = false; }, Math.max(0, (minutes - 2) * 60000));
  }
  document.getElementById("stay").addEventListener("click", function () {
    fetch("/api/ping", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": document.body.dataset.csrf } })
      .then(function (r) { if (r.ok) { arm(); } else { window.location.reload(); } });
  });
  arm();
})();
