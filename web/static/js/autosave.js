// Autosave of marks on the scoring page. Nothing typed is lost: every change is kept in
// localStorage until the server confirms it, restored after a reload, retried after a
// network failure; a stale edit (409) is never overwritten silently. In a phase where marks
// cannot change the page is read-only: no autosave, no retries, no restored drafts.
(function () {
  "use strict";
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const bench = document.getElementById("workbench");
  const editable = !bench || bench.dataset.editable !== "0";
  const key = (form) => "mark:" + form.action;
  const forms = Array.from(document.querySelectorAll("form.mark-form"));
  const MAX_RETRIES = 5;

  if (!editable) {
    // Nothing can be saved here: a draft kept from an open phase would only mislead.
    for (const form of forms) localStorage.removeItem(key(form));
    window.markForms = { schedule() {}, saveNow() {}, editable: false };
    return;
  }

  function fields(form) {
    const out = {};
    for (const [name, value] of new FormData(form)) {
      if (name !== "csrf_token" && name !== "version") out[name] = value;
    }
    return out;
  }

  function fill(form, values) {
    for (const el of form.elements) {
      if (!el.name || el.name === "csrf_token" || el.name === "version") continue;
      if (el.type === "checkbox") el.checked = el.name in values;
      else if (el.type === "radio") el.checked = values[el.name] === el.value;
      else if (el.type !== "hidden" || el.dataset.role === "cite") el.value = values[el.name] ?? "";
    }
    // General citations are rows of their own: rebuild them from the draft.
    form.dispatchEvent(new CustomEvent("citations-restore", { detail: values }));
  }

  function show(form, role, text, cls) {
    const el = form.querySelector('[data-role="' + role + '"]');
    if (!el) return;
    el.textContent = text;
    if (cls !== undefined) el.className = el.className.split(" ").filter((c) => !["saving", "saved", "error", "ok", "warn"].includes(c)).join(" ") + " " + cls;
  }

  // The first field the browser itself finds wrong (a letter in a number box, over the maximum).
  function badField(form) {
    for (const el of form.elements) {
      if (el.willValidate && !el.checkValidity()) return el;
    }
    return null;
  }

  // Whether a deduct or bonus item has anything entered (a deduction, a claim, their text).
  function hasEntries(form) {
    for (const el of form.querySelectorAll('[name^="ded-"], [name^="claim-"]')) {
      if (el.type === "hidden" && el.dataset.role !== "cite") continue;
      if (el.dataset.role === "count" ? Number(el.value) > 0 : el.value.trim() !== "") return true;
    }
    return false;
  }

  // Saving a deduct item with nothing deducted says "no deduction": the box records it.
  function tickNone(form) {
    const box = form.querySelector('[data-role="full-marks"]');
    if (box && !box.checked && !hasEntries(form)) box.checked = true;
  }

  function reconcile(form, target) {
    const box = form.querySelector('[data-role="full-marks"]');
    if (!box) return;
    if (target === box && box.checked && hasEntries(form)) {
      box.checked = false;  // a deduction is entered: "no deduction" would contradict it
      show(form, "problem", i18n("full-marks-conflict"));
    } else if (target !== box && box.checked && hasEntries(form)) {
      box.checked = false;
    }
  }

  const timers = new Map();
  const retries = new Map();
  function schedule(form, delay, confirm) {
    if (confirm) tickNone(form);
    localStorage.setItem(key(form), JSON.stringify({ fields: fields(form), version: form.dataset.version, confirm: Boolean(confirm) }));
    clearTimeout(timers.get(form));
    const bad = badField(form);
    if (bad) {
      // Never sent, never "saved": the reviewer sees what to fix; the rest stays on this machine.
      show(form, "save-state", i18n("invalid", { reason: bad.validationMessage || i18n("invalid-default") }), "error");
      return Promise.resolve(false);
    }
    show(form, "save-state", i18n("unsaved"), "saving");
    return new Promise((resolve) => {
      timers.set(form, setTimeout(() => save(form).then(resolve), delay));
    });
  }

  function retry(form) {
    const n = (retries.get(form) || 0) + 1;
    retries.set(form, n);
    if (n <= MAX_RETRIES) timers.set(form, setTimeout(() => save(form), 5000 * n));
  }

  // One save at a time per item: a second one waits and sends the newest fields with the
  // version the first one got (two at once would refuse each other as stale).
  const inflight = new Map();
  function save(form) {
    const next = (inflight.get(form) || Promise.resolve()).then(() => send(form));
    inflight.set(form, next);
    next.finally(() => { if (inflight.get(form) === next) inflight.delete(form); });
    return next;
  }

  async function send(form) {
    const draft = JSON.parse(localStorage.getItem(key(form)) || "null") || { fields: fields(form), version: form.dataset.version };
    show(form, "save-state", i18n("saving"), "saving");
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
        body: JSON.stringify({ fields: draft.fields, version: Number(form.dataset.version), confirm: Boolean(draft.confirm) }),
      });
    } catch (err) {
      show(form, "save-state", i18n("failed-network"), "error");
      retry(form);
      return false;
    }
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      retries.delete(form);
      form.dataset.version = body.version;
      form.querySelector('input[name="version"]').value = body.version;
      const current = JSON.stringify(fields(form));
      if (JSON.stringify(draft.fields) === current) localStorage.removeItem(key(form));
      // A draft that does not count is never shown as a green "saved".
      const time = new Date().toLocaleTimeString();
      show(form, "save-state", body.draft ? i18n("saved-draft", { time }) : i18n("saved", { time }),
           body.draft ? "warn" : "saved");
      // A mark given under an older rubric version counts again only once saved complete.
      const rescore = form.querySelector('[data-role="rescore"]');
      if (rescore && body.complete && !body.draft) rescore.remove();
      const stale = rescore && body.draft;
      const status = !body.complete ? i18n("status-draft") : stale ? i18n("status-rescore")
        : body.draft ? i18n("status-complete-draft") : i18n("status-complete");
      show(form, "status", status, body.complete && !body.draft ? "ok" : "warn");
      const state = !body.complete ? "draft" : stale ? "rescore" : body.draft ? "scored_with_draft" : "scored";
      const tag = form.querySelector('[data-role="status"]');
      if (tag) tag.dataset.state = state;
      show(form, "problem", body.draft ? (body.problem || "") + (body.complete && !stale ? " " + i18n("still-counting") : "") : "");
      if (body.item_points !== undefined) show(form, "points", body.item_points || "—");
      form.dispatchEvent(new CustomEvent("mark-saved", { bubbles: true, detail: { state, body } }));
      return !body.draft;
    }
    if (response.status === 409 && body.error === "stale") {
      show(form, "save-state", i18n("stale", { version: body.version }), "error");
    } else if (response.status === 422) {
      show(form, "save-state", i18n("invalid", { reason: body.message || i18n("invalid-default") }), "error");
    } else if (response.status >= 500) {
      show(form, "save-state", i18n("failed-status", { status: response.status }), "error");
      retry(form);
    } else {
      // Refused (the phase closed, no longer assigned): retrying cannot help.
      show(form, "save-state", i18n("refused", { reason: body.error || response.status }), "error");
    }
    return false;
  }

  function restore(form) {
    const draft = JSON.parse(localStorage.getItem(key(form)) || "null");
    if (!draft) return;
    if (String(draft.version) === form.dataset.version) {
      fill(form, draft.fields);
      schedule(form, 10, draft.confirm);
      return;
    }
    // The server moved on since this draft: offer it, never apply it silently.
    const bar = document.createElement("p");
    bar.className = "flash error";
    bar.textContent = i18n("draft-old");
    const use = document.createElement("button");
    use.type = "button";
    use.textContent = i18n("draft-use");
    use.addEventListener("click", () => { fill(form, draft.fields); draft.version = form.dataset.version; schedule(form, 10, draft.confirm); bar.remove(); });
    const drop = document.createElement("button");
    drop.type = "button";
    drop.textContent = i18n("draft-drop");
    drop.addEventListener("click", () => { localStorage.removeItem(key(form)); bar.remove(); });
    bar.append(" ", use, " ", drop);
    form.prepend(bar);
  }

  for (const form of forms) {
    form.addEventListener("input", (event) => { reconcile(form, event.target); schedule(form, 800); });
    form.addEventListener("change", (event) => { reconcile(form, event.target); schedule(form, 300); });
    // The save button says "this is my mark": it confirms full marks on a deduct item.
    form.addEventListener("submit", (event) => { event.preventDefault(); schedule(form, 0, true); });
    restore(form);
  }
  window.addEventListener("beforeunload", (event) => {
    for (const form of forms) {
      if (localStorage.getItem(key(form))) { event.preventDefault(); event.returnValue = ""; return; }
    }
  });
  window.markForms = { schedule, saveNow: (form) => schedule(form, 0, true), editable: true };
})();
