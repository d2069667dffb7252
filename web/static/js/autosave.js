// Autosave of marks on the scoring page. Nothing typed is lost: every change is kept in
// localStorage until the server confirms it, restored after a reload, retried after a
// failed save; a stale edit (409) is never overwritten silently.
(function () {
  "use strict";
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const key = (form) => "mark:" + form.action;
  let selectedCite = null;

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
  }

  function show(form, role, text, cls) {
    const el = form.querySelector('[data-role="' + role + '"]');
    if (!el) return;
    el.textContent = text;
    if (cls !== undefined) el.className = el.className.split(" ").filter((c) => !["saving", "saved", "error", "ok", "warn"].includes(c)).join(" ") + " " + cls;
  }

  const timers = new Map();
  function schedule(form, delay) {
    localStorage.setItem(key(form), JSON.stringify({ fields: fields(form), version: form.dataset.version }));
    show(form, "save-state", i18n("unsaved"), "saving");
    clearTimeout(timers.get(form));
    timers.set(form, setTimeout(() => save(form), delay));
  }

  async function save(form) {
    const draft = JSON.parse(localStorage.getItem(key(form)) || "null") || { fields: fields(form), version: form.dataset.version };
    show(form, "save-state", i18n("saving"), "saving");
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
        body: JSON.stringify({ fields: draft.fields, version: Number(form.dataset.version) }),
      });
    } catch (err) {
      show(form, "save-state", i18n("failed-network"), "error");
      timers.set(form, setTimeout(() => save(form), 5000));
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      form.dataset.version = body.version;
      form.querySelector('input[name="version"]').value = body.version;
      const current = JSON.stringify(fields(form));
      if (JSON.stringify(draft.fields) === current) localStorage.removeItem(key(form));
      // A draft that does not count is never shown as a green "saved".
      const time = new Date().toLocaleTimeString();
      show(form, "save-state", body.draft ? i18n("saved-draft", { time }) : i18n("saved", { time }),
           body.draft ? "warn" : "saved");
      const status = !body.complete ? i18n("status-draft")
        : body.draft ? i18n("status-complete-draft") : i18n("status-complete");
      show(form, "status", status, body.complete && !body.draft ? "ok" : "warn");
      show(form, "problem", body.draft ? (body.problem || "") + (body.complete ? " " + i18n("still-counting") : "") : "");
      if (body.item_points !== undefined) show(form, "points", body.item_points || "—");
      if (body.town_total) document.getElementById("town-total").textContent = body.town_total;
    } else if (response.status === 409 && body.error === "stale") {
      show(form, "save-state", i18n("stale", { version: body.version }), "error");
    } else if (response.status === 422) {
      show(form, "save-state", i18n("invalid", { reason: body.message || i18n("invalid-default") }), "error");
    } else {
      show(form, "save-state", i18n("failed-status", { status: response.status }), "error");
      timers.set(form, setTimeout(() => save(form), 5000));
    }
  }

  function restore(form) {
    const draft = JSON.parse(localStorage.getItem(key(form)) || "null");
    if (!draft) return;
    if (String(draft.version) === form.dataset.version) {
      fill(form, draft.fields);
      schedule(form, 10);
      return;
    }
    // The server moved on since this draft: offer it, never apply it silently.
    const bar = document.createElement("p");
    bar.className = "flash error";
    bar.textContent = i18n("draft-old");
    const use = document.createElement("button");
    use.type = "button";
    use.textContent = i18n("draft-use");
    use.addEventListener("click", () => { fill(form, draft.fields); draft.version = form.dataset.version; schedule(form, 10); bar.remove(); });
    const drop = document.createElement("button");
    drop.type = "button";
    drop.textContent = i18n("draft-drop");
    drop.addEventListener("click", () => { localStorage.removeItem(key(form)); bar.remove(); });
    bar.append(" ", use, " ", drop);
    form.prepend(bar);
  }

  for (const form of document.querySelectorAll("form.mark-form")) {
    form.addEventListener("input", () => schedule(form, 800));
    form.addEventListener("change", () => schedule(form, 300));
    form.addEventListener("submit", (event) => { event.preventDefault(); schedule(form, 0); });
    for (const button of form.querySelectorAll('[data-role="cite-button"]')) {
      button.addEventListener("click", () => {
        if (!selectedCite) { alert(i18n("cite-first")); return; }
        const row = button.parentElement;
        row.querySelector('[data-role="cite"]').value = selectedCite.dataset.cite;
        row.querySelector('[data-role="cite-quote"]').textContent = selectedCite.textContent.trim().slice(0, 40);
        schedule(form, 0);
      });
    }
    restore(form);
  }
  for (const passage of document.querySelectorAll(".passage[data-cite]")) {
    passage.addEventListener("click", () => {
      if (selectedCite) selectedCite.classList.remove("cited");
      selectedCite = passage;
      passage.classList.add("cited");
    });
  }
  window.addEventListener("beforeunload", (event) => {
    for (const form of document.querySelectorAll("form.mark-form")) {
      if (localStorage.getItem(key(form))) { event.preventDefault(); event.returnValue = ""; return; }
    }
  });
})();
