/* farmlive 乡播 storefront — plain JS, no build step.
 * All data is written with textContent / attributes; never innerHTML. */
(function () {
  'use strict';

  var T = {
    zh: {
      skip: '跳到商品列表', tagline: '合作社直供 · 认证农产品 · 从田间到餐桌',
      signIn: '登录', signOut: '退出', signInTitle: '登录 farmlive',
      login: '邮箱或手机号', password: '密码', demoHint: '演示账号及密码见项目 README。',
      searchLabel: '搜索商品', searchPh: '搜索：鸡蛋、辣椒、茶叶…', search: '搜索',
      categories: '商品分类', products: '商品', loadMore: '加载更多', close: '关闭',
      footer: 'farmlive 乡播 · 乡村合作社直播电商',
      loading: '加载中…', empty: '没有找到商品，换个关键词试试。', count: '已显示 {n} 件商品',
      from: '起', options: '规格与价格', specs: '规格', unit: '单位', price: '价格',
      weight: '毛重', gtin: '商品条码', inactive: '暂停销售', base: '产地基地',
      coop: '合作社', region: '地区', contact: '联系人', bases: '生产基地', mu: '亩',
      certs: '认证', noCerts: '暂无认证记录', validUntil: '有效期至', noImage: '暂无图片',
      netError: '网络不太稳定，请稍后重试。', needLogin: '请输入账号和密码。',
      hello: '你好，{name}', signedOut: '已退出登录。', signedIn: '登录成功。',
      switchTo: 'Switch to English',
      cat: { all: '全部', eggs: '禽蛋', vegetables: '蔬菜', fruit: '水果', tea: '茶叶', honey: '蜂蜜',
        poultry: '禽肉', grain: '粮食', oil: '食用油', condiments: '调味品', dried: '干货' },
      certKind: { green_food: '绿色食品', organic: '有机产品', geo_indication: '农产品地理标志',
        pollution_free: '无公害农产品', conformity: '承诺达标合格证' },
      certStatus: { valid: '有效', suspended: '暂停', revoked: '已撤销', expired: '已过期' }
    },
    en: {
      skip: 'Skip to products', tagline: 'Straight from cooperatives · certified produce · farm to table',
      signIn: 'Sign in', signOut: 'Sign out', signInTitle: 'Sign in to farmlive',
      login: 'Email or phone', password: 'Password', demoHint: 'Demo logins and password are in the project README.',
      searchLabel: 'Search products', searchPh: 'Search: eggs, chilli, tea…', search: 'Search',
      categories: 'Categories', products: 'Products', loadMore: 'Load more', close: 'Close',
      footer: 'farmlive · live selling for rural cooperatives',
      loading: 'Loading…', empty: 'No products found. Try another word.', count: 'Showing {n} products',
      from: 'from', options: 'Options & prices', specs: 'Spec', unit: 'Unit', price: 'Price',
      weight: 'Gross weight', gtin: 'GTIN', inactive: 'Paused', base: 'Farm base',
      coop: 'Cooperative', region: 'Region', contact: 'Contact', bases: 'Farm bases', mu: 'mu',
      certs: 'Certifications', noCerts: 'No certifications on record', validUntil: 'valid until',
      noImage: 'No image', netError: 'The network is unsteady. Please try again.',
      needLogin: 'Enter your login and password.', hello: 'Hi, {name}',
      signedOut: 'Signed out.', signedIn: 'Signed in.', switchTo: '切换到中文',
      cat: { all: 'All', eggs: 'Eggs', vegetables: 'Vegetables', fruit: 'Fruit', tea: 'Tea', honey: 'Honey',
        poultry: 'Poultry', grain: 'Grain', oil: 'Oil', condiments: 'Condiments', dried: 'Dried goods' },
      certKind: { green_food: 'Green food', organic: 'Organic', geo_indication: 'Geographical indication',
        pollution_free: 'Pollution-free', conformity: 'Certificate of conformity' },
      certStatus: { valid: 'valid', suspended: 'suspended', revoked: 'revoked', expired: 'expired' }
    }
  };
  var CATEGORIES = ['all', 'eggs', 'vegetables', 'fruit', 'tea', 'honey', 'poultry', 'grain', 'oil', 'condiments', 'dried'];

  var lang = readStore(localStorage, 'farmlive.lang') === 'en' ? 'en' : 'zh';
  var state = { q: '', category: 'all', items: [], cursor: null, seq: 0, me: null, current: null };

  function $(id) { return document.getElementById(id); }
  function t(key) { return T[lang][key] != null ? T[lang][key] : T.zh[key]; }
  function fmt(key, vars) {
    return t(key).replace(/\{(\w+)\}/g, function (_, k) { return String(vars[k]); });
  }
  function readStore(s, k) { try { return s.getItem(k); } catch (e) { return null; } }
  function writeStore(s, k, v) {
    try { if (v == null) s.removeItem(k); else s.setItem(k, v); } catch (e) { /* private mode */ }
  }

  /* el('p', {className: 'x'}, 'text', childNode, ...) — strings become text nodes. */
  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) Object.keys(props).forEach(function (k) {
      if (props[k] == null) return;
      if (k in node && k !== 'list') node[k] = props[k]; else node.setAttribute(k, props[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c == null || c === false) continue;
      node.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function show(node, on) { node.hidden = !on; }
  function say(node, msg) { node.textContent = msg || ''; show(node, !!msg); }

  /* 3990 -> "¥39.90", integer arithmetic only. */
  function yuan(fen) {
    var n = Math.round(Number(fen) || 0), sign = n < 0 ? '-' : '';
    n = Math.abs(n);
    var c = n % 100;
    return sign + '¥' + Math.floor(n / 100) + '.' + (c < 10 ? '0' : '') + c;
  }
  function pname(p) { return (p.name && (p.name[lang] || p.name.zh || p.name.en)) || ''; }
  function catName(c) { return (t('cat')[c]) || c || ''; }
  function safeUrl(u) { return typeof u === 'string' && /^(\/(?!\/)|https:\/\/)/.test(u) ? u : null; }

  /* ---- API ---- */
  function api(method, path, body) {
    var headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && method !== 'HEAD') {
      var csrf = readStore(sessionStorage, 'farmlive.csrf');
      if (csrf) headers['X-CSRF-Token'] = csrf;
    }
    return fetch(path, {
      method: method, headers: headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      return res.text().then(function (txt) {
        var data = null;
        try { data = txt ? JSON.parse(txt) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var msg = data && data.error && data.error.message;
          var err = new Error(msg || ('HTTP ' + res.status));
          err.status = res.status;
          err.code = data && data.error && data.error.code;
          throw err;
        }
        return data;
      });
    }, function () { throw new Error(t('netError')); });
  }

  /* ---- language ---- */
  function applyLang() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    document.querySelectorAll('[data-i18n]').forEach(function (n) { n.textContent = t(n.dataset.i18n); });
    document.querySelectorAll('[data-i18n-ph]').forEach(function (n) { n.placeholder = t(n.dataset.i18nPh); });
    document.querySelectorAll('[data-i18n-aria]').forEach(function (n) {
      n.setAttribute('aria-label', t(n.dataset.i18nAria));
    });
    var b = $('lang-btn');
    b.textContent = lang === 'en' ? '中文' : 'EN';
    b.lang = lang === 'en' ? 'zh-CN' : 'en';
    b.setAttribute('aria-label', t('switchTo'));
    renderChips();
    renderGrid();
    renderMe();
    if (state.current && $('detail').open) renderDetail(state.current.product, state.current.coop);
  }

  /* ---- category chips ---- */
  function renderChips() {
    var nav = $('chips');
    clear(nav);
    CATEGORIES.forEach(function (c) {
      var on = state.category === c;
      var b = el('button', { type: 'button', className: 'chip' + (on ? ' on' : '') }, catName(c));
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
      b.addEventListener('click', function () {
        if (state.category === c) return;
        state.category = c;
        renderChips();
        loadProducts(false);
      });
      nav.appendChild(b);
    });
  }

  /* ---- product list ---- */
  function loadProducts(more) {
    var seq = ++state.seq;
    var qs = new URLSearchParams();
    if (state.q) qs.set('q', state.q);
    if (state.category !== 'all') qs.set('category', state.category);
    if (more && state.cursor) qs.set('cursor', state.cursor);
    var grid = $('grid'), moreBtn = $('more-btn');
    grid.setAttribute('aria-busy', 'true');
    moreBtn.disabled = true;
    if (!more) { state.items = []; state.cursor = null; renderGrid(); }
    $('status').textContent = t('loading');
    say($('list-error'), '');
    var query = qs.toString();
    function done() { grid.setAttribute('aria-busy', 'false'); moreBtn.disabled = false; }
    api('GET', '/api/v1/products' + (query ? '?' + query : '')).then(function (data) {
      if (seq !== state.seq) return;
      done();
      state.items = state.items.concat((data && data.items) || []);
      state.cursor = (data && data.next_cursor) || null;
      renderGrid();
    }, function (err) {
      if (seq !== state.seq) return;
      done();
      say($('list-error'), err.message);
      $('status').textContent = '';
    });
  }

  function renderGrid() {
    var grid = $('grid');
    clear(grid);
    state.items.forEach(function (p) { grid.appendChild(card(p)); });
    show($('more-btn'), !!state.cursor);
    var busy = grid.getAttribute('aria-busy') === 'true';
    $('status').textContent = busy ? t('loading') :
      state.items.length ? fmt('count', { n: state.items.length }) : t('empty');
  }

  function picture(img, cls) {
    var src = img && safeUrl(img.url);
    if (!src) return el('div', { className: cls + ' noimg', role: 'img', 'aria-label': t('noImage') }, '🌾');
    return el('img', { className: cls, src: src, alt: img.alt || '', loading: 'lazy', decoding: 'async' });
  }

  function priceOf(p) {
    var prices = (p.skus || []).filter(function (s) { return s.active !== false; })
      .map(function (s) { return s.price_fen; });
    if (!prices.length) return null;
    var min = Math.min.apply(null, prices);
    return { min: min, several: prices.some(function (x) { return x !== min; }) };
  }

  /* A product counts as certified only while one of its certifications is
   * valid and not past its end (the API already says 'expired' for those). */
  function certified(p) {
    var today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10); /* China's date */
    return (p.certifications || []).some(function (c) {
      return c.status === 'valid' && (!c.valid_until || c.valid_until >= today);
    });
  }

  function card(p) {
    var pr = priceOf(p);
    var open = el('button', { type: 'button', className: 'card-link' }, pname(p));
    open.addEventListener('click', function () { openDetail(p.id, p); });
    var img = (p.images || [])[0];
    return el('li', { className: 'card' },
      el('div', { className: 'card-media' },
        picture(img ? { url: img.url, alt: img.alt || pname(p) } : null, 'card-img'),
        el('span', { className: 'badge' }, catName(p.category))),
      el('div', { className: 'card-body' },
        el('h3', { className: 'card-title' }, open),
        el('p', { className: 'card-coop' }, p.coop ? p.coop.name : ''),
        certified(p) ? el('p', { className: 'card-cert' }, '✓ ' + t('certs')) : null,
        el('p', { className: 'card-price' },
          pr ? yuan(pr.min) : '—',
          pr && pr.several ? el('small', null, ' ' + t('from')) : null)));
  }

  /* ---- detail panel ---- */
  function openDetail(id, preview) {
    var dlg = $('detail');
    state.current = { product: preview, coop: null, error: null };
    renderDetail(preview, null);
    if (!dlg.open) dlg.showModal();
    api('GET', '/api/v1/products/' + encodeURIComponent(id)).then(function (p) {
      if (!state.current || state.current.product.id !== id) return;
      state.current.product = p;
      renderDetail(p, state.current.coop);
      if (!p.coop) return null;
      return api('GET', '/api/v1/coops/' + encodeURIComponent(p.coop.id)).then(function (c) {
        if (!state.current || state.current.product.id !== id) return;
        state.current.coop = c;
        renderDetail(p, c);
      });
    }).catch(function (err) {
      if (!state.current || state.current.product.id !== id) return;
      state.current.error = err.message;
      renderDetail(state.current.product, null);
    });
  }

  function field(label, value) {
    if (value == null || value === '') return null;
    return el('div', { className: 'kv' }, el('dt', null, label), el('dd', null, value));
  }

  function renderDetail(p, coop) {
    var body = $('d-body');
    clear(body);
    var imgs = el('div', { className: 'd-images' });
    (p.images || []).forEach(function (im) { imgs.appendChild(picture({ url: im.url, alt: im.alt || pname(p) }, 'd-img')); });
    if (!imgs.firstChild) imgs.appendChild(picture(null, 'd-img'));
    var other = lang === 'en' ? (p.name && p.name.zh) : (p.name && p.name.en);

    var rows = el('tbody');
    (p.skus || []).forEach(function (s) {
      rows.appendChild(el('tr', { className: s.active === false ? 'off' : '' },
        el('th', { scope: 'row' }, s.spec || '', s.active === false ? el('span', { className: 'tag' }, t('inactive')) : null),
        el('td', null, s.unit || ''),
        el('td', { className: 'num' }, yuan(s.price_fen)),
        el('td', { className: 'num' }, s.weight_g != null ? s.weight_g + ' g' : ''),
        el('td', { className: 'mono' }, s.gtin || '—')));
    });
    var table = el('div', { className: 'table-wrap' }, el('table', { className: 'skus' },
      el('thead', null, el('tr', null,
        el('th', { scope: 'col' }, t('specs')), el('th', { scope: 'col' }, t('unit')),
        el('th', { scope: 'col' }, t('price')), el('th', { scope: 'col' }, t('weight')),
        el('th', { scope: 'col' }, t('gtin')))), rows));

    var certs = el('ul', { className: 'certs' });
    (p.certifications || []).forEach(function (c) {
      var kind = (t('certKind')[c.kind]) || c.kind || '';
      certs.appendChild(el('li', { className: 'cert ' + (c.status === 'valid' ? 'ok' : 'warn') },
        el('strong', null, kind), ' ', el('span', { className: 'mono' }, c.number || ''),
        c.issuing_body ? el('span', { className: 'muted' }, ' · ' + c.issuing_body) : null,
        c.valid_until ? el('span', { className: 'muted' }, ' · ' + t('validUntil') + ' ' + c.valid_until) : null,
        c.status ? el('span', { className: 'tag' }, (t('certStatus')[c.status]) || c.status) : null));
    });
    if (!certs.firstChild) certs.appendChild(el('li', { className: 'muted' }, t('noCerts')));

    body.appendChild(imgs);
    body.appendChild(el('p', { className: 'badge-inline' }, catName(p.category)));
    body.appendChild(el('h2', { id: 'd-name', className: 'd-name' }, pname(p)));
    if (other) body.appendChild(el('p', { className: 'd-alt', lang: lang === 'en' ? 'zh-CN' : 'en' }, other));
    var pr = priceOf(p);
    if (pr) body.appendChild(el('p', { className: 'd-price' }, yuan(pr.min), pr.several ? el('small', null, ' ' + t('from')) : null));
    if (p.description) body.appendChild(el('p', { className: 'd-desc', lang: 'zh-CN' }, p.description));
    body.appendChild(el('dl', { className: 'kvs' }, field(t('base'), p.base ? p.base.name : null)));
    body.appendChild(el('h3', null, t('options')));
    body.appendChild(table);
    body.appendChild(el('h3', null, t('certs')));
    body.appendChild(certs);
    body.appendChild(coopSection(p, coop));
  }

  function coopSection(p, c) {
    var sec = el('section', { className: 'coop' }, el('h3', null, t('coop')));
    if (!c) {
      sec.appendChild(el('p', { className: 'coop-name' }, p.coop ? p.coop.name : ''));
      var e = state.current && state.current.error;
      if (e) sec.appendChild(el('p', { className: 'error', role: 'alert' }, e));
      return sec;
    }
    var r = c.region || {};
    var region = [r.province, r.city, r.county, r.township, r.village].filter(Boolean).join(' ');
    var contact = c.contact ? [c.contact.name, c.contact.phone].filter(Boolean).join(' ') : '';
    sec.appendChild(el('p', { className: 'coop-name' }, c.name || ''));
    if (c.description) sec.appendChild(el('p', { className: 'muted' }, c.description));
    var phone = c.contact && c.contact.phone && /^[0-9+\- ]+$/.test(c.contact.phone)
      ? el('a', { href: 'tel:' + c.contact.phone.replace(/[\s-]/g, '') }, contact) : contact;
    sec.appendChild(el('dl', { className: 'kvs' }, field(t('region'), region), field(t('contact'), phone || null)));
    var bases = el('ul', { className: 'bases' });
    (c.bases || []).forEach(function (b) {
      bases.appendChild(el('li', null, el('strong', null, b.name || ''),
        b.location ? el('span', { className: 'muted' }, ' · ' + b.location) : null,
        b.area_mu != null ? el('span', { className: 'muted' }, ' · ' + b.area_mu + ' ' + t('mu')) : null));
    });
    if (bases.firstChild) { sec.appendChild(el('h4', null, t('bases'))); sec.appendChild(bases); }
    return sec;
  }

  /* ---- session ---- */
  function renderMe() {
    var name = state.me && state.me.account && state.me.account.display_name;
    var me = $('me-name');
    me.textContent = name ? fmt('hello', { name: name }) : '';
    show(me, !!name);
    show($('signin-btn'), !state.me);
    show($('signout-btn'), !!state.me);
  }

  function loadMe() {
    return api('GET', '/api/v1/me').then(function (me) {
      /* a second tab has no sessionStorage of its own: the token comes back from /me */
      if (me && me.csrf_token) writeStore(sessionStorage, 'farmlive.csrf', me.csrf_token);
      state.me = me;
      renderMe();
    }, function () {
      state.me = null;
      renderMe();
    });
  }

  function signIn(ev) {
    ev.preventDefault();
    var login = $('login').value.trim(), pw = $('password').value, errBox = $('signin-error');
    if (!login || !pw) { say(errBox, t('needLogin')); return; }
    var btn = ev.target.querySelector('button[type=submit]');
    btn.disabled = true;
    say(errBox, '');
    api('POST', '/api/v1/sessions', { login: login, password: pw }).then(function (res) {
      writeStore(sessionStorage, 'farmlive.csrf', res && res.csrf_token);
      $('password').value = '';
      $('signin').close();
      state.me = { account: res && res.account };
      renderMe();
      $('status').textContent = t('signedIn');
      return loadMe();
    }, function (err) { say(errBox, err.message); }).then(function () { btn.disabled = false; });
  }

  function signOut() {
    var btn = $('signout-btn');
    btn.disabled = true;
    api('DELETE', '/api/v1/sessions/current').then(function () {
      writeStore(sessionStorage, 'farmlive.csrf', null);
      state.me = null;
      renderMe();
      $('status').textContent = t('signedOut');
      $('signin-btn').focus();
    }, function (err) {
      if (err.status === 401) { writeStore(sessionStorage, 'farmlive.csrf', null); state.me = null; renderMe(); } else say($('list-error'), err.message);
    }).then(function () { btn.disabled = false; });
  }

  /* ---- wiring ---- */
  function closeOnBackdrop(dlg) {
    dlg.addEventListener('click', function (e) { if (e.target === dlg) dlg.close(); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var timer = null;
    $('lang-btn').addEventListener('click', function () {
      lang = lang === 'en' ? 'zh' : 'en';
      writeStore(localStorage, 'farmlive.lang', lang);
      applyLang();
    });
    $('search-form').addEventListener('submit', function (e) {
      e.preventDefault();
      clearTimeout(timer);
      state.q = $('q').value.trim();
      loadProducts(false);
    });
    $('q').addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = $('q').value.trim();
        if (q !== state.q) { state.q = q; loadProducts(false); }
      }, 400);
    });
    $('more-btn').addEventListener('click', function () { loadProducts(true); });
    $('signin-btn').addEventListener('click', function () {
      say($('signin-error'), '');
      $('signin').showModal();
      $('login').focus();
    });
    $('signin-form').addEventListener('submit', signIn);
    $('signout-btn').addEventListener('click', signOut);
    $('detail').addEventListener('close', function () { state.current = null; });
    closeOnBackdrop($('detail'));
    closeOnBackdrop($('signin'));
    applyLang();
    loadProducts(false);
    loadMe();
  });
})();
