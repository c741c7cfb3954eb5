/** The overlay page's stylesheet and script, served by the app itself (OBS must not depend on a CDN). */
export const OVERLAY_CSS = `
html, body { margin: 0; width: 1920px; height: 1080px; overflow: hidden; background: transparent; }
body { font: 600 40px/1.3 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #fff; }
#overlay { position: absolute; inset: 0; display: flex; justify-content: center; align-items: flex-start; padding-top: 120px; }
.alert { box-sizing: border-box; max-width: 1200px; padding: 32px 48px; border-radius: 24px; text-align: center;
  background: rgba(14, 14, 16, 0.78); box-shadow: 0 12px 48px rgba(0, 0, 0, 0.45); text-shadow: 0 2px 6px rgba(0, 0, 0, 0.8);
  animation: alert-enter var(--enter-ms, 500ms) cubic-bezier(0.2, 0.9, 0.3, 1.2) both; }
.alert.leaving { animation: alert-exit var(--exit-ms, 500ms) ease-in both; }
.alert-badge { display: inline-block; margin-bottom: 12px; padding: 2px 16px; border-radius: 999px; background: #ffb31a; color: #18181b; font-size: 24px; text-shadow: none; }
.alert-title { font-size: 56px; }
.alert-donor { color: #bf94ff; }
.alert-amount { color: #00f593; white-space: nowrap; }
.alert-message { margin-top: 16px; font-weight: 500; font-size: 36px; overflow-wrap: anywhere; }
@keyframes alert-enter { from { opacity: 0; transform: translateY(-60px) scale(0.9); } to { opacity: 1; transform: none; } }
@keyframes alert-exit { from { opacity: 1; transform: none; } to { opacity: 0; transform: translateY(-40px) scale(0.95); } }
@media (prefers-reduced-motion: reduce) { .alert, .alert.leaving { animation-duration: 1ms; } }
`;

/**
 * Plays alerts one at a time from a queue. The browser's EventSource reconnects by itself (sending
 * Last-Event-ID); when it gives up (a non-200 answer, e.g. during a deploy), the page opens a new one with
 * `?lastEventId=` after a growing delay. Donations are de-duplicated by their id, which survives restarts.
 */
export const OVERLAY_JS = `
(function () {
  'use strict';
  var root = document.getElementById('overlay');
  var eventsUrl = root.getAttribute('data-events-url');
  var durationMs = Number(root.getAttribute('data-duration-ms')) || 8000;
  var anonymous = root.getAttribute('data-anonymous');
  var testLabel = root.getAttribute('data-test-label');
  var transitionMs = Math.min(500, Math.floor(durationMs / 4));
  var queue = [];
  var playing = false;
  var seen = [];
  var lastEventId = null;
  var retryMs = 3000;
  var source = null;

  function formatAmount(amount, currency) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang, { style: 'currency', currency: currency }).format(Number(amount));
    } catch (error) {
      return amount + ' ' + currency;
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function render(alert) {
    var card = element('div', 'alert');
    card.setAttribute('data-donation-id', alert.data.donationId);
    card.style.setProperty('--enter-ms', transitionMs + 'ms');
    card.style.setProperty('--exit-ms', transitionMs + 'ms');
    if (alert.type === 'test') { card.appendChild(element('div', 'alert-badge', testLabel)); }
    var title = element('div', 'alert-title');
    title.appendChild(element('span', 'alert-donor', alert.data.donorName || anonymous));
    title.appendChild(document.createTextNode(' — '));
    title.appendChild(element('span', 'alert-amount', formatAmount(alert.data.amount, alert.data.currency)));
    card.appendChild(title);
    if (alert.data.message) { card.appendChild(element('div', 'alert-message', alert.data.message)); }
    return card;
  }

  function playNext() {
    if (playing || queue.length === 0) { return; }
    playing = true;
    var card = render(queue.shift());
    root.appendChild(card);
    setTimeout(function () {
      card.classList.add('leaving');
      setTimeout(function () {
        card.remove();
        playing = false;
        playNext();
      }, transitionMs);
    }, durationMs - transitionMs);
  }

  function onAlert(message) {
    if (message.lastEventId) { lastEventId = message.lastEventId; }
    var data;
    try { data = JSON.parse(message.data); } catch (error) { return; }
    if (seen.indexOf(data.donationId) !== -1) { return; }
    seen.push(data.donationId);
    if (seen.length > 500) { seen.shift(); }
    queue.push({ type: message.type, data: data });
    playNext();
  }

  function connect() {
    var url = eventsUrl + (lastEventId ? '?lastEventId=' + encodeURIComponent(lastEventId) : '');
    source = new EventSource(url);
    source.onopen = function () { retryMs = 3000; root.setAttribute('data-state', 'live'); };
    source.addEventListener('donation', onAlert);
    source.addEventListener('test', onAlert);
    // The server could not replay what was missed: nothing to resync but the id, which it cleared.
    source.addEventListener('reset', function () { lastEventId = null; });
    source.onerror = function () {
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
`;
