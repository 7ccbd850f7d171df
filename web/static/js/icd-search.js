// The ICD-10 search box of the consultation request form and of the visit summary and
// minutes form: a pick is appended to the comma-separated code field the box names.
//   <input type="search" data-icd-search data-icd-target="<code field id>" aria-controls="<list id>">
// No framework; titles from the server are inserted as text, never as HTML.
(function () {
  "use strict";

  function attach(search) {
    var results = document.getElementById(search.getAttribute("aria-controls"));
    var codes = document.getElementById(search.getAttribute("data-icd-target"));
    if (!results || !codes) return;
    var timer = null;
    var asked = 0; // answers to an older query (the user typed on) are ignored

    function hide() { results.hidden = true; results.textContent = ""; }

    function pick(code) {
      var list = codes.value.split(",").map(function (c) { return c.trim(); }).filter(Boolean);
      if (list.indexOf(code) < 0) list.push(code);
      codes.value = list.join(", ");
      hide();
      search.value = "";
      search.focus();
    }

    function show(hits) {
      results.textContent = "";
      hits.forEach(function (hit) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = hit.code + " — " + hit.title;
        button.addEventListener("click", function () { pick(hit.code); });
        li.appendChild(button);
        results.appendChild(li);
      });
      results.hidden = hits.length === 0;
    }

    search.addEventListener("input", function () {
      clearTimeout(timer);
      var q = search.value.trim();
      var mine = ++asked;
      if (q.length < 2) { hide(); return; }
      timer = setTimeout(function () {
        fetch("/api/v1/terminology/icd10?limit=10&q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (hits) { if (mine === asked) show(hits); })
          .catch(function () { if (mine === asked) hide(); }); // offline: the code field still works
      }, 200);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Escape") hide();
    });
  }

  document.querySelectorAll("input[data-icd-search]").forEach(attach);
})();
