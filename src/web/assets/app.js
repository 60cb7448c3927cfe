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
  // Live parts: <div id="x" hx-get="/self" hx-select="#x" data-refresh-stream="/activity/stream"
  // data-refresh-subject="doc_1"> is fetched again (htmx, its own hx-get/hx-select/hx-swap) when an
  // event about that subject arrives; its slow hx-trigger polling stays as the fallback.
  function startRefresh(part) {
    if (part.dataset.refreshStarted || typeof EventSource === "undefined" ||
        typeof htmx === "undefined") return;
    part.dataset.refreshStarted = "1";
    var source = new EventSource(part.dataset.refreshStream, { withCredentials: true });
    source.onerror = function () { if (!document.body.contains(part)) source.close(); };
    source.onmessage = function (msg) {
      if (!document.body.contains(part)) { source.close(); return; }
      var event;
      try { event = JSON.parse(msg.data); } catch (e) { return; }
      if (!event || event.subject_id !== part.dataset.refreshSubject) return;
      source.close();  // the part comes back with its own stream while it is still working
      htmx.trigger(part, "refresh");
    };
  }
  function scan(root) {
    (root || document).querySelectorAll("[data-live-url]").forEach(startLive);
    (root || document).querySelectorAll("[data-refresh-stream]").forEach(startRefresh);
    if (root && root.matches && root.matches("[data-refresh-stream]")) startRefresh(root);
  }
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (e) { scan(e.target); });
})();
