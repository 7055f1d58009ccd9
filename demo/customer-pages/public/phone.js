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
    renderCall(state.calls[state.calls.length - 1]);
    renderLeg(state.legs[state.legs.length - 1]);
    var list = $("phone-list");
    list.textContent = "";
    state.phones.filter(function (p) { return p !== number; }).forEach(function (p) {
      var a = document.createElement("a");
      a.href = "/phone?number=" + encodeURIComponent(p);
      a.textContent = p + " ";
      list.appendChild(a);
    });
  }
  var SPOKEN = { ringing: "📞 ", say: "🔊 “", prompt: "🔊 “", music: "", beep: "", event: "— " };
  var live = null;
  function renderCall(call) {
    live = call && call.state !== "completed" ? call : null;
    $("phone-call").hidden = !!live;
    $("call-live").hidden = !call;
    if (!call) return;
    $("call-state").textContent = call.state === "queued" ? "on hold" : call.state;
    var lines = $("call-lines");
    lines.textContent = "";
    call.lines.forEach(function (l) {
      var div = document.createElement("div");
      div.className = "call-line";
      div.dataset.testid = "call-line";
      div.dataset.kind = l.kind;
      div.textContent = (SPOKEN[l.kind] || "") + l.text + (l.kind === "say" || l.kind === "prompt" ? "”" : "");
      lines.appendChild(div);
    });
    lines.scrollTop = lines.scrollHeight;
    $("call-keypad").hidden = !live;
    $("call-hang-up").hidden = !live;
    $("call-stop-recording").hidden = !(live && live.awaiting === "recording");
  }
  var leg = null;
  var LEG_STATES = { ringing: "📞 Incoming call from the business (a customer you accepted)", connected: "On the call with the customer", completed: "Call ended" };
  function renderLeg(l) {
    leg = l && l.state !== "completed" ? l : null;
    $("leg-panel").hidden = !l;
    if (!l) return;
    $("leg-state").textContent = LEG_STATES[l.state] + (l.state === "completed" && l.outcome ? " (" + l.outcome + ")" : "");
    $("leg-answer").hidden = !(leg && leg.state === "ringing");
    $("leg-decline").hidden = !(leg && leg.state === "ringing");
    $("leg-hang-up").hidden = !(leg && leg.state === "connected");
  }
  function legAction(path) {
    if (!leg) return;
    fetch("/api/phone/legs/" + leg.callSid + "/" + path, { method: "POST" }).then(function () { refresh(); });
  }
  $("leg-answer").addEventListener("click", function () { legAction("answer"); });
  $("leg-decline").addEventListener("click", function () { legAction("decline"); });
  $("leg-hang-up").addEventListener("click", function () { legAction("hang-up"); });
  function callAction(path, body) {
    if (!live) return;
    fetch("/api/phone/calls/" + live.sid + "/" + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body || {}) })
      .then(function () { refresh(); });
  }
  "123456789*0#".split("").forEach(function (key) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = key;
    b.dataset.testid = "call-key-" + key;
    b.addEventListener("click", function () { callAction("keys", { digits: key }); });
    $("call-keypad").appendChild(b);
  });
  $("call-stop-recording").addEventListener("click", function () { callAction("stop-recording"); });
  $("call-hang-up").addEventListener("click", function () { callAction("hang-up"); });
  $("phone-call").addEventListener("click", function () {
    fetch("/api/phone/calls", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ from: number }) })
      .then(function () { refresh(); });
  });
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
