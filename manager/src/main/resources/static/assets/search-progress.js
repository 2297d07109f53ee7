// The Searches pages (templates/searches.html, search.html) while a search they show has not
// ended (#live[data-refresh=true]): fetches the same page again every second (same origin, the
// user's session) and puts its fresh #live in place of the old one, so progress, queue positions
// and the result show without a reload and without disturbing the start form. Stops once nothing
// shown is queued or running, or when the answer has no #live (signed out, the search deleted).
'use strict';
(function () {
  if (!document.getElementById('live')) {
    return;
  }
  async function refresh() {
    const live = document.getElementById('live');
    if (!live || live.dataset.refresh !== 'true') {
      return;
    }
    try {
      const response = await fetch(window.location.href, {headers: {'Accept': 'text/html'}, credentials: 'same-origin'});
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), 'text/html');
        const fresh = page.getElementById('live');
        if (!fresh) {
          return;
        }
        live.replaceWith(document.adoptNode(fresh));
      }
    } catch (e) {
      // the manager is away for a moment: ask again
    }
    window.setTimeout(refresh, 1000);
  }
  window.setTimeout(refresh, 1000);
})();
