// SignX web UI: the little behaviour htmx does not cover. No inline script (CSP script-src 'self').
// Live lists: <ul data-live-url="/activity/stream?..."> receives server-sent events; each event is
// added at the top as text (textContent, never HTML), so payloads are inert.
(function () {
  "use strict";
  function titleOf(type) {
    var t = String(type || "event").replace(/[._]/g, " ");
    return t.charAt(0).toUpperCase() + t.slice(1);
  }
  function startLive(list) {
    if (list.dataset.liveStarted || typeof EventSource === "undefined") return;
    list.dataset.liveStarted = "1";
    var status = document.getElementById(list.dataset.liveStatus || "");
    var source = new EventSource(list.dataset.liveUrl, { withCredentials: true });
    source.onopen = function () { if (status) status.textContent = "Live: new activity appears here as it happens."; };
    source.onerror = function () { if (status) status.textContent = "Reconnecting to the live feed…"; };
    source.onmessage = function (msg) {
      var event;
      try { event = JSON.parse(msg.data); } catch (e) { return; }
      var empty = document.getElementById(list.dataset.liveEmpty || "");
      if (empty) empty.hidden = true;
      var li = document.createElement("li");
      li.className = "activity-item";
      li.setAttribute("data-testid", "activity-item");
      var title = document.createElement("strong");
      title.textContent = titleOf(event.type);
      var detail = document.createElement("span");
      detail.className = "hint";
      detail.textContent = " " + (event.subject_id || "") + " · " + (event.created_at || "");
      li.appendChild(title);
      li.appendChild(detail);
      list.insertBefore(li, list.firstChild);
      while (list.children.length > 50) list.removeChild(list.lastChild);
    };
  }
  function scan(root) {
    (root || document).querySelectorAll("[data-live-url]").forEach(startLive);
  }
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (e) { scan(e.target); });
})();
