// Live notifications: an unread badge on the "Notifications" link and a toast for each new
// one, fed by the server's event stream (GET /api/v1/events, session cookie). No framework;
// EventSource reconnects by itself after the `retry` the server sends.
(function () {
  "use strict";
  if (!window.EventSource || !document.querySelector('meta[name="csrf-token"][content]:not([content=""])')) {
    return; // not logged in: nothing to stream
  }
  var link = document.querySelector('.mainnav a[href="/notifications"]');
  var badge = null;
  if (link) {
    badge = document.createElement("span");
    badge.className = "nav-badge";
    badge.hidden = true;
    badge.setAttribute("aria-live", "polite");
    link.appendChild(badge);
  }
  var unread = 0;

  function showCount(n) {
    unread = Math.max(0, n);
    if (!badge) return;
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = unread === 0;
  }

  var stack = null;
  function toast(note) {
    if (!stack) {
      stack = document.createElement("div");
      stack.className = "toast-stack";
      stack.setAttribute("role", "status");
      document.body.appendChild(stack);
    }
    var box = document.createElement("div");
    box.className = "toast";
    var title = document.createElement("strong");
    title.textContent = note.title || "";
    box.appendChild(title);
    if (note.body) {
      var body = document.createElement("span");
      body.textContent = note.body;
      box.appendChild(body);
    }
    if (note.link && note.link.charAt(0) === "/" && note.link.charAt(1) !== "/") {
      box.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = note.link;
      a.textContent = "→";
      box.appendChild(a);
    }
    stack.appendChild(box);
    setTimeout(function () { box.remove(); }, 8000);
  }

  fetch("/api/v1/notifications?unread_only=true&limit=1", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) { if (data) showCount(data.unread_count); })
    .catch(function () { /* the badge simply stays hidden */ });

  var source = new EventSource("/api/v1/events");
  // Pages that follow other live events (a facility's consultation queue) listen on this.
  window.VT = window.VT || {};
  window.VT.events = source;
  source.addEventListener("notification", function (event) {
    var note;
    try { note = JSON.parse(event.data); } catch (e) { return; }
    showCount(unread + 1);
    toast(note);
    document.dispatchEvent(new CustomEvent("vt:notification", { detail: note }));
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
