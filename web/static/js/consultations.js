// Consultation pages: SLA countdowns, live queue updates (the server's event stream, or
// polling when it is unavailable) and the patient look-up by CCCD (the ICD-10 search box
// is icd-search.js, shared with the records form).
// No framework; data from the server is inserted as text, never as HTML.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var labelsNode = document.getElementById("consultation-labels");
  var labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  var POLL_MS = 30000;

  // ---- SLA clocks: time left until the acceptance deadline, by the server's clock. ----
  var skew = 0;
  var first = document.querySelector("[data-now]");
  if (first) skew = Date.parse(first.getAttribute("data-now")) - Date.now();
  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll("time[data-due]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-due")) - now;
      if (!labels.left) return; // keep the server-rendered deadline
      if (left <= 0) {
        el.classList.add("overdue");
        el.textContent = labels.overdue + " " + format(-left);
      } else {
        el.textContent = format(left) + " " + labels.left;
      }
    });
  }
  function format(ms) {
    var minutes = Math.floor(ms / 60000);
    var h = Math.floor(minutes / 60), m = minutes % 60;
    var unit = labels.min || "min";
    return h > 0 ? h + " h " + (m < 10 ? "0" : "") + m + " " + unit : m + " " + unit;
  }
  setInterval(tick, 15000);
  tick();

  // ---- Live updates ----
  var live = document.querySelector("[data-live]");
  function onChange(message) {
    if (!live) return;
    var kind = live.getAttribute("data-live");
    if (kind === "queue") return refreshQueue();
    if (kind === "detail" && message && message.consultation_id !== live.getAttribute("data-consultation")) return;
    var note = document.getElementById("live-note");
    if (note) note.hidden = false;
  }
  if (live) {
    var source = (window.VT && window.VT.events) || null;
    if (source) {
      source.addEventListener("consultation.changed", function (event) {
        try { onChange(JSON.parse(event.data)); } catch (e) { onChange(null); }
      });
      source.addEventListener("error", function () {
        if (source.readyState === 2) setInterval(function () { onChange(null); }, POLL_MS);
      });
    } else if (live.getAttribute("data-live") === "queue") {
      setInterval(refreshQueue, POLL_MS);
    }
  }

  function refreshQueue() {
    var table = document.querySelector('[data-live="queue"]');
    fetch(table.getAttribute("data-source"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (rows) { if (rows) renderQueue(rows); })
      .catch(function () { /* the next event or poll tries again */ });
  }
  function cell(tr, nodes) {
    var td = document.createElement("td");
    nodes.forEach(function (n) { td.appendChild(typeof n === "string" ? document.createTextNode(n) : n); });
    tr.appendChild(td);
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }
  function renderQueue(rows) {
    var body = document.getElementById("queue-rows");
    body.textContent = "";
    if (!rows.length) {
      var tr = el("tr", "empty");
      var td = el("td", "muted", labels.empty);
      td.colSpan = 5;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (row) {
      var tr = el("tr", "urgency-" + row.urgency);
      var tone = { emergency: "err", urgent: "warn" }[row.urgency] || "muted";
      cell(tr, [el("span", "badge " + tone, labels.urgency[row.urgency])]);
      var link = el("a", "", row.patient_name);
      link.href = "/consultations/" + row.id;
      cell(tr, [link, el("br"), el("span", "muted small", labels.activity[row.activity])]);
      cell(tr, [row.requesting_facility_name, el("br"), el("span", "muted small", row.specialty_name)]);
      cell(tr, [el("span", "badge", labels.status[row.status] || row.status)]);
      var clock = "";
      if (row.due_at && (row.status === "submitted" || row.status === "forwarded")) {
        clock = el("time", "sla" + (row.overdue ? " overdue" : ""));
        clock.setAttribute("data-due", row.due_at);
      }
      cell(tr, clock ? [clock] : []);
      body.appendChild(tr);
    });
    tick();
  }

  // ---- New request: patient look-up by CCCD (sent in the body, never in the URL) ----
  var lookupButton = document.getElementById("lookup-patient");
  if (lookupButton) {
    lookupButton.hidden = false;
    lookupButton.addEventListener("click", function () {
      var cccd = document.getElementById("national_id").value;
      var found = document.getElementById("patient-found");
      fetch("/api/v1/consultations/patient-lookup", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ national_id: cccd })
      }).then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; });
      }).then(function (result) {
        found.hidden = false;
        var register = document.getElementById("register-fields");
        if (result.ok) {
          document.getElementById("patient_id").value = result.data.id;
          found.className = "notice ok";
          found.textContent = labels.found + ": " + result.data.full_name + " (" + result.data.date_of_birth + ")" +
            (result.data.has_consents ? "" : " — " + labels.no_consent);
          register.hidden = true;
        } else {
          document.getElementById("patient_id").value = "";
          found.className = "notice warn";
          found.textContent = (result.data.error && result.data.error.message) || labels.not_found;
          register.hidden = false;
        }
      });
    });
  }
})();
