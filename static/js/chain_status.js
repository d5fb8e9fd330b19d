/* Live chain status and copy buttons (templates/core/_chain_status.html, _hash.html).

   Each status on a page is an element with data-chain-ref ("outbox:12", "subscription:7") and
   data-chain-state ("pending", "confirmed", "failed", or "" while the page does not know it).
   While one is pending or unknown, this asks GET /chain/status/?ref=... every few seconds (the
   address is the live region's data-url in base.html), swaps in the answer's HTML, and says
   what changed in the aria-live region. It stops asking once nothing is pending. */
(function () {
  "use strict";

  var DELAY_MS = 3000;
  var MAX_DELAY_MS = 30000;
  var BATCH = 100;  // chain/status.py MAX_REFS
  var delay = DELAY_MS;
  var timer = null;
  var live = null;

  function waiting() {
    var seen = {};
    var refs = [];
    document.querySelectorAll("[data-chain-ref]").forEach(function (el) {
      var state = el.getAttribute("data-chain-state");
      var ref = el.getAttribute("data-chain-ref");
      if ((state === "pending" || (state === "" && !el.hasAttribute("data-chain-asked"))) && !seen[ref]) {
        seen[ref] = true;
        refs.push(ref);
      }
    });
    return refs.slice(0, BATCH);
  }

  function apply(statuses, asked) {
    var changed = [];
    asked.forEach(function (ref) {
      var status = statuses[ref];
      document.querySelectorAll('[data-chain-ref="' + ref + '"]').forEach(function (el) {
        el.setAttribute("data-chain-asked", "1");
        if (!status) {  // not (or no longer) visible to this user: stop asking
          if (el.getAttribute("data-chain-state") === "pending") { el.setAttribute("data-chain-state", "unknown"); }
          return;
        }
        var before = el.getAttribute("data-chain-state");
        if (before !== status.state || el.innerHTML.trim() !== status.html) {
          el.innerHTML = status.html;
          el.setAttribute("data-chain-state", status.state);
          enableCopy(el);
          if (before === "pending" && status.state !== "pending" && status.label) { changed.push(status.label); }
        }
      });
    });
    if (changed.length && live) { live.textContent = changed.join(" / "); }
  }

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (waiting().length && !document.hidden) { timer = setTimeout(poll, delay); }
  }

  function poll() {
    var refs = waiting();
    if (!refs.length || !live) { return; }
    var query = refs.map(function (ref) { return "ref=" + encodeURIComponent(ref); }).join("&");
    fetch(live.getAttribute("data-url") + "?" + query, {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("chain status " + response.status); }
      return response.json();
    }).then(function (body) {
      apply(body.statuses || {}, refs);
      delay = DELAY_MS;
      schedule();
    }).catch(function () {
      delay = Math.min(delay * 2, MAX_DELAY_MS);  // the server or the network is down: ask less often
      schedule();
    });
  }

  function enableCopy(root) {
    if (!navigator.clipboard) { return; }
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (button.hasAttribute("data-copy-ready")) { return; }
      button.setAttribute("data-copy-ready", "1");
      button.hidden = false;
      var label = button.textContent;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
          button.textContent = button.getAttribute("data-copied") || label;
          if (live) { live.textContent = button.getAttribute("data-copied") || ""; }
          setTimeout(function () { button.textContent = label; }, 2000);
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    live = document.getElementById("chain-status-live");
    enableCopy(document);
    if (waiting().length) {
      var unknown = document.querySelector('[data-chain-ref][data-chain-state=""]');
      timer = setTimeout(poll, unknown ? 0 : delay);
    }
  });
  // Parts of a page that htmx swaps in (the operator's mirror) get their copy buttons and statuses too.
  document.addEventListener("htmx:afterSwap", function (event) {
    enableCopy(event.target);
    if (!timer && waiting().length) { timer = setTimeout(poll, delay); }
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !timer) { poll(); }
  });
})();
