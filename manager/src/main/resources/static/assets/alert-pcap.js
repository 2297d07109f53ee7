// The Download pcap button of an alert's PCAP section (templates/alert.html). It runs the REST
// chain the seed's client runs, with the signed-in user's session and the page's CSRF token:
// upload (send request to probe) -> extract_pcap (extract on probe; a 202 is asked again, which
// joins the carve) -> retrieve (retrieve to manager) -> download (start download). Each step shows
// its state; a failed step shows the server's own error and detail, and Try again starts over. Once
// the download starts, a link to the pcap's page in Results (kind extraction) shows.
'use strict';
(function () {
  const section = document.getElementById('pcap');
  const button = document.getElementById('download-pcap');
  if (!section || !button) {
    return;
  }
  const retry = document.getElementById('try-again');
  const list = document.getElementById('pcap-steps');
  const chain = section.dataset.chain;
  const results = section.dataset.results;
  const resultLink = document.getElementById('pcap-result-link');
  const host = section.dataset.host;
  const alertJson = section.dataset.alert;
  const csrfToken = meta('_csrf');
  const csrfHeader = meta('_csrf_header');
  const STEPS = ['send', 'extract', 'retrieve', 'download'];
  const BADGES = {waiting: '', running: 'info', done: 'good', started: 'good', failed: 'bad'};

  function meta(name) {
    const m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute('content') : null;
  }

  function show(step, state, detail, error) {
    const item = document.getElementById('step-' + step);
    item.dataset.state = state;
    const badge = item.querySelector('.state');
    badge.textContent = state;
    badge.className = 'state badge ' + BADGES[state];
    item.querySelector('.detail').textContent = detail || '';
    const err = item.querySelector('.error');
    err.textContent = error || '';
    err.hidden = !error;
  }

  /** One call of the chain; its status and JSON answer, or an Error with the server's own words. */
  async function call(method, path, body) {
    const headers = {'Accept': 'application/json'};
    if (method !== 'GET' && method !== 'HEAD' && csrfToken && csrfHeader) {
      headers[csrfHeader] = csrfToken;
    }
    let response;
    try {
      response = await fetch(chain + path, {method: method, headers: headers, body: body, credentials: 'same-origin'});
    } catch (e) {
      throw new Error('the manager cannot be reached: ' + e.message);
    }
    if (method === 'HEAD') {
      if (!response.ok) { // a HEAD answer has no body: ask again for the error's words
        return call('GET', path);
      }
      return {status: response.status, answer: null};
    }
    const text = await response.text();
    let answer = null;
    try {
      answer = JSON.parse(text);
    } catch (e) {
      answer = null;
    }
    if (!response.ok) {
      if (answer && answer.error) {
        throw new Error(answer.error + (answer.detail ? ': ' + answer.detail : ''));
      }
      throw new Error('HTTP ' + response.status + (text ? ': ' + text.slice(0, 300) : ''));
    }
    return {status: response.status, answer: answer};
  }

  async function run() {
    button.disabled = true;
    retry.hidden = true;
    resultLink.hidden = true;
    list.hidden = false;
    STEPS.forEach(function (s) { show(s, 'waiting'); });
    const probe = '?host=' + encodeURIComponent(host);
    let step = 'send';
    try {
      show(step, 'running');
      const form = new FormData();
      form.append('file', new Blob([alertJson], {type: 'application/json'}), 'alert.json');
      const upload = await call('POST', 'upload/' + probe, form);
      const job = encodeURIComponent(upload.answer.filename);
      show(step, 'done', 'job ' + upload.answer.filename);

      step = 'extract';
      show(step, 'running');
      let extract = await call('POST', job + '/extract_pcap/' + probe);
      while (extract.status === 202) {
        show(step, 'running', extract.answer && extract.answer.detail);
        extract = await call('POST', job + '/extract_pcap/' + probe);
      }
      show(step, 'done', extract.answer.packets + ' packets, ' + extract.answer.bytes + ' bytes, '
          + extract.answer.first_ts + ' to ' + extract.answer.last_ts);

      step = 'retrieve';
      show(step, 'running');
      const retrieve = await call('GET', job + '/retrieve/' + probe);
      show(step, 'done', retrieve.answer.size + ' bytes, SHA-256 ' + retrieve.answer.sha256);

      step = 'download';
      show(step, 'running');
      await call('HEAD', job + '/download/');
      const link = document.createElement('a');
      link.href = chain + job + '/download/';
      link.download = upload.answer.filename + '.pcap';
      link.id = 'pcap-file';
      document.body.appendChild(link);
      link.click();
      link.remove();
      show(step, 'started', upload.answer.filename + '.pcap');
      const result = document.getElementById('pcap-result');
      result.href = results + job;
      result.textContent = 'extraction ' + upload.answer.filename;
      resultLink.hidden = false;
    } catch (e) {
      show(step, 'failed', null, e.message);
      retry.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener('click', run);
  retry.addEventListener('click', run);
})();
