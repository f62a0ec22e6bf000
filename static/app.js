// Progressive enhancements: the people picker of the quick log, the search box. No inline scripts (CSP).
(function () {
  "use strict";

  function debounce(fn, ms) {
    let t;
    const run = function (...args) { clearTimeout(t); t = setTimeout(() => fn.apply(this, args), ms); };
    run.cancel = () => clearTimeout(t);
    return run;
  }

  function initPicker(picker) {
    const input = picker.querySelector("#people-search");
    const results = picker.querySelector("#people-results");
    const chips = picker.querySelector("#chips");
    const hint = picker.querySelector("#last-contact");
    let options = [];
    let active = -1;
    let shownQuery = null; // the query the visible list answers
    let seq = 0; // only the answer to the latest search is shown
    let pickOnArrival = false; // Enter was pressed before the list for the typed text came

    function chosenIds() {
      return Array.from(chips.querySelectorAll("input[name=people]")).map((i) => i.value);
    }

    function refreshHint() {
      const ids = chosenIds();
      if (!ids.length) { hint.innerHTML = ""; return; }
      const url = new URL(picker.dataset.hintUrl, window.location.href);
      ids.forEach((id) => url.searchParams.append("people", id));
      // Keep the open work already ticked for completion when the hint is redrawn.
      hint.querySelectorAll("input[name=complete_assignments]:checked")
        .forEach((box) => url.searchParams.append("complete", box.value));
      fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : ""))
        .then((html) => { hint.innerHTML = html; });
    }

    function close() {
      shownQuery = null;
      results.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function addChip(person) {
      if (chosenIds().includes(String(person.id))) { close(); input.value = ""; return; }
      const li = document.createElement("li");
      li.className = "chip";
      li.dataset.id = person.id;
      const hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = "people"; hidden.value = person.id;
      const label = document.createElement("span");
      label.textContent = person.name;
      const remove = document.createElement("button");
      remove.type = "button"; remove.className = "btn-close btn-sm";
      remove.setAttribute("aria-label", "Remove " + person.name);
      li.append(hidden, label, remove);
      chips.append(li);
      input.value = "";
      close();
      input.focus();
      refreshHint();
    }

    function highlight(i) {
      const items = results.querySelectorAll("[role=option]");
      items.forEach((el, n) => el.setAttribute("aria-selected", n === i ? "true" : "false"));
      active = i;
      if (items[i]) {
        input.setAttribute("aria-activedescendant", items[i].id);
        items[i].scrollIntoView({ block: "nearest" });
      }
    }

    function render(list) {
      options = list;
      results.replaceChildren();
      list.forEach((p, n) => {
        const li = document.createElement("li");
        li.className = "list-group-item list-group-item-action";
        li.id = "person-opt-" + p.id;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        const name = document.createElement("div");
        name.className = "fw-semibold";
        name.textContent = p.name + (p.party ? " (" + p.party + ")" : "") + (p.in_office ? "" : " · out of office");
        const detail = document.createElement("div");
        detail.className = "small text-body-secondary";
        detail.textContent = p.detail || "";
        li.append(name, detail);
        li.addEventListener("mousedown", (e) => { e.preventDefault(); addChip(p); });
        results.append(li);
      });
      if (!list.length) {
        const li = document.createElement("li");
        li.className = "list-group-item text-body-secondary";
        li.textContent = "Nobody found. Check the spelling, or ask a coordinator to add them.";
        results.append(li);
      }
      results.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(list.length ? 0 : -1);
    }

    function runSearch() {
      const q = input.value.trim();
      if (q.length < 2) { close(); pickOnArrival = false; return; }
      const mine = ++seq;
      fetch(picker.dataset.searchUrl + "?q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      }).then((r) => (r.ok ? r.json() : [])).then((list) => {
        if (mine !== seq || input.value.trim() !== q) return; // a newer search is on its way
        shownQuery = q;
        render(list);
        // Enter came first: a single match is the one meant; several stay listed with the
        // first highlighted, so the next Enter picks it.
        if (pickOnArrival) { pickOnArrival = false; if (list.length === 1) addChip(list[0]); }
      });
    }
    const search = debounce(runSearch, 150);

    input.addEventListener("input", () => { shownQuery = null; search(); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        const q = input.value.trim();
        if (!q) return; // nothing typed: Enter submits the form as usual
        // Text typed but nobody chosen yet: Enter never submits the form.
        e.preventDefault();
        if (!results.hidden && shownQuery === q && options[active]) { addChip(options[active]); return; }
        pickOnArrival = true;
        search.cancel();
        runSearch();
        return;
      }
      if (results.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, options.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
    chips.addEventListener("click", (e) => {
      if (e.target.classList.contains("btn-close")) {
        e.target.closest(".chip").remove();
        refreshHint();
        input.focus();
      }
    });
    if (chosenIds().length) refreshHint();
    // A name typed while the page was still loading (before this script ran) is searched now.
    if (input.value.trim().length >= 2) search();
  }

  // The search box in the navigation: a combobox whose listbox suggests a few results of each
  // kind while typing. Arrow keys move through the options, Enter opens the highlighted one (or,
  // with none highlighted, submits the form: the results page, which also works without this).
  function initNavSearch(input) {
    const list = document.getElementById("nav-search-list");
    let options = [];
    let active = -1;
    let seq = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      options.forEach((el, n) => el.setAttribute("aria-selected", n === i ? "true" : "false"));
      active = i;
      if (options[i]) {
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function option(n, label, detail, url) {
      const li = document.createElement("li");
      li.className = "list-group-item list-group-item-action";
      li.id = "nav-search-opt-" + n;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.url = url;
      const main = document.createElement("div");
      main.className = "fw-semibold";
      main.textContent = label;
      li.append(main);
      if (detail) {
        const small = document.createElement("div");
        small.className = "small text-body-secondary";
        small.textContent = detail;
        li.append(small);
      }
      li.addEventListener("mousedown", (e) => { e.preventDefault(); window.location.assign(url); });
      return li;
    }

    function render(data) {
      list.replaceChildren();
      let n = 0;
      data.groups.forEach((group) => {
        const head = document.createElement("li");
        head.className = "list-group-item group-label";
        head.setAttribute("role", "presentation");
        head.textContent = group.label + " (" + group.count + ")";
        list.append(head);
        group.items.forEach((item) => list.append(option(n++, item.label, item.detail, item.url)));
      });
      if (!data.groups.length) {
        const none = document.createElement("li");
        none.className = "list-group-item text-body-secondary";
        none.setAttribute("role", "presentation");
        none.textContent = "Nothing found. Check the spelling, or try fewer words.";
        list.append(none);
      }
      list.append(option(n, "All results for \u201c" + data.q + "\u201d", "", data.all));
      options = Array.from(list.querySelectorAll("[role=option]"));
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    }

    function run() {
      const q = input.value.trim();
      if (q.length < 2) { close(); return; }
      const mine = ++seq;
      fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      }).then((r) => (r.ok ? r.json() : null)).then((data) => {
        if (!data || mine !== seq || input.value.trim() !== q) return;
        render(data);
      });
    }
    const search = debounce(run, 150);

    input.addEventListener("input", search);
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (list.hidden) { search.cancel(); run(); return; }
        highlight(Math.min(active + 1, options.length - 1));
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        if (!list.hidden) highlight(Math.max(active - 1, -1));
      } else if (e.key === "Enter") {
        if (!list.hidden && options[active]) { e.preventDefault(); window.location.assign(options[active].dataset.url); }
      } else if (e.key === "Escape") {
        if (!list.hidden) { e.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));

    // "/" anywhere but in a field jumps to the box (the search page when the box is folded away
    // in the phone menu).
    document.addEventListener("keydown", (e) => {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target;
      if (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)) return;
      e.preventDefault();
      if (input.offsetParent === null) { window.location.assign(input.form.action); return; }
      input.focus();
      input.select();
    });
  }

  // The results page: arrow keys move between the results' links.
  function initResults(box) {
    const links = () => Array.from(box.querySelectorAll("a.result-link"));
    box.addEventListener("keydown", (e) => {
      if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
      const all = links();
      const i = all.indexOf(document.activeElement);
      if (i < 0) return;
      e.preventDefault();
      const next = all[Math.max(0, Math.min(all.length - 1, i + (e.key === "ArrowDown" ? 1 : -1)))];
      next.focus();
    });
    const field = document.getElementById("search-page-q");
    if (field) {
      field.addEventListener("keydown", (e) => {
        if (e.key === "ArrowDown" && links().length) { e.preventDefault(); links()[0].focus(); }
      });
    }
  }

  function preventDoubleSubmit(form) {
    form.addEventListener("submit", () => {
      form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; b.textContent = "Saving…"; });
    });
  }

  // Campaign plan: a row with nobody chosen stays marked until a member is picked.
  function markEmptyPlanRows(plan) {
    plan.addEventListener("change", (e) => {
      const row = e.target.closest(".plan-row");
      if (row && e.target.tagName === "SELECT") row.classList.toggle("plan-empty", !e.target.value);
    });
  }

  // Tables that become cards on phones (app.css .table-cards): each cell is labelled with its
  // column's header, unless the template labelled it already. The first cell is the card title.
  function labelCells(table) {
    const heads = Array.from(table.querySelectorAll("thead th")).map((th) => {
      const hidden = th.querySelector(".visually-hidden");
      return hidden && hidden.textContent.trim() === th.textContent.trim() ? "" : th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach((row) => {
      Array.from(row.children).forEach((cell, i) => {
        if (i === 0) { cell.classList.add("card-title-cell"); return; }
        if (!cell.hasAttribute("data-label") && heads[i]) cell.setAttribute("data-label", heads[i]);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("table.table-cards").forEach(labelCells);
    document.querySelectorAll(".plan").forEach(markEmptyPlanRows);
    document.querySelectorAll(".picker").forEach(initPicker);
    const navSearch = document.getElementById("nav-search");
    if (navSearch) initNavSearch(navSearch);
    document.querySelectorAll("[data-results]").forEach(initResults);
    const log = document.getElementById("log-form");
    if (log) preventDoubleSubmit(log);
  });
})();
