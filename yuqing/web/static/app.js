// yuqing-watch: live countdowns and the refresh of the case list. No inline script (CSP script-src 'self').
(function () {
  "use strict";
  var body = document.body;
  var speed = parseFloat(body.dataset.speed || "1") || 1;
  // The server's clock (possibly a drill clock running `speed` times faster) at page load.
  var base = { server: Date.parse(body.dataset.now), local: Date.now() };

  function clockNow() {
    return base.server + (Date.now() - base.local) * speed;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function spell(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
    return (d ? d + " 天 " : "") + (d || h ? h + " 小时 " : "") + pad(m) + " 分 " + pad(sec) + " 秒";
  }

  function tick() {
    var now = clockNow();
    var nodes = document.querySelectorAll(".countdown[data-due]");
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var left = Date.parse(el.dataset.due) - now;
      var span = parseFloat(el.dataset.hours || "0") * 3600 * 1000;
      el.textContent = left > 0 ? "剩余 " + spell(left) : "已超时 " + spell(left);
      el.classList.toggle("overdue", left <= 0);
      el.classList.toggle("soon", left > 0 && span > 0 && left <= span * 0.2);
    }
  }

  function refresh() {
    var rows = document.getElementById("case-rows");
    if (!rows || !rows.dataset.refresh) { return; }
    fetch(rows.dataset.refresh, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (r.status === 401) { window.location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search); }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("case-rows");
        if (!fresh) { return; }
        document.getElementById("case-rows").replaceWith(document.importNode(fresh, true));
        base = { server: Date.parse(fresh.dataset.now), local: Date.now() };
        tick();
      })
      .catch(function () { /* keep the current list; the next refresh retries */ });
  }

  tick();
  setInterval(tick, 1000);
  if (document.getElementById("case-rows")) { setInterval(refresh, 30000); }
})();
