// dash_settings.js - the dashboard's settings: the cooperative's profile
// and its 360p rendition choice (PATCH /api/v1/coops/{coop}), the other
// platforms its sessions are forwarded to (POST
// /api/v1/coops/{coop}/restream-targets {name, url}, PATCH .../{id}
// {enabled}, DELETE .../{id}). The server redraws the page after each write.
import { api } from '../lib/api.js';
import { data, en, onSubmit, onClick, Invalid } from '../lib/dash.js';

const T = en
  ? { name: 'Give the cooperative a name.', contact: 'Give a contact person.', phone: 'Give a phone number.', tname: 'Give the platform a name.', url: 'A push URL starts with rtmp:// or rtmps:// and ends with the stream key.', sure: 'Stop streaming to this platform and forget its key?' }
  : { name: '请填写合作社名称。', contact: '请填写联系人。', phone: '请填写联系电话。', tname: '请填写平台名称。', url: '推流地址以 rtmp:// 或 rtmps:// 开头，以推流码结尾。', sure: '确定删除这个平台吗？推流码也会一并删除。' };
const coopUrl = `/api/v1/coops/${data.coop_id}`;

const profile = document.getElementById('profile');
if (profile) onSubmit(profile, async (f) => {
  const v = (k) => f.elements[k].value.trim();
  if (!v('name')) throw new Invalid('name', T.name);
  if (!v('contact_name')) throw new Invalid('contact_name', T.contact);
  if (!/^\+?\d[\d -]{3,19}$/.test(v('contact_phone'))) throw new Invalid('contact_phone', T.phone);
  await api('PATCH', coopUrl, {
    name: v('name'), name_en: v('name_en') || null, contact_name: v('contact_name'),
    contact_phone: v('contact_phone'), description: v('description') || null,
  });
});

const rendition = document.getElementById('rendition');
if (rendition) onSubmit(rendition, async (f) => {
  await api('PATCH', coopUrl, { low_rendition: f.elements.low_rendition.value || 'default' });
});

const add = document.getElementById('target-add');
if (add) onSubmit(add, async (f) => {
  const name = f.elements.name.value.trim();
  const url = f.elements.url.value.trim();
  if (!name) throw new Invalid('name', T.tname);
  if (!/^rtmps?:\/\/[^\s/]+\/\S+\/\S+$/.test(url)) throw new Invalid('url', T.url);
  await api('POST', `${coopUrl}/restream-targets`, { name, url });
});

const targetError = document.getElementById('target-error');
for (const b of document.querySelectorAll('button.target-toggle')) {
  onClick(b, targetError, () => api('PATCH', `${coopUrl}/restream-targets/${b.dataset.target}`, { enabled: b.dataset.enabled === 'true' }));
}
for (const b of document.querySelectorAll('button.target-remove')) {
  onClick(b, targetError, () => {
    if (!window.confirm(T.sure)) return false;
    return api('DELETE', `${coopUrl}/restream-targets/${b.dataset.target}`);
  });
}
