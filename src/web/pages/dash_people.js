// dash_people.js - the dashboard's members and bases: invite (POST
// /api/v1/coops/{coop}/members {login, role}: 202, pending until the
// invited account accepts), a role (PATCH .../members/{id}), remove
// (DELETE), a base added (POST .../bases) or edited (PATCH
// .../bases/{id}), a base's photo (POST .../bases/{id}/photos, the file
// as the body). The server redraws the page after each write.
import { api, upload } from '../lib/api.js';
import { data, en, onSubmit, onClick, Invalid } from '../lib/dash.js';

const T = en
  ? { login: 'Give a phone number or an e-mail address.', sent: 'Invitation sent to ', name: 'Give the base a name.', loc: 'Say where the base is.', area: 'Give the area in mu, e.g. 120.5.', sure: 'Remove this member from the cooperative?', photo: 'Choose a photo first.' }
  : { login: '请填写手机号或邮箱。', sent: '邀请已发送给 ', name: '请填写基地名称。', loc: '请填写基地地点。', area: '面积请填写亩数，例如 120.5。', sure: '确定把这位成员移出合作社吗？', photo: '请先选择一张图片。' };

const invite = document.getElementById('invite');
if (invite) onSubmit(invite, async (f) => {
  const login = f.elements.login.value.trim();
  if (!/^(\+?\d[\d -]{4,19}|[^@\s]+@[^@\s]+\.[^@\s]+)$/.test(login)) throw new Invalid('login', T.login);
  await api('POST', `/api/v1/coops/${data.coop_id}/members`, { login, role: f.elements.role.value });
  document.getElementById('invite-ok').textContent = T.sent + login;
  f.reset();
  return false;
});

const memberError = document.getElementById('member-error');
for (const b of document.querySelectorAll('button.member-role')) {
  onClick(b, memberError, () => api('PATCH', `/api/v1/coops/${data.coop_id}/members/${b.dataset.member}`, { role: b.dataset.role }));
}
for (const b of document.querySelectorAll('button.member-remove')) {
  onClick(b, memberError, () => {
    if (!window.confirm(T.sure)) return false;
    return api('DELETE', `/api/v1/coops/${data.coop_id}/members/${b.dataset.member}`);
  });
}

for (const f of document.querySelectorAll('form.base-form')) onSubmit(f, async () => {
  const name = f.elements.name.value.trim();
  const location = f.elements.location.value.trim();
  if (!name) throw new Invalid('name', T.name);
  if (!location) throw new Invalid('location', T.loc);
  const body = { name, location };
  const area = f.elements.area_mu.value.trim();
  if (area) {
    if (!/^\d{1,7}(\.\d{1,2})?$/.test(area)) throw new Invalid('area_mu', T.area);
    body.area_mu = Number(area);
  }
  const story = f.elements.description.value.trim();
  body.description = story || null;
  const id = Number(f.dataset.base);
  if (id) await api('PATCH', `/api/v1/coops/${data.coop_id}/bases/${id}`, body);
  else await api('POST', `/api/v1/coops/${data.coop_id}/bases`, body);
});

for (const f of document.querySelectorAll('form.base-photo')) onSubmit(f, async () => {
  const file = f.elements.photo.files[0];
  if (!file) throw new Invalid('photo', T.photo);
  await upload(`/api/v1/coops/${data.coop_id}/bases/${f.dataset.base}/photos`, file);
});
