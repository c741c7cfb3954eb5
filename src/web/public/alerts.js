/**
 * The dashboard's «Оповещения» card: the alert settings form (`GET`/`PUT /api/alerts/settings`; a refused save
 * shows the server's message next to each field it names, e.g. `tiers.0.minAmount`), the uploaded images and
 * sounds (`/api/alerts/media`) and the «На проверке» list (`/api/alerts/held`, polled every 10 s). Labels are
 * rendered by the server; the script's own texts come from #alerts-root's data- attributes. Every text from
 * the server goes in as text, never as HTML.
 */
(() => {
  'use strict';
  const root = document.getElementById('alerts-root');
  if (!root) {
    return;
  }
  const SETTINGS_URL = '/api/alerts/settings';
  const MEDIA_URL = '/api/alerts/media';
  const HELD_URL = '/api/alerts/held';
  const HELD_POLL_MS = 10000;
  const form = document.getElementById('alerts-form');
  const save = document.getElementById('alerts-save');
  const status = document.getElementById('alerts-status');
  const tiersBox = document.getElementById('alerts-tiers');
  const currenciesBox = document.getElementById('alerts-currencies');
  const tierTemplate = document.getElementById('alerts-tier-template');
  const currencyTemplate = document.getElementById('alerts-currency-template');
  const mediaList = document.getElementById('alerts-media-list');
  const mediaUsage = document.getElementById('alerts-media-usage');
  const mediaStatus = document.getElementById('alerts-media-status');
  const mediaFile = document.getElementById('alerts-media-file');
  const heldList = document.getElementById('alerts-held-list');
  const heldStatus = document.getElementById('alerts-held-status');
  /** The streamer's uploads: `{ id, kind: 'image'|'sound', name, size }`; empty while the list is unavailable. */
  let media = [];

  const label = (name) => root.getAttribute(`data-${name}`) || '';

  function show(node, text) {
    node.textContent = text || '';
    node.hidden = !text;
  }

  /** A same-origin request; resolves with the status and the parsed JSON body (null when there is none). */
  function request(method, url, body) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then((response) =>
      response.text().then((text) => {
        let parsed;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          parsed = null;
        }
        return { ok: response.ok, status: response.status, body: parsed };
      }),
    );
  }

  /** What went wrong, in the server's words when it gave some. */
  function problemOf(result) {
    const body = result.body || {};
    if (body.errors && typeof body.errors === 'object') {
      return Object.values(body.errors).flat().join('; ');
    }
    const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    return `${label('failed')} (${result.status}${message ? `: ${message}` : ''})`;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function option(value, text) {
    const node = element('option', '', text);
    node.value = value;
    return node;
  }

  function button(text, className, onClick) {
    const node = element('button', className, text);
    node.type = 'button';
    node.addEventListener('click', onClick);
    return node;
  }

  // ---- Values in and out of the form -------------------------------------------------------------------

  const named = (name) => form.elements.namedItem(name);

  function setControl(control, value) {
    if (control.type === 'checkbox') {
      control.checked = Boolean(value);
    } else {
      control.value = value === null || value === undefined ? '' : String(value);
    }
  }

  /** A number field: null when empty, the text itself when it is no number (the server says what is wrong). */
  function numberOf(control) {
    const value = control.value.trim();
    if (value === '') {
      return null;
    }
    const number = Number(value);
    return Number.isFinite(number) ? number : value;
  }

  const textOf = (control) => control.value;
  const optionalText = (control) => (control.value.trim() === '' ? null : control.value);
  const currencyOf = (control) => control.value.trim().toUpperCase();

  function addCurrencyRow(currency, amount) {
    const row = currencyTemplate.content.firstElementChild.cloneNode(true);
    setControl(row.querySelector('[data-name="currency"]'), currency);
    setControl(row.querySelector('[data-name="amount"]'), amount);
    row.querySelector('[data-remove-row]').addEventListener('click', () => row.remove());
    currenciesBox.appendChild(row);
  }

  function fillMediaSelect(select, value) {
    const kind = select.getAttribute('data-kind');
    const own = media.filter((item) => item.kind === kind);
    select.textContent = '';
    select.appendChild(option('', label('none')));
    own.forEach((item) => select.appendChild(option(item.id, item.name)));
    // An id the list does not know (it failed to load, or the file is gone) stays as it is until changed.
    if (value && !own.some((item) => item.id === value)) {
      select.appendChild(option(value, value));
    }
    select.value = value || '';
  }

  function tierRows() {
    return Array.from(tiersBox.querySelectorAll('.tier'));
  }

  /** Numbers the rows and their fields' paths (`tiers.<i>.<field>`) as the server will name them. */
  function renumberTiers() {
    tierRows().forEach((row, index) => {
      row.querySelector('.tier-number').textContent = `#${index + 1}`;
      row.querySelectorAll('[data-tier-field]').forEach((fieldNode) => {
        fieldNode.setAttribute('data-path', `tiers.${index}.${fieldNode.getAttribute('data-tier-field')}`);
      });
    });
  }

  function tierControl(row, name) {
    return row.querySelector(`[data-name="${name}"]`);
  }

  function tryTier(row) {
    const tierStatus = row.querySelector('.tier-status');
    const amount = numberOf(tierControl(row, 'minAmount'));
    const body = {
      amount: typeof amount === 'number' ? Math.max(amount, 0.01) : amount,
      currency: currencyOf(tierControl(row, 'currency')) || 'RUB',
    };
    tierStatus.textContent = '';
    request('POST', '/api/overlay/test-alert', body)
      .then((result) => {
        tierStatus.textContent = result.ok ? label('try-sent') : problemOf(result);
      })
      .catch(() => {
        tierStatus.textContent = label('failed');
      });
  }

  function addTierRow(tier) {
    const row = tierTemplate.content.firstElementChild.cloneNode(true);
    const values = tier || { minAmount: '', currency: 'RUB', volume: 80 };
    [
      'minAmount',
      'currency',
      'titleTemplate',
      'messageTemplate',
      'volume',
      'durationSeconds',
      'color',
    ].forEach((name) => setControl(tierControl(row, name), values[name]));
    fillMediaSelect(tierControl(row, 'imageId'), values.imageId);
    fillMediaSelect(tierControl(row, 'soundId'), values.soundId);
    row.querySelectorAll('[data-tier-action]').forEach((control) => {
      control.addEventListener('click', () => {
        const action = control.getAttribute('data-tier-action');
        if (action === 'up' && row.previousElementSibling) {
          tiersBox.insertBefore(row, row.previousElementSibling);
        } else if (action === 'down' && row.nextElementSibling) {
          tiersBox.insertBefore(row.nextElementSibling, row);
        } else if (action === 'remove') {
          row.remove();
        } else if (action === 'try') {
          tryTier(row);
          return;
        }
        renumberTiers();
      });
    });
    tiersBox.appendChild(row);
    renumberTiers();
  }

  function fill(settings) {
    const { text, minimums, tiers, tts, moderation } = settings;
    Object.keys(text).forEach((key) => {
      const control = named(`text.${key}`);
      if (control) {
        setControl(control, text[key]);
      }
    });
    setControl(named('minimums.default'), minimums.default);
    currenciesBox.textContent = '';
    Object.entries(minimums.byCurrency || {}).forEach(([currency, amount]) =>
      addCurrencyRow(currency, amount),
    );
    tiersBox.textContent = '';
    tiers.forEach((tier) => addTierRow(tier));
    ['enabled', 'voice', 'ratePercent', 'volume', 'template', 'maxMessageLength', 'skipLinks'].forEach(
      (key) => setControl(named(`tts.${key}`), tts[key]),
    );
    setControl(named('tts.minAmount.default'), tts.minAmount.default);
    setControl(named('moderation.action'), moderation.action);
    setControl(named('moderation.builtInList'), moderation.builtInList);
    setControl(named('moderation.words'), moderation.words.join('\n'));
    setControl(named('moderation.removeLinks'), moderation.removeLinks);
  }

  function collect() {
    const text = {};
    ['titleTemplate', 'messageTemplate', 'textColor', 'accentColor', 'backgroundColor'].forEach((key) => {
      text[key] = textOf(named(`text.${key}`));
    });
    ['layout', 'enter', 'exit'].forEach((key) => {
      text[key] = named(`text.${key}`).value;
    });
    text.fontSizePx = numberOf(named('text.fontSizePx'));
    text.durationSeconds = numberOf(named('text.durationSeconds'));
    const byCurrency = {};
    currenciesBox.querySelectorAll('.currency-row').forEach((row) => {
      const currency = currencyOf(row.querySelector('[data-name="currency"]'));
      const amount = numberOf(row.querySelector('[data-name="amount"]'));
      if (currency !== '' || amount !== null) {
        byCurrency[currency] = amount;
      }
    });
    const tiers = tierRows().map((row) => {
      const tier = {
        minAmount: numberOf(tierControl(row, 'minAmount')),
        currency: currencyOf(tierControl(row, 'currency')),
        titleTemplate: optionalText(tierControl(row, 'titleTemplate')),
        messageTemplate: optionalText(tierControl(row, 'messageTemplate')),
        imageId: tierControl(row, 'imageId').value || null,
        soundId: tierControl(row, 'soundId').value || null,
        durationSeconds: numberOf(tierControl(row, 'durationSeconds')),
        color: optionalText(tierControl(row, 'color')),
      };
      const volume = numberOf(tierControl(row, 'volume'));
      if (volume !== null) {
        tier.volume = volume;
      }
      return tier;
    });
    return {
      text,
      minimums: { default: numberOf(named('minimums.default')), byCurrency },
      tiers,
      tts: {
        enabled: named('tts.enabled').checked,
        minAmount: { default: numberOf(named('tts.minAmount.default')) },
        voice: named('tts.voice').value,
        ratePercent: numberOf(named('tts.ratePercent')),
        volume: numberOf(named('tts.volume')),
        template: textOf(named('tts.template')),
        maxMessageLength: numberOf(named('tts.maxMessageLength')),
        skipLinks: named('tts.skipLinks').checked,
      },
      moderation: {
        action: named('moderation.action').value,
        builtInList: named('moderation.builtInList').checked,
        words: textOf(named('moderation.words'))
          .split('\n')
          .map((word) => word.trim())
          .filter(Boolean),
        removeLinks: named('moderation.removeLinks').checked,
      },
    };
  }

  // ---- Field errors ---------------------------------------------------------------------------------------

  function clearErrors() {
    form.querySelectorAll('.field-error').forEach((node) => show(node, ''));
    form.querySelectorAll('.field.invalid').forEach((node) => node.classList.remove('invalid'));
  }

  /**
   * Puts each message next to the field it names, or the nearest enclosing one (`minimums.byCurrency.RUB` →
   * the currency rows); returns the messages no field on the form takes.
   */
  function showErrors(errors) {
    const unplaced = [];
    Object.entries(errors).forEach(([path, messages]) => {
      const text = [].concat(messages).join('; ');
      let key = path;
      let fieldNode = null;
      while (key && !fieldNode) {
        fieldNode = form.querySelector(`[data-path="${CSS.escape(key)}"]`);
        key = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '';
      }
      const slot = fieldNode && fieldNode.querySelector(':scope > .field-error');
      if (!slot) {
        unplaced.push(text);
        return;
      }
      fieldNode.classList.add('invalid');
      show(slot, slot.textContent ? `${slot.textContent}; ${text}` : text);
    });
    return unplaced;
  }

  // ---- Loading and saving ---------------------------------------------------------------------------------

  function load() {
    request('GET', SETTINGS_URL)
      .then((result) => {
        if (!result.ok) {
          throw new Error(problemOf(result));
        }
        fill(result.body);
        form.setAttribute('data-state', 'ready');
        document.getElementById('alerts-loading').hidden = true;
      })
      .catch(() => {
        form.setAttribute('data-state', 'failed');
        show(document.getElementById('alerts-loading'), label('load-failed'));
      });
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save.disabled = true;
    clearErrors();
    show(status, '');
    status.classList.remove('warning');
    request('PUT', SETTINGS_URL, collect())
      .then((result) => {
        if (result.ok) {
          fill(result.body);
          show(status, label('saved'));
          return;
        }
        status.classList.add('warning');
        if (result.status === 400 && result.body && result.body.errors) {
          show(status, [label('not-saved'), ...showErrors(result.body.errors)].join(' '));
          const first = form.querySelector('.field.invalid');
          if (first) {
            first.scrollIntoView({ block: 'center' });
          }
        } else {
          show(status, problemOf(result));
        }
      })
      .catch(() => {
        status.classList.add('warning');
        show(status, label('failed'));
      })
      .then(() => {
        save.disabled = false;
      });
  });

  document.getElementById('alerts-add-tier').addEventListener('click', () => addTierRow(null));
  document.getElementById('alerts-add-currency').addEventListener('click', () => addCurrencyRow('', ''));
  document.getElementById('alerts-tts-unavailable').hidden =
    root.getAttribute('data-tts-available') !== 'false';

  // ---- Media ----------------------------------------------------------------------------------------------

  function formatBytes(bytes) {
    const value = Number(bytes);
    if (!Number.isFinite(value)) {
      return '?';
    }
    if (value < 1024) {
      return `${value} B`;
    }
    return value < 1024 * 1024 ? `${(value / 1024).toFixed(1)} KB` : `${(value / 1024 / 1024).toFixed(1)} MB`;
  }

  /** One upload as the list gives it, with a few spellings of its fields accepted. */
  function mediaItemOf(item) {
    const mimeType = String(item.mimeType || item.contentType || item.type || '');
    const kind = item.kind || (mimeType.startsWith('image/') ? 'image' : 'sound');
    const id = String(item.id || item.mediaId || '');
    const size = item.size ?? item.sizeBytes ?? item.bytes;
    return { id, kind, mimeType, size, name: String(item.name || item.originalName || item.fileName || id) };
  }

  function renderMedia(usedBytes, quotaBytes) {
    mediaList.textContent = '';
    if (media.length === 0) {
      mediaList.appendChild(element('li', 'muted', label('media-empty')));
    }
    media.forEach((item) => {
      const row = element('li', 'row');
      row.setAttribute('data-media-id', item.id);
      row.appendChild(element('strong', '', item.name));
      row.appendChild(
        element('span', 'muted', `${label(`kind-${item.kind}`) || item.kind}, ${formatBytes(item.size)}`),
      );
      row.appendChild(
        button(label('delete'), 'button secondary', () => {
          request('DELETE', `${MEDIA_URL}/${encodeURIComponent(item.id)}`)
            .then((result) => {
              if (!result.ok) {
                throw new Error(problemOf(result));
              }
              loadMedia();
            })
            .catch((error) => show(mediaStatus, error.message));
        }),
      );
      mediaList.appendChild(row);
    });
    const usage = label('media-usage');
    mediaUsage.textContent =
      quotaBytes === undefined || quotaBytes === null
        ? ''
        : usage.replace('{used}', formatBytes(usedBytes)).replace('{quota}', formatBytes(quotaBytes));
  }

  function refreshMediaSelects() {
    tiersBox.querySelectorAll('select[data-kind]').forEach((select) => fillMediaSelect(select, select.value));
  }

  function loadMedia() {
    request('GET', MEDIA_URL)
      .then((result) => {
        if (!result.ok) {
          throw new Error(problemOf(result));
        }
        const body = result.body || {};
        const items = Array.isArray(body) ? body : body.media || body.items || body.files || [];
        media = items.map(mediaItemOf).filter((item) => item.id);
        const used =
          body.usedBytes ?? body.used ?? media.reduce((sum, item) => sum + (Number(item.size) || 0), 0);
        renderMedia(used, body.quotaBytes ?? body.quota);
        show(mediaStatus, '');
        refreshMediaSelects();
      })
      .catch((error) => {
        media = [];
        mediaList.textContent = '';
        mediaUsage.textContent = '';
        show(mediaStatus, `${label('media-unavailable')}: ${error.message}`);
        refreshMediaSelects();
      });
  }

  document.getElementById('alerts-media-upload').addEventListener('click', () => {
    const file = mediaFile.files && mediaFile.files[0];
    if (!file) {
      return;
    }
    const body = new FormData();
    body.append('file', file);
    request('POST', MEDIA_URL, body)
      .then((result) => {
        if (!result.ok) {
          throw new Error(problemOf(result));
        }
        mediaFile.value = '';
        loadMedia();
      })
      .catch((error) => show(mediaStatus, error.message));
  });

  // ---- «На проверке» ------------------------------------------------------------------------------------

  function decide(item, decision, row) {
    row.querySelectorAll('button').forEach((control) => {
      control.disabled = true;
    });
    request('POST', `${HELD_URL}/${encodeURIComponent(item.donationId)}/${decision}`)
      .then((result) => {
        // 404 or 409: decided meanwhile (another tab); the refreshed list shows it gone either way.
        heldStatus.textContent =
          result.ok || result.status === 404 || result.status === 409 ? '' : problemOf(result);
      })
      .catch(() => {
        heldStatus.textContent = label('failed');
      })
      .then(loadHeld);
  }

  function renderHeld(held) {
    heldList.textContent = '';
    if (held.length === 0) {
      heldList.appendChild(element('li', 'muted', label('held-empty')));
    }
    held.forEach((item) => {
      const row = element('li', 'held');
      row.setAttribute('data-donation-id', item.donationId);
      const head = element('div', 'row');
      head.appendChild(element('strong', '', item.donorName || label('anonymous')));
      head.appendChild(element('span', '', `${item.amount} ${item.currency}`));
      row.appendChild(head);
      row.appendChild(element('div', 'held-message', item.message || ''));
      const actions = element('div', 'row');
      actions.appendChild(button(label('approve'), 'button', () => decide(item, 'approve', row)));
      actions.appendChild(button(label('reject'), 'button secondary', () => decide(item, 'reject', row)));
      row.appendChild(actions);
      heldList.appendChild(row);
    });
  }

  function loadHeld() {
    return request('GET', HELD_URL)
      .then((result) => {
        if (!result.ok) {
          throw new Error(problemOf(result));
        }
        renderHeld((result.body && result.body.held) || []);
        heldList.setAttribute('data-state', 'ready');
      })
      .catch((error) => {
        heldStatus.textContent = error.message;
      });
  }

  document.getElementById('alerts-held-refresh').addEventListener('click', () => {
    heldStatus.textContent = '';
    void loadHeld();
  });

  load();
  loadMedia();
  void loadHeld();
  setInterval(loadHeld, HELD_POLL_MS);
})();
