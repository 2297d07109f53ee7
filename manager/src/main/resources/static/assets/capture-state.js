// A capture's page (templates/capture.html) while the capture is queued, running or carving: asks
// the page's own state URL (same origin, the user's session) every second and reloads the page
// when the state changes, so the result shows without a click; meanwhile it shows the packets so far.
'use strict';
(function () {
  const capture = document.getElementById('capture');
  if (!capture || !capture.dataset.poll) {
    return;
  }
  const seen = document.getElementById('packets-seen');
  async function poll() {
    try {
      const response = await fetch(capture.dataset.poll, {headers: {'Accept': 'application/json'}, credentials: 'same-origin'});
      if (response.ok) {
        const answer = await response.json();
        if (answer.state !== capture.dataset.state) {
          window.location.reload();
          return;
        }
        if (seen && answer.packets_seen !== null && answer.packets_seen !== undefined) {
          seen.textContent = answer.packets_seen;
        }
      }
    } catch (e) {
      // the manager is away for a moment: ask again
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 1000);
})();
