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
          }
          show(button.getAttribute('data-done'));
        })
        .catch(() => show(button.getAttribute('data-failed')))
        .then(() => {
          button.disabled = false;
        });
    });
  });
})();
