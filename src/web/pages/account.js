// account.js - sign in (POST /api/v1/sessions), register (POST
// /api/v1/accounts, then sign in), and on /account the address book (make
// default, delete) and sign out (DELETE /api/v1/sessions/current).
import { errorText } from '../lib/errors.js';
import { api, pageData } from '../lib/api.js';

const data = pageData();
const T = {
  zh: { net: '网络不太稳定，请重试。', need: '请填写每一项。', short: '密码至少 8 位。', signedOut: '已退出登录。' },
  en: { net: 'The network is unsteady. Please try again.', need: 'Fill in every field.', short: 'The password needs 8 characters or more.', signedOut: 'Signed out.' },
};
const t = T[data.lang === 'en' ? 'en' : 'zh'];
const next = typeof data.next === 'string' && data.next.startsWith('/') && !data.next.startsWith('//') ? data.next : '/';

function say(el, e) {
  el.textContent = e.status === 0 ? t.net : errorText(e, data.lang);
}

async function signIn(login, password) {
  await api('POST', '/api/v1/sessions', { login, password });
  location.assign(next);
}

for (const id of ['signin', 'register']) {
  const form = document.getElementById(id);
  if (!form) continue;
  const err = document.getElementById('form-error');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const login = form.login.value.trim(), password = form.password.value;
    const name = form.display_name ? form.display_name.value.trim() : '';
    if (!login || !password || (form.display_name && !name)) { err.textContent = t.need; return; }
    if (form.display_name && password.length < 8) { err.textContent = t.short; return; }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      if (form.display_name) {
        const who = login.includes('@') ? { email: login } : { phone: login.replace(/[\s-]/g, '') };
        await api('POST', '/api/v1/accounts', { ...who, password, display_name: name });
      }
      await signIn(login, password);
    } catch (e) {
      say(err, e);
      button.disabled = false;
    }
  });
}

const note = document.getElementById('account-note');
const signout = document.getElementById('signout');
if (signout) {
  signout.addEventListener('click', async () => {
    signout.disabled = true;
    try {
      await api('DELETE', '/api/v1/sessions/current');
      note.textContent = t.signedOut;
      location.assign('/');
    } catch (e) {
      if (e.status === 401) location.assign('/');
      say(note, e);
      signout.disabled = false;
    }
  });
}
document.addEventListener('click', async (ev) => {
  const btn = ev.target.closest('.addr-default, .addr-delete');
  if (!btn) return;
  const id = btn.closest('.addr-item').dataset.id;
  btn.disabled = true;
  try {
    if (btn.classList.contains('addr-delete')) await api('DELETE', `/api/v1/me/addresses/${id}`);
    else await api('PATCH', `/api/v1/me/addresses/${id}`, { is_default: true });
    location.reload();
  } catch (e) {
    say(note, e);
    btn.disabled = false;
  }
});
