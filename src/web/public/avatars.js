/**
 * The avatar wall page (OBS browser source): a tile per viewer who writes in chat. The stream (opened with
 * `?wall=1`) starts with a `wall` event holding everyone on the wall; `chatter` adds a viewer or updates them
 * (a found avatar, a new name), `chatter-left` takes one off. A live event may repeat what the wall already
 * holds, so each is applied as "make it so". Donation events are ignored.
 * Like the alert page, it reconnects by itself with Last-Event-ID, and opens a new stream with `?lastEventId=`
 * after a growing delay when the EventSource gives up.
 */
(() => {
  'use strict';
  const root = document.getElementById('avatars');
  const eventsUrl = root.getAttribute('data-events-url');
  const FADE_MS = 400;
  /** userId → its tile. Map order is the order tiles were added: the first is the one shown longest. */
  const tiles = new Map();
  let max = Infinity;
  let lastEventId = null;
  let retryMs = 3000;
  let source = null;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function initials(name) {
    const letters = Array.from(name.replace(/[^\p{L}\p{N}]+/gu, ''));
    return (letters.slice(0, 2).join('') || '?').toUpperCase();
  }

  /** A stable hue per viewer, so a tile without a picture keeps its colour across reconnects. */
  function hueOf(userId) {
    let hash = 0;
    for (const char of userId) {
      hash = (hash * 31 + char.charCodeAt(0)) % 360;
    }
    return hash;
  }

  function initialsOf(chatter) {
    const node = element(
      'div',
      'avatar-picture avatar-initials',
      initials(chatter.displayName || chatter.login),
    );
    node.style.setProperty('--hue', String(hueOf(chatter.userId)));
    return node;
  }

  /** The picture, or initials without one; redrawn only when the URL changes. */
  function drawPicture(tile, chatter) {
    const url = chatter.avatarUrl || '';
    const current = tile.querySelector('.avatar-picture');
    if (current && current.getAttribute('data-url') === url) {
      return;
    }
    let picture;
    if (url) {
      picture = element('img', 'avatar-picture avatar-image');
      picture.alt = '';
      picture.referrerPolicy = 'no-referrer';
      // A picture that does not load (CDN down) falls back to initials.
      picture.addEventListener(
        'error',
        () => {
          const fallback = initialsOf(chatter);
          fallback.setAttribute('data-url', url);
          picture.replaceWith(fallback);
        },
        { once: true },
      );
      picture.src = url;
    } else {
      picture = initialsOf(chatter);
    }
    picture.setAttribute('data-url', url);
    if (current) {
      current.replaceWith(picture);
    } else {
      tile.prepend(picture);
    }
  }

  function show(chatter) {
    let tile = tiles.get(chatter.userId);
    if (!tile) {
      tile = element('div', 'avatar');
      tile.setAttribute('data-user-id', chatter.userId);
      tile.style.setProperty('--fade-ms', `${FADE_MS}ms`);
      tile.appendChild(element('div', 'avatar-name'));
      tiles.set(chatter.userId, tile);
      root.appendChild(tile);
    }
    tile.querySelector('.avatar-name').textContent = chatter.displayName || chatter.login;
    drawPicture(tile, chatter);
    while (tiles.size > max) {
      hide(tiles.keys().next().value);
    }
  }

  function hide(userId) {
    const tile = tiles.get(userId);
    if (!tile) {
      return;
    }
    tiles.delete(userId);
    tile.classList.add('leaving');
    setTimeout(() => tile.remove(), FADE_MS);
  }

  function parse(message) {
    try {
      return JSON.parse(message.data);
    } catch {
      return null;
    }
  }

  function onWall(message) {
    const wall = parse(message);
    if (!wall) {
      return;
    }
    max = wall.max > 0 ? wall.max : Infinity;
    const present = new Set(wall.viewers.map((viewer) => viewer.userId));
    for (const userId of [...tiles.keys()]) {
      if (!present.has(userId)) {
        hide(userId);
      }
    }
    wall.viewers.forEach(show);
  }

  function onChatter(message) {
    if (message.lastEventId) {
      lastEventId = message.lastEventId;
    }
    const chatter = parse(message);
    if (chatter) {
      show(chatter);
    }
  }

  function onLeft(message) {
    if (message.lastEventId) {
      lastEventId = message.lastEventId;
    }
    const left = parse(message);
    if (left) {
      hide(left.userId);
    }
  }

  /** Alerts are not drawn here, but they move the stream forward: a reconnect replays from after them. */
  function onAlert(message) {
    if (message.lastEventId) {
      lastEventId = message.lastEventId;
    }
  }

  function connect() {
    const url = new URL(eventsUrl, location.href);
    if (lastEventId) {
      url.searchParams.set('lastEventId', lastEventId);
    }
    source = new EventSource(url.pathname + url.search);
    source.onopen = () => {
      retryMs = 3000;
      root.setAttribute('data-state', 'live');
    };
    source.addEventListener('wall', onWall);
    source.addEventListener('chatter', onChatter);
    source.addEventListener('chatter-left', onLeft);
    source.addEventListener('donation', onAlert);
    source.addEventListener('test', onAlert);
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
