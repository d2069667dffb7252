// Poll a background job's progress until it finishes, then show the download link.
(function () {
  "use strict";
  const box = document.getElementById("job");
  if (!box) return;
  // RQ's states, as people read them (deferred/scheduled wait like queued; stopped/canceled failed).
  const STATES = {
    queued: i18n("job-queued"), deferred: i18n("job-queued"), scheduled: i18n("job-queued"),
    started: i18n("job-started"), finished: i18n("job-finished"),
    failed: i18n("job-failed"), stopped: i18n("job-failed"), canceled: i18n("job-failed"),
  };
  const statusLine = document.getElementById("job-status");
  async function poll() {
    let state;
    try {
      const response = await fetch(box.dataset.stateUrl, { headers: { "Accept": "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      state = await response.json();
    } catch (err) {
      statusLine.textContent = i18n("job-unreachable");
      setTimeout(poll, 5000);
      return;
    }
    const bar = document.getElementById("job-progress");
    bar.max = state.total || 1;
    bar.value = state.done;
    document.getElementById("job-count").textContent = state.done + " / " + (state.total || "…");
    statusLine.textContent = state.message || STATES[state.status] || i18n("job-unknown");
    statusLine.dataset.status = state.status;
    if (state.status === "finished") document.getElementById("job-download").hidden = false;
    else if (!["failed", "stopped", "canceled"].includes(state.status)) setTimeout(poll, 1000);
  }
  poll();
})();
