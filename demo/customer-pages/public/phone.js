// The simulated phone: which number it is (?number=, else a random demo number), its thread, polled.
(function () {
  var $ = function (id) { return document.querySelector('[data-testid="' + id + '"]'); };
  var params = new URLSearchParams(location.search);
  var number = params.get("number") || "+1212555" + String(Math.floor(1000 + Math.random() * 9000));
  var shown = -1;
  var TICKS = { queued: "…", sent: "✓ sent", delivered: "✓✓ delivered", undelivered: "✗ not delivered", sending: "sending…", received: "✓ sent", refused: "✗ refused" };

  function label(m) {
    var tick = TICKS[m.status] || m.status;
    if (m.errorCode) tick += " (" + (m.status === "refused" ? "HTTP " : "error ") + m.errorCode + ")";
    return new Date(m.at).toLocaleTimeString() + " · " + tick;
  }
  function render(state) {
    var thread = $("phone-thread");
    thread.textContent = "";
    state.thread.forEach(function (m) {
      var b = document.createElement("div");
      b.className = "bubble";
      b.dataset.testid = "phone-message";
      b.dataset.direction = m.direction;
      b.dataset.status = m.status;
      b.textContent = m.body;
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.dataset.testid = "phone-tick";
      meta.textContent = label(m);
      b.appendChild(meta);
      thread.appendChild(b);
    });
    thread.scrollTop = thread.scrollHeight;
    var list = $("phone-list");
    list.textContent = "";
    state.phones.filter(function (p) { return p !== number; }).forEach(function (p) {
      var a = document.createElement("a");
      a.href = "/phone?number=" + encodeURIComponent(p);
      a.textContent = p + " ";
      list.appendChild(a);
    });
  }
  function refresh() {
    return fetch("/api/phone?number=" + encodeURIComponent(number))
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.error) { $("phone-error").textContent = state.error.message; return; }
        if (state.version !== shown) { shown = state.version; render(state); }
      })
      .catch(function () { /* the demo stopped or restarted: the next poll tries again */ });
  }
  function use(n) {
    number = n.trim();
    $("phone-number").value = number;
    history.replaceState(null, "", "/phone?number=" + encodeURIComponent(number));
    shown = -1;
    refresh();
  }
  $("phone-use").addEventListener("click", function () { use($("phone-number").value); });
  $("phone-composer").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = $("phone-text");
    var body = input.value;
    if (!body.trim()) return;
    input.value = "";
    fetch("/api/phone/texts", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ from: number, body: body }) })
      .then(function (r) { return r.json(); })
      .then(function (res) { $("phone-error").textContent = res.error ? res.error.message : ""; refresh(); });
  });
  use(number);
  setInterval(refresh, 500);
})();
