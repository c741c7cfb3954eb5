/** The pages' only stylesheet and script, served by the app itself (no CDN). */
export const APP_CSS = `
:root { color-scheme: light dark; --accent: #9146ff; --bg: #0e0e10; --card: #18181b; --text: #efeff1; --muted: #adadb8; --danger: #eb0400; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
.page { max-width: 720px; margin: 0 auto; padding: 48px 20px; }
h1 { font-size: 28px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 0 0 12px; }
p { margin: 0 0 12px; color: var(--muted); }
.card { background: var(--card); border-radius: 12px; padding: 20px; margin: 16px 0; }
.row { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.avatar { width: 48px; height: 48px; border-radius: 50%; }
.button { display: inline-block; border: 0; border-radius: 8px; padding: 10px 18px; font: inherit; font-weight: 600; cursor: pointer; text-decoration: none; background: var(--accent); color: #fff; }
.button.secondary { background: #3a3a3d; }
.button.danger { background: var(--danger); }
.notice { border-left: 4px solid var(--accent); padding: 8px 12px; background: #1f1f23; margin: 12px 0; color: var(--text); }
.notice.warning { border-color: #ffb31a; }
.copy { display: flex; gap: 8px; }
.copy input { flex: 1; min-width: 0; padding: 10px; border-radius: 8px; border: 1px solid #3a3a3d; background: #0e0e10; color: var(--text); font: 14px ui-monospace, monospace; }
form { display: inline; margin: 0; }
.actions { margin-top: 12px; }
`;

export const DASHBOARD_JS = `
document.querySelectorAll('[data-copy]').forEach(function (button) {
  button.addEventListener('click', function () {
    var input = document.getElementById(button.getAttribute('data-copy'));
    input.select();
    var done = function () { button.textContent = button.getAttribute('data-copied'); };
    if (navigator.clipboard) { navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand('copy'); done(); }); }
    else { document.execCommand('copy'); done(); }
  });
});

// Overlay actions: a same-origin POST (the session cookie is SameSite=Lax); a new overlay URL replaces the old one.
document.querySelectorAll('[data-post]').forEach(function (button) {
  var status = document.getElementById('overlay-status');
  var show = function (text) { status.textContent = text; status.hidden = false; };
  button.addEventListener('click', function () {
    var question = button.getAttribute('data-confirm');
    if (question && !window.confirm(question)) { return; }
    button.disabled = true;
    fetch(button.getAttribute('data-post'), { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (body) {
        if (body.overlayUrl) { document.getElementById('overlay-url').value = body.overlayUrl; }
        show(button.getAttribute('data-done'));
      })
      .catch(function () { show(button.getAttribute('data-failed')); })
      .then(function () { button.disabled = false; });
  });
});
`;
