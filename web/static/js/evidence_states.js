// While an evidence file's text is still being extracted, ask the server how far it is and
// update its label (the labels come translated from the server); stop when none is pending.
// Each list of files names its state URL in data-text-states-url.
(function () {
  "use strict";
  const CLASSES = { text: "ok", ocr: "warn" };
  function watch(box) {
    const pending = () => box.querySelectorAll('[data-role="text-state"][aria-busy="true"]');
    async function poll() {
      if (!pending().length) return;
      let answer;
      try {
        const response = await fetch(box.dataset.textStatesUrl, { headers: { "Accept": "application/json" } });
        if (!response.ok) throw new Error(String(response.status));
        answer = await response.json();
      } catch (err) {
        for (const tag of pending()) tag.title = i18n("text-state-unreachable");
        setTimeout(poll, 5000);
        return;
      }
      for (const file of answer.files) {
        const tag = box.querySelector('[data-role="text-state"][data-evidence="' + file.id + '"]');
        if (!tag) continue;
        tag.textContent = file.label;
        tag.dataset.state = file.state;
        tag.title = "";
        if (file.pending) continue;
        tag.removeAttribute("aria-busy");
        tag.classList.remove("ok", "warn", "bad");
        tag.classList.add(CLASSES[file.state] || "bad");
        if (file.problem) tag.setAttribute("role", "alert");
      }
      if (pending().length) setTimeout(poll, 2000);
    }
    setTimeout(poll, 1000);
  }
  document.querySelectorAll("[data-text-states-url]").forEach(watch);
})();
