// Structured rubric editor: add rows without a round trip, swap an item's method inputs
// when its scoring method changes, dim rows marked for deletion, warn before leaving with
// unsaved changes. Without this script the page still works: "add" buttons submit the form
// and the server returns it with an empty row; a changed method shows its inputs after the
// next submit.
(function () {
  "use strict";
  const form = document.querySelector("form[data-rubric-editor]");
  if (!form) return;
  const PLACEHOLDER = /__P__/g;
  const VALID_PREFIX = /^[a-z]+[0-9]+(-[a-z]+[0-9]+)*$/;

  // A copy of template "tpl-<name>" with every __P__ replaced by the row's name prefix.
  function fragment(name, prefix) {
    const template = document.getElementById("tpl-" + name);
    if (!template || !VALID_PREFIX.test(prefix)) return null;
    const holder = document.createElement("template");
    holder.innerHTML = template.innerHTML.replace(PLACEHOLDER, prefix);
    return holder.content;
  }

  function nextIndex(list) {
    let max = -1;
    for (const row of list.children) {
      if (row.hasAttribute("data-row")) max = Math.max(max, Number(row.dataset.index));
    }
    return max + 1;
  }

  function addRow(button) {
    const listKey = button.value;
    const list = Array.from(form.querySelectorAll("[data-list]")).find((el) => el.dataset.list === listKey);
    if (!list) return false;
    const index = nextIndex(list);
    const content = fragment(button.dataset.add, listKey + index);
    if (!content) return false;
    const row = content.firstElementChild;
    row.dataset.index = String(index);
    if (row.tagName === "DETAILS") row.open = true;
    list.appendChild(content);
    const first = row.querySelector("input:not([type=hidden]):not([readonly]), textarea");
    if (first) first.focus();
    return true;
  }

  // Inputs of methods switched away from are kept, so switching back restores them.
  const kept = new Map();
  function switchMethod(select) {
    const prefix = select.dataset.prefix;
    const box = Array.from(form.querySelectorAll("[data-method]")).find((el) => el.dataset.method === prefix);
    if (!box) return;
    const previous = box.dataset.kind;
    if (previous) {
      const saved = document.createDocumentFragment();
      while (box.firstChild) saved.appendChild(box.firstChild);
      kept.set(prefix + "|" + previous, saved);
    }
    const restored = kept.get(prefix + "|" + select.value);
    box.replaceChildren(restored || fragment("method-" + select.value, prefix) || "");
    box.dataset.kind = select.value;
  }

  let dirty = false;
  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-add]");
    if (button && addRow(button)) {
      event.preventDefault();
      dirty = true;
    }
  });

  form.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-method-kind]");
    if (select) {
      switchMethod(select);
      return;
    }
    const box = event.target.closest("input[data-delete]");
    if (box) {
      const row = box.closest("[data-row]");
      if (row) row.classList.toggle("muted", box.checked);
    }
  });
})();
