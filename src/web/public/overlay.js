/**
 * The overlay page (OBS browser source). Plays alerts one at a time from a queue. The browser's EventSource
 * reconnects by itself (sending Last-Event-ID); when it gives up (a non-200 answer, e.g. during a deploy), the
 * page opens a new one with `?lastEventId=` after a growing delay. Donations are de-duplicated by their id,
 * which survives restarts. Everything server-side (stream URL, duration, labels) comes from #overlay's data-
 * attributes.
 */
(() => {
  'use strict';
  const root = document.getElementById('overlay');
  const eventsUrl = root.getAttribute('data-events-url');
  const durationMs = Number(root.getAttribute('data-duration-ms')) || 8000;
  const anonymous = root.getAttribute('data-anonymous');
  const testLabel = root.getAttribute('data-test-label');
  const transitionMs = Math.min(500, Math.floor(durationMs / 4));
  const queue = [];
  const seen = [];
  let playing = false;
  let lastEventId = null;
  let retryMs = 3000;
  let source = null;

  function formatAmount(amount, currency) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang, { style: 'currency', currency }).format(
        Number(amount),
      );
    } catch {
      return `${amount} ${currency}`;
    }
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function render(alert) {
    const card = element('div', 'alert');
    card.setAttribute('data-donation-id', alert.data.donationId);
    card.style.setProperty('--enter-ms', `${transitionMs}ms`);
    card.style.setProperty('--exit-ms', `${transitionMs}ms`);
    if (alert.type === 'test') {
      card.appendChild(element('div', 'alert-badge', testLabel));
    }
    const title = element('div', 'alert-title');
    title.appendChild(element('span', 'alert-donor', alert.data.donorName || anonymous));
    title.appendChild(document.createTextNode(' — '));
    title.appendChild(element('span', 'alert-amount', formatAmount(alert.data.amount, alert.data.currency)));
    card.appendChild(title);
    if (alert.data.message) {
      card.appendChild(element('div', 'alert-message', alert.data.message));
    }
    return card;
  }

  function playNext() {
    if (playing || queue.length === 0) {
      return;
    }
    playing = true;
    const card = render(queue.shift());
    root.appendChild(card);
    setTimeout(() => {
      card.classList.add('leaving');
      setTimeout(() => {
        card.remove();
        playing = false;
        playNext();
      }, transitionMs);
    }, durationMs - transitionMs);
  }

  function onAlert(message) {
    if (message.lastEventId) {
      lastEventId = message.lastEventId;
    }
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    if (seen.includes(data.donationId)) {
      return;
    }
    seen.push(data.donationId);
    if (seen.length > 500) {
      seen.shift();
    }
    queue.push({ type: message.type, data });
    playNext();
  }

  function connect() {
    const url = eventsUrl + (lastEventId ? `?lastEventId=${encodeURIComponent(lastEventId)}` : '');
    source = new EventSource(url);
    source.onopen = () => {
      retryMs = 3000;
      root.setAttribute('data-state', 'live');
    };
    source.addEventListener('donation', onAlert);
    source.addEventListener('test', onAlert);
    // The server could not replay what was missed: nothing to resync but the id, which it cleared.
    source.addEventListener('reset', () => {
      lastEventId = null;
    });
    source.onerror = () => {
      root.setAttribute('data-state', 'reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 60000);
      }
    };
  }

  connect();
})();
