// Quick log: keep the optional positions grid in step with the people chosen and the issues or
// bills ticked (one line per person x subject). Lines keep what was typed while they stay.
(function () {
  "use strict";

  function init() {
    const grid = document.getElementById("position-grid");
    const template = document.getElementById("position-row-template");
    const chips = document.getElementById("chips");
    const empty = document.getElementById("position-empty");
    if (!grid || !template || !chips) return;
    const boxes = Array.from(document.querySelectorAll("input[data-subject]"));

    function people() {
      return Array.from(chips.querySelectorAll(".chip")).map((li) => ({
        id: li.dataset.id, name: li.querySelector("span").textContent,
      }));
    }

    function subjects() {
      return boxes.filter((b) => b.checked).map((b) => ({ token: b.dataset.subject, label: b.dataset.label }));
    }

    function newRow(key, person, subject) {
      const row = template.content.firstElementChild.cloneNode(true);
      row.dataset.key = key;
      row.querySelectorAll("[id], [name], [for]").forEach((el) => {
        ["id", "name", "for"].forEach((attr) => {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace("KEY", key));
        });
      });
      row.querySelector(".pr-person").textContent = person;
      row.querySelector(".pr-subject").textContent = subject;
      return row;
    }

    function rebuild() {
      const existing = new Map(Array.from(grid.querySelectorAll(".position-row")).map((r) => [r.dataset.key, r]));
      const wanted = [];
      people().forEach((p) => subjects().forEach((s) => {
        const key = p.id + "-" + s.token;
        wanted.push(existing.get(key) || newRow(key, p.name, s.label));
      }));
      grid.replaceChildren(...wanted);
      if (empty) empty.hidden = wanted.length > 0;
    }

    new MutationObserver(rebuild).observe(chips, { childList: true });
    boxes.forEach((b) => b.addEventListener("change", rebuild));
    rebuild();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
