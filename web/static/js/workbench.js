// The reviewer's workbench: moving through items and towns, citing passages (suggested,
// searched or picked in the evidence), the evidence panel following the item in focus,
// keyboard shortcuts (listed in the "?" dialog). Saving is autosave.js's (window.markForms).
(function () {
  "use strict";
  const bench = document.getElementById("workbench");
  if (!bench) return;
  const editable = bench.dataset.editable !== "0";
  const items = Array.from(document.querySelectorAll("section.item"));
  const evidence = document.getElementById("evidence");
  const body = document.getElementById("evidence-body");
  const dialog = document.getElementById("shortcuts");
  const narrow = window.matchMedia("(max-width: 1000px)");
  let current = items[0] || null;
  let selected = null;  // the passage picked in the evidence panel
  const lastRow = new WeakMap();  // form -> the deduction row last worked in

  const formOf = (item) => item.querySelector("form.mark-form");
  const stateOf = (item) => item.querySelector('[data-role="status"]').dataset.state;
  const counted = (state) => state === "scored" || state === "scored_with_draft";

  // --- moving ---------------------------------------------------------------------------
  function focusItem(item) {
    if (!item) return;
    current = item;
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "start", behavior: "instant" });
    follow(item);
    markIndex();
  }
  function step(delta) {
    const at = items.indexOf(current);
    focusItem(items[Math.min(items.length - 1, Math.max(0, at + delta))]);
  }
  function nextUnscored() {
    const at = items.indexOf(current);
    const order = items.slice(at + 1).concat(items.slice(0, at + 1));
    const next = order.find((item) => !counted(stateOf(item)));
    if (next) focusItem(next);
    return next;
  }
  function markIndex() {
    for (const link of document.querySelectorAll("[data-index-for]")) {
      link.classList.toggle("current", current && link.dataset.indexFor === current.dataset.item);
    }
  }
  async function saveAndNext(item) {
    if (!editable || !item) return;
    const saved = await window.markForms.saveNow(formOf(item));
    if (saved) step(1);
  }

  // --- the evidence panel ---------------------------------------------------------------
  function passageEl(cite) {
    const [file, key] = cite.split("|");
    return document.getElementById("ev-" + file + "-" + key);
  }
  function showPassage(cite) {
    const el = passageEl(cite);
    if (!el) return;
    for (const other of body.querySelectorAll(".passage.shown")) other.classList.remove("shown");
    el.classList.add("shown");
    document.getElementById("current-file").textContent = el.dataset.fileName || "";
    body.scrollTop = el.offsetTop - body.offsetTop - 8;
  }
  // The panel follows the item: its cited passage, else its best suggestion.
  function follow(item) {
    const cited = item.querySelector('[data-role="citation"] [data-show], [data-role="cite-quote"][data-show]');
    const suggested = item.querySelector('[data-role="suggest-cite"], .suggestions [data-show]');
    const target = cited || suggested;
    if (target) showPassage(target.dataset.show || target.dataset.cite);
  }
  function openEvidence(open) {
    evidence.classList.toggle("open", open);
    document.getElementById("evidence-toggle").setAttribute("aria-expanded", String(open));
    if (open && narrow.matches) evidence.querySelector("input[type=search]").focus();
  }

  // --- citing ---------------------------------------------------------------------------
  function cite(item, citeValue, quote) {
    if (!editable) return;
    const form = formOf(item);
    const rows = Array.from(form.querySelectorAll('[data-role="ded-row"]'));
    const row = lastRow.get(form) || rows.find((r) => Number(r.querySelector('[data-role="count"]').value) > 0
                                                  && !r.querySelector('[data-role="cite"]').value);
    if (row) {
      row.querySelector('[data-role="cite"]').value = citeValue;
      const link = row.querySelector('[data-role="cite-quote"]');
      link.textContent = quote;
      link.dataset.show = citeValue;
    } else {
      addCitation(form, citeValue, quote);
    }
    window.markForms.schedule(form, 0);
  }
  function addCitation(form, citeValue, quote) {
    const holder = form.querySelector('[data-role="citations"]');
    if (Array.from(holder.querySelectorAll("input")).some((i) => i.value === citeValue)) return;
    const span = document.createElement("span");
    span.className = "citation";
    span.dataset.role = "citation";
    const input = document.createElement("input");
    input.type = "hidden";
    input.value = citeValue;
    const link = document.createElement("a");
    link.dataset.show = citeValue;
    link.href = "#" + (passageEl(citeValue) || { id: "" }).id;
    link.textContent = quote;
    const drop = document.createElement("button");
    drop.type = "button";
    drop.className = "link";
    drop.dataset.role = "uncite";
    drop.setAttribute("aria-label", i18n("uncite"));
    drop.textContent = "×";
    span.append(input, " ", link, " ", drop);
    holder.append(span);
    renumber(form);
  }
  function renumber(form) {
    form.querySelectorAll('[data-role="citation"] input').forEach((input, n) => { input.name = "cite-" + n; });
  }
  function quoteOf(el) {
    const text = el.textContent.replace(/\s+/g, " ").trim();
    return text.length > 40 ? text.slice(0, 40) + "…" : text;
  }

  for (const item of items) {
    const form = formOf(item);
    item.addEventListener("focusin", () => { if (current !== item) { current = item; follow(item); markIndex(); } });
    for (const row of form.querySelectorAll('[data-role="ded-row"]')) {
      row.addEventListener("focusin", () => lastRow.set(form, row));
    }
    form.addEventListener("click", (event) => {
      const suggest = event.target.closest('[data-role="suggest-cite"]');
      if (suggest) { cite(item, suggest.dataset.cite, suggest.dataset.quote); return; }
      const rowButton = event.target.closest('[data-role="cite-button"]');
      if (rowButton) {
        lastRow.set(form, rowButton.closest('[data-role="ded-row"]'));
        if (!selected) { showProblem(form, i18n("cite-first")); return; }
        cite(item, selected.dataset.cite, quoteOf(selected));
        return;
      }
      const uncite = event.target.closest('[data-role="uncite"]');
      if (uncite) { uncite.closest('[data-role="citation"]').remove(); renumber(form); window.markForms.schedule(form, 0); return; }
      const shown = event.target.closest("[data-show]");
      if (shown) { event.preventDefault(); showPassage(shown.dataset.show); if (narrow.matches) openEvidence(true); return; }
      if (event.target.closest('[data-role="save-next"]')) saveAndNext(item);
    });
    form.addEventListener("citations-restore", (event) => {
      const holder = form.querySelector('[data-role="citations"]');
      holder.querySelectorAll('[data-role="citation"]').forEach((c) => c.remove());
      Object.keys(event.detail).filter((k) => /^cite-\d+$/.test(k)).forEach((k) => {
        const el = passageEl(event.detail[k]);
        addCitation(form, event.detail[k], el ? quoteOf(el) : event.detail[k]);
      });
    });
  }
  function showProblem(form, text) {
    const el = form.querySelector('[data-role="problem"]');
    if (el) el.textContent = text;
  }

  // Picking a passage in the panel (click, Enter or Space) selects it for the item in focus.
  function pick(passage) {
    if (selected) selected.classList.remove("cited");
    selected = passage;
    passage.classList.add("cited");
  }
  body.addEventListener("click", (event) => {
    const passage = event.target.closest(".passage[data-cite]");
    if (passage && !event.target.closest("a")) pick(passage);
  });
  body.addEventListener("keydown", (event) => {
    const passage = event.target.closest(".passage[data-cite]");
    if (!passage || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    pick(passage);
    if (current && editable) cite(current, passage.dataset.cite, quoteOf(passage));
  });

  // --- search (on the server, segmented as the matcher segments) -------------------------
  const search = document.getElementById("evidence-search");
  const results = document.getElementById("search-results");
  search.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = search.elements.q.value.trim();
    results.replaceChildren();
    if (!q) return;
    const response = await fetch(search.dataset.url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" });
    const found = response.ok ? (await response.json()).results : [];
    const head = document.createElement("p");
    head.className = "muted";
    head.textContent = i18n("search-found", { n: found.length });
    results.append(head);
    const list = document.createElement("ol");
    for (const r of found) {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = "#";
      link.dataset.show = r.cite;
      link.textContent = r.file + " · " + r.where + (r.section ? " · " + r.section : "");
      const text = document.createElement("span");
      text.className = "snippet";
      text.innerHTML = r.html;  // escaped by the server; only <mark> is markup
      li.append(link, " ", text);
      if (editable) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = i18n("cite");
        button.addEventListener("click", () => current && cite(current, r.cite, quoteOf(text)));
        li.prepend(button, " ");
      }
      list.append(li);
    }
    results.append(list);
  });
  results.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-show]");
    if (link) { event.preventDefault(); showPassage(link.dataset.show); }
  });

  // --- keyboard --------------------------------------------------------------------------
  const typing = (el) => el && (el.isContentEditable || ["TEXTAREA", "SELECT"].includes(el.tagName)
    || (el.tagName === "INPUT" && !["checkbox", "radio", "button", "submit"].includes(el.type)));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      saveAndNext(current);
      return;
    }
    if (event.key === "Escape") {
      if (evidence.classList.contains("open")) openEvidence(false);
      if (typing(document.activeElement) && current) current.focus({ preventScroll: true });
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(document.activeElement) || (dialog && dialog.open)) return;
    const go = (selector) => { const a = document.querySelector(selector); if (a) window.location = a.href; };
    const actions = {
      "j": () => step(1), "k": () => step(-1), "n": nextUnscored, "s": () => saveAndNext(current),
      "e": () => openEvidence(!evidence.classList.contains("open") || !narrow.matches),
      "/": () => { openEvidence(true); evidence.querySelector("input[type=search]").focus(); },
      "i": () => {
        const field = current && current.querySelector("fieldset.inputs input:not([type=hidden]), fieldset.inputs select, fieldset.inputs textarea");
        if (field && !field.matches(":disabled")) { field.focus(); if (field.select && field.type !== "checkbox" && field.type !== "radio") field.select(); }
      },
      "[": () => go("#previous-town"), "]": () => go("#next-town"), "?": () => dialog.showModal(),
      "f": () => {
        const box = current && current.querySelector('[data-role="full-marks"]');
        if (box && !box.matches(":disabled")) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
      },
    };
    if (/^[1-9]$/.test(event.key)) {
      const button = current && current.querySelectorAll('[data-role="suggest-cite"]')[Number(event.key) - 1];
      if (button) { event.preventDefault(); button.click(); }
      return;
    }
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
  });

  // --- the page's own controls -----------------------------------------------------------
  document.getElementById("shortcuts-open").addEventListener("click", () => dialog.showModal());
  document.getElementById("evidence-toggle").addEventListener("click", () => openEvidence(!evidence.classList.contains("open")));
  document.getElementById("evidence-fab").addEventListener("click", () => openEvidence(true));
  evidence.querySelector('[data-role="evidence-close"]').addEventListener("click", () => openEvidence(false));
  const unscored = document.getElementById("next-unscored");
  if (unscored) unscored.addEventListener("click", nextUnscored);
  for (const link of document.querySelectorAll("[data-index-for]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      focusItem(document.getElementById("item-" + link.dataset.indexFor));
    });
  }
  bench.addEventListener("mark-saved", (event) => {
    const item = event.target.closest("section.item");
    const link = document.querySelector('[data-index-for="' + item.dataset.item + '"]');
    if (link) link.dataset.state = event.detail.state;
    document.getElementById("scored-count").textContent = String(items.filter((i) => counted(stateOf(i))).length);
  });
  if (current) { follow(current); markIndex(); }
})();
