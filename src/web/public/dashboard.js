/** The dashboard's buttons. Labels and URLs come from each button's data- attributes. */
(() => {
  'use strict';

  document.querySelectorAll('[data-copy]').forEach((button) => {
    button.addEventListener('click', () => {
      const input = document.getElementById(button.getAttribute('data-copy'));
      input.select();
      const done = () => {
        button.textContent = button.getAttribute('data-copied');
      };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(input.value).then(done, () => {
          document.execCommand('copy');
          done();
        });
      } else {
        document.execCommand('copy');
        done();
      }
    });
  });

  // Overlay actions: a same-origin POST (the session cookie is SameSite=Lax); a new overlay URL replaces the old one.
  document.querySelectorAll('[data-post]').forEach((button) => {
    const status = document.getElementById('overlay-status');
    const show = (text) => {
      status.textContent = text;
      status.hidden = false;
    };
    button.addEventListener('click', () => {
      const question = button.getAttribute('data-confirm');
      if (question && !window.confirm(question)) {
        return;
      }
      button.disabled = true;
      fetch(button.getAttribute('data-post'), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
      })
        .then((response) => {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then((body) => {
          if (body.overlayUrl) {
            document.getElementById('overlay-url').value = body.overlayUrl;
            document.getElementById('avatars-url').value = `${body.overlayUrl}/avatars`;
          }
          show(button.getAttribute('data-done'));
        })
        .catch(() => show(button.getAttribute('data-failed')))
        .then(() => {
          button.disabled = false;
        });
    });
  });

  // The bot card: saves with a same-origin PUT; a refused template shows the server's field message.
  const botForm = document.getElementById('bot-form');
  if (botForm) {
    const status = document.getElementById('bot-form-status');
    const show = (text) => {
      status.textContent = text;
      status.hidden = false;
    };
    botForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const save = document.getElementById('bot-save');
      save.disabled = true;
      fetch('/api/bot', {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: JSON.stringify({
          enabled: botForm.elements.enabled.checked,
          template: botForm.elements.template.value,
          thankTestAlerts: botForm.elements.thankTestAlerts.checked,
        }),
      })
        .then((response) =>
          response.json().then((body) => {
            if (!response.ok) {
              const messages = body && body.errors ? Object.values(body.errors).flat() : [];
              throw new Error(messages.join('; ') || botForm.getAttribute('data-failed'));
            }
            return body;
          }),
        )
        .then((bot) => {
          const state = document.getElementById('bot-state');
          state.setAttribute('data-status', bot.status);
          const labels = JSON.parse(state.getAttribute('data-labels'));
          document.getElementById('bot-status-text').textContent = labels[bot.status] || bot.status;
          show(botForm.getAttribute('data-saved'));
        })
        .catch((error) => show(error.message))
        .then(() => {
          save.disabled = false;
        });
    });
  }
})();
