// Try the assistant: post each message to the console, which forwards it to Rasa's REST channel.
(function () {
  "use strict";
  var csrf = document.body.dataset.csrf;
  var chat = document.getElementById("chat");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var error = document.getElementById("chat-error");

  function show(text, who) {
    var div = document.createElement("div");
    div.className = "msg " + who;
    div.textContent = text;
    chat.appendChild(div);
    chat.scrollTop = chat.scrollHeight;
    return div;
  }

  function send(body, shown) {
    show(shown, "user");
    error.hidden = true;
    fetch("/api/try", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
      .then(function (res) {
        if (!res.ok) { throw new Error(res.data.error || "error"); }
        res.data.messages.forEach(function (m) {
          var div = show(m.text, "bot");
          m.buttons.forEach(function (b) {
            var button = document.createElement("button");
            button.type = "button";
            button.className = "option";
            button.textContent = b.title;
            button.addEventListener("click", function () { send({ payload: b.payload }, b.title); });
            div.appendChild(document.createElement("br"));
            div.appendChild(button);
          });
        });
      })
      .catch(function (e) { error.textContent = error.dataset.failed + " " + e.message; error.hidden = false; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send({ message: text }, text);
  });
})();
