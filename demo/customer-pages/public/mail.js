// The customer's mail client: one mailbox (?address=, else a random demo address), polled; a reply to a
// mail of the business threads with it (the demo's server sends it to that mail's Reply-To).
(function () {
  var $ = function (id) { return document.querySelector('[data-testid="' + id + '"]'); };
  var business = document.currentScript.dataset.business;
  var params = new URLSearchParams(location.search);
  var address = params.get("address") || "customer" + Math.floor(1000 + Math.random() * 9000) + "@customer.test";
  var replyingTo = null;
  var shown = -1;

  function compose(original) {
    replyingTo = original ? original.messageId : null;
    $("mail-to").textContent = original ? (original.replyTo || business) : business;
    $("mail-subject").value = original ? (/^re:/i.test(original.subject) ? original.subject : "Re: " + original.subject) : "";
    $("mail-text").focus();
  }
  function render(state) {
    var list = $("mail-items");
    list.textContent = "";
    state.mailbox.slice().reverse().forEach(function (m) {
      var item = document.createElement("div");
      item.className = "mail-item";
      item.dataset.testid = "mail-item";
      item.dataset.direction = m.direction;
      var head = document.createElement("div");
      head.className = "meta";
      head.textContent = (m.direction === "to_business" ? "To " + m.to.join(", ") : "From " + m.from) + " · " + new Date(m.at).toLocaleTimeString();
      var subject = document.createElement("strong");
      subject.dataset.testid = "mail-item-subject";
      subject.textContent = m.subject;
      var text = document.createElement("pre");
      text.textContent = m.text;
      item.append(head, subject, text);
      if (m.direction === "from_business") {
        var reply = document.createElement("button");
        reply.dataset.testid = "mail-reply";
        reply.textContent = "Reply";
        reply.addEventListener("click", function () { compose(m); });
        item.appendChild(reply);
      }
      list.appendChild(item);
    });
    var others = $("mail-list");
    others.textContent = "";
    state.addresses.filter(function (a) { return a !== address; }).forEach(function (a) {
      var link = document.createElement("a");
      link.href = "/mail?address=" + encodeURIComponent(a);
      link.textContent = a + " ";
      others.appendChild(link);
    });
  }
  function refresh() {
    return fetch("/api/mail?address=" + encodeURIComponent(address))
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.error) { $("mail-error").textContent = state.error.message; return; }
        if (state.version !== shown) { shown = state.version; render(state); }
      })
      .catch(function () { /* the demo stopped or restarted: the next poll tries again */ });
  }
  function use(a) {
    address = a.trim();
    $("mail-address").value = address;
    history.replaceState(null, "", "/mail?address=" + encodeURIComponent(address));
    shown = -1;
    compose(null);
    refresh();
  }
  $("mail-use").addEventListener("click", function () { use($("mail-address").value); });
  $("mail-new").addEventListener("click", function () { compose(null); });
  $("mail-compose").addEventListener("submit", function (e) {
    e.preventDefault();
    var body = { from: address, subject: $("mail-subject").value, text: $("mail-text").value };
    if (replyingTo) body.inReplyTo = replyingTo;
    fetch("/api/mail", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); })
      .then(function (res) {
        $("mail-error").textContent = res.error ? res.error.message : "";
        if (!res.error) { $("mail-text").value = ""; compose(null); refresh(); }
      });
  });
  use(address);
  setInterval(refresh, 500);
})();
