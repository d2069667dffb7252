// Poll a background job's progress until it finishes, then show the download link.
(function () {
  "use strict";
  const box = document.getElementById("job");
  if (!box) return;
  async function poll() {
    const response = await fetch(box.dataset.stateUrl, { headers: { "Accept": "application/json" } });
    if (!response.ok) return;
    const state = await response.json();
    const bar = document.getElementById("job-progress");
    bar.max = state.total || 1;
    bar.value = state.done;
    document.getElementById("job-count").textContent = state.done + " / " + (state.total || "…");
    document.getElementById("job-status").textContent = state.status;
    if (state.status === "finished") document.getElementById("job-download").hidden = false;
    else if (state.status !== "failed") setTimeout(poll, 1000);
  }
  poll();
})();
