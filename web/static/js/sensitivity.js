// While the ranking's sensitivity is computed in the background, fetch the page again every
// few seconds and, once it is current, put its ranking table in place of this one. Only the
// table and the notice are replaced: nothing typed elsewhere on the page is lost.
(function () {
  "use strict";
  const pending = document.getElementById("sensitivity-pending");
  const table = document.getElementById("ranking-table");
  if (!pending || !table) return;
  let tries = 0;
  async function poll() {
    tries += 1;
    let page;
    try {
      const response = await fetch(window.location.href, { headers: { "Accept": "text/html" } });
      if (!response.ok) throw new Error(String(response.status));
      page = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (err) {
      if (tries < 60) setTimeout(poll, 5000);
      return;
    }
    const fresh = page.getElementById("ranking-table");
    if (page.getElementById("sensitivity-pending") || !fresh) {
      if (tries < 60) setTimeout(poll, 2000);
      return;
    }
    document.getElementById("ranking-table").replaceWith(document.adoptNode(fresh));
    const failed = page.getElementById("sensitivity-failed");
    if (failed) pending.replaceWith(document.adoptNode(failed));
    else pending.remove();
  }
  setTimeout(poll, 1500);
})();
