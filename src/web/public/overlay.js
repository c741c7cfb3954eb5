/**
 * The overlay page (OBS browser source). Plays alerts one at a time from a queue. The browser's EventSource
 * reconnects by itself (sending Last-Event-ID); when it gives up (a non-200 answer, e.g. during a deploy), the
 * page opens a new one with `?lastEventId=` after a growing delay. Donations are de-duplicated by their id,
 * which survives restarts. Everything server-side (stream, media and speech URLs, the fallback duration, labels)
 * comes from #overlay's data- attributes.
 *
 * How an alert looks comes from the `settings` event (the stream sends it first, then on every change): it
 * applies from the next alert on, never to the one on screen. What an alert says and plays comes with it, as
 * `view` (filled texts, tier, image, sound, speech, duration); alerts stored before views existed have none and
 * are drawn from the donation itself.
 *
 * The dashboard steers the queue with `control` events (`skip` ends the alert on screen; `pause` takes it off
 * and holds every alert, in order, until `resume`; a stream opens with `pause` while paused) and plays a stored
 * donation again with a `replay` event, told apart from the donation by its event id.
 */
(() => {
  'use strict';
  const root = document.getElementById('overlay');
  const eventsUrl = root.getAttribute('data-events-url');
  const mediaUrl = root.getAttribute('data-media-url');
  const ttsUrl = root.getAttribute('data-tts-url');
  const fallbackDurationMs = Number(root.getAttribute('data-duration-ms')) || 8000;
  const anonymous = root.getAttribute('data-anonymous');
  const testLabel = root.getAttribute('data-test-label');
  /** An alert waits this much longer than its duration at most for its sound and speech to finish. */
  const AUDIO_GRACE_MS = 60000;
  /** Audio that has neither played nor failed by then counts as failed: a stalled load never holds the queue. */
  const AUDIO_START_TIMEOUT_MS = 10000;
  const ANIMATIONS = ['fade', 'slide-up', 'slide-down', 'zoom', 'bounce', 'none'];
  const LAYOUTS = ['image-above', 'image-left'];
  const COLOR = /^#[0-9a-f]{6}([0-9a-f]{2})?$/i;
  const queue = [];
  const seen = [];
  /** The latest `settings` event: how the next alert is drawn (null until the first one, the CSS defaults). */
  let presentation = null;
  let playing = false;
  /** The alert on screen and how to end it: `end(true)` puts it back at the head of the queue (pause). */
  let current = null;
  let paused = false;
  const seenReplays = [];
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

  function oneOf(value, allowed, fallback) {
    return allowed.includes(value) ? value : fallback;
  }

  function fraction(percent) {
    const value = Number(percent) / 100;
    return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
  }

  function setColor(card, property, value) {
    if (typeof value === 'string' && COLOR.test(value)) {
      card.style.setProperty(property, value);
    }
  }

  /** What to show and play: from the view, or, for an alert stored without one, from the donation. */
  function alertOf(type, data) {
    const view = data.view;
    if (view && typeof view === 'object') {
      return {
        type,
        id: data.donationId,
        title: String(view.title ?? ''),
        message: String(view.message ?? ''),
        tier: Number.isInteger(view.tier) ? view.tier : null,
        imageId: typeof view.imageId === 'string' && view.imageId ? view.imageId : null,
        soundId: typeof view.soundId === 'string' && view.soundId ? view.soundId : null,
        volume: view.volume,
        durationMs: Number(view.durationMs) > 0 ? Number(view.durationMs) : fallbackDurationMs,
        accentColor: view.accentColor,
        tts: view.tts === true,
        ttsVolume: view.ttsVolume,
      };
    }
    return {
      type,
      id: data.donationId,
      title: `${data.donorName || anonymous} — ${formatAmount(data.amount, data.currency)}`,
      message: data.message || '',
      tier: null,
      imageId: null,
      soundId: null,
      volume: 0,
      durationMs: fallbackDurationMs,
      accentColor: null,
      tts: false,
      ttsVolume: 0,
    };
  }

  /**
   * One audio element of a card, its state in `stateAttribute` (none, loading, playing, ended, error). `start()`
   * plays it and resolves once it ended or failed, never rejects: a broken sound only goes silent.
   */
  function audioTrack(card, className, stateAttribute, url, volume) {
    const setState = (state) => card.setAttribute(stateAttribute, state);
    if (!url) {
      setState('none');
      return { start: () => Promise.resolve(), stop: () => {} };
    }
    setState('loading');
    const audio = element('audio', className);
    audio.preload = 'auto';
    audio.volume = fraction(volume);
    let finish;
    const finished = new Promise((resolve) => {
      finish = resolve;
    });
    let done = false;
    let timer = null;
    const end = (state) => {
      if (done) {
        return;
      }
      done = true;
      clearTimeout(timer);
      setState(state);
      finish();
    };
    audio.addEventListener('playing', () => {
      clearTimeout(timer);
      if (!done) {
        setState('playing');
      }
    });
    audio.addEventListener('ended', () => end('ended'));
    audio.addEventListener('error', () => end('error'));
    audio.src = url;
    card.appendChild(audio);
    return {
      start() {
        if (!done) {
          timer = setTimeout(() => end('error'), AUDIO_START_TIMEOUT_MS);
          audio.play().catch(() => end('error'));
        }
        return finished;
      },
      stop() {
        done = true;
        clearTimeout(timer);
        audio.pause();
      },
    };
  }

  function render(alert) {
    const look = presentation || {};
    const enter = oneOf(look.enter, ANIMATIONS, 'fade');
    const exit = oneOf(look.exit, ANIMATIONS, 'fade');
    const transitionMs = Math.min(500, Math.floor(alert.durationMs / 4));
    const card = element('div', 'alert');
    card.setAttribute('data-donation-id', alert.id);
    if (alert.replay) {
      card.setAttribute('data-replay', 'true');
    }
    card.setAttribute('data-tier', alert.tier === null ? 'base' : String(alert.tier));
    card.setAttribute('data-layout', oneOf(look.layout, LAYOUTS, 'image-above'));
    card.setAttribute('data-enter', enter);
    card.setAttribute('data-exit', exit);
    card.style.setProperty('--enter-ms', `${enter === 'none' ? 0 : transitionMs}ms`);
    card.style.setProperty('--exit-ms', `${exit === 'none' ? 0 : transitionMs}ms`);
    if (Number.isFinite(look.fontSizePx) && look.fontSizePx > 0) {
      card.style.setProperty('--alert-font-size', `${look.fontSizePx}px`);
    }
    setColor(card, '--alert-text-color', look.textColor);
    setColor(card, '--alert-background', look.backgroundColor);
    setColor(card, '--alert-accent', look.accentColor);
    setColor(card, '--alert-accent', alert.accentColor);

    if (alert.type === 'test') {
      card.appendChild(element('div', 'alert-badge', testLabel));
    }
    const body = element('div', 'alert-body');
    card.setAttribute('data-image-state', alert.imageId ? 'loading' : 'none');
    if (alert.imageId) {
      const image = element('img', 'alert-image');
      image.alt = '';
      image.addEventListener('load', () => card.setAttribute('data-image-state', 'loaded'));
      image.addEventListener('error', () => {
        card.setAttribute('data-image-state', 'error');
        image.remove();
      });
      image.src = `${mediaUrl}/${encodeURIComponent(alert.imageId)}`;
      body.appendChild(image);
    }
    const text = element('div', 'alert-text');
    text.appendChild(element('div', 'alert-title', alert.title));
    if (alert.message) {
      text.appendChild(element('div', 'alert-message', alert.message));
    }
    body.appendChild(text);
    card.appendChild(body);

    const sound = audioTrack(
      card,
      'alert-sound',
      'data-sound-state',
      alert.soundId && `${mediaUrl}/${encodeURIComponent(alert.soundId)}`,
      alert.volume,
    );
    const speech = audioTrack(
      card,
      'alert-tts',
      'data-tts-state',
      alert.tts && `${ttsUrl}/${encodeURIComponent(alert.id)}`,
      alert.ttsVolume,
    );
    return { card, sound, speech, exitMs: exit === 'none' ? 0 : transitionMs };
  }

  /**
   * Shows an alert for its duration, and longer while its sound and then its speech play (up to
   * AUDIO_GRACE_MS more), then lets it leave and plays the next one.
   */
  function play(alert) {
    const { card, sound, speech, exitMs } = render(alert);
    root.appendChild(card);
    let durationOver = false;
    let audioOver = false;
    let left = false;
    /** Ends this alert's time on screen once: no more timers or audio; false if it had ended already. */
    const stop = () => {
      if (left) {
        return false;
      }
      left = true;
      current = null;
      clearTimeout(capTimer);
      sound.stop();
      speech.stop();
      return true;
    };
    const leave = () => {
      if (!stop()) {
        return;
      }
      card.classList.add('leaving');
      setTimeout(() => {
        card.remove();
        playing = false;
        playNext();
      }, exitMs);
    };
    current = {
      skip: leave,
      // Paused: the card goes at once, and the alert waits at the head of the queue to play whole later.
      putBack: () => {
        if (!stop()) {
          return;
        }
        card.remove();
        queue.unshift(alert);
        playing = false;
        queueChanged();
      },
    };
    const capTimer = setTimeout(leave, alert.durationMs + AUDIO_GRACE_MS - exitMs);
    setTimeout(() => {
      durationOver = true;
      if (audioOver) {
        leave();
      }
    }, alert.durationMs - exitMs);
    sound
      .start()
      .then(() => speech.start())
      .then(() => {
        audioOver = true;
        if (durationOver) {
          leave();
        }
      });
  }

  /** How many alerts wait (`data-queued`), for whoever watches the page. */
  function queueChanged() {
    root.setAttribute('data-queued', String(queue.length));
  }

  function playNext() {
    if (playing || paused || queue.length === 0) {
      queueChanged();
      return;
    }
    playing = true;
    play(queue.shift());
    queueChanged();
  }

  function rememberId(message) {
    if (message.lastEventId) {
      lastEventId = message.lastEventId;
    }
  }

  function parse(message) {
    try {
      const data = JSON.parse(message.data);
      return data && typeof data === 'object' ? data : null;
    } catch {
      return null;
    }
  }

  function onSettings(message) {
    rememberId(message);
    const data = parse(message);
    if (data) {
      presentation = data;
    }
  }

  function onAlert(message) {
    rememberId(message);
    const data = parse(message);
    if (!data || seen.includes(data.donationId)) {
      return;
    }
    seen.push(data.donationId);
    if (seen.length > 500) {
      seen.shift();
    }
    queue.push(alertOf(message.type, data));
    playNext();
  }

  /** Replays are the same donation again: told apart by their event id, not the donation's. */
  function onReplay(message) {
    rememberId(message);
    const data = parse(message);
    const key = message.lastEventId || `${data && data.donationId}:${data && data.replayedAt}`;
    if (!data || seenReplays.includes(key)) {
      return;
    }
    seenReplays.push(key);
    if (seenReplays.length > 100) {
      seenReplays.shift();
    }
    const alert = alertOf('donation', data);
    alert.replay = true;
    queue.push(alert);
    playNext();
  }

  function onControl(message) {
    rememberId(message);
    const data = parse(message);
    const action = data && data.action;
    if (action === 'skip' && current) {
      current.skip();
    } else if (action === 'pause') {
      paused = true;
      root.setAttribute('data-paused', 'true');
      if (current) {
        current.putBack();
      }
    } else if (action === 'resume') {
      paused = false;
      root.setAttribute('data-paused', 'false');
      playNext();
    }
  }

  function connect() {
    const url = eventsUrl + (lastEventId ? `?lastEventId=${encodeURIComponent(lastEventId)}` : '');
    source = new EventSource(url);
    source.onopen = () => {
      retryMs = 3000;
      root.setAttribute('data-state', 'live');
    };
    source.addEventListener('settings', onSettings);
    source.addEventListener('donation', onAlert);
    source.addEventListener('test', onAlert);
    source.addEventListener('replay', onReplay);
    source.addEventListener('control', onControl);
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
