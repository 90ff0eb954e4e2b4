// Suyuan scanner page: each scan (a barcode scanner types the code and Enter) is checked by the
// service right away; good codes are listed and counted and go into the finish form, bad ones
// are shown with the reason. DOM APIs only (no innerHTML); served same-origin under APP_CSP.
(function () {
  'use strict';
  var box = document.getElementById('scanner');
  var input = document.getElementById('scan-input');
  var good = document.getElementById('scan-good');
  var errors = document.getElementById('scan-errors');
  var count = document.getElementById('scan-count');
  var field = document.getElementById('finish-codes');
  if (!box || !input || !good || !errors || !count || !field) { return; }
  var lang = box.getAttribute('data-lang') === 'en' ? 'en' : 'zh';
  var accepted = [];
  field.value.split(/\s+/).forEach(function (c) { if (c) { accepted.push(c); } });

  function sync() {
    count.textContent = String(accepted.length);
    field.value = accepted.join('\n');
  }

  function addGood(code) {
    var li = document.createElement('li');
    var c = document.createElement('code');
    c.textContent = code;
    li.appendChild(c);
    good.appendChild(li);
  }

  function addError(raw, message) {
    var li = document.createElement('li');
    li.className = 'scan-error';
    var c = document.createElement('code');
    c.textContent = raw;
    li.appendChild(c);
    li.appendChild(document.createTextNode(' — ' + message));
    errors.insertBefore(li, errors.firstChild);
  }

  accepted.forEach(addGood);
  sync();

  function check(raw) {
    var body = JSON.stringify({ code: raw, seen: accepted });
    return fetch(box.getAttribute('data-check-url'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'Content-Type': 'application/json',
        'X-CSRF-Token': box.getAttribute('data-csrf') || ''
      },
      body: body
    }).then(function (res) { return res.json(); });
  }

  var queue = Promise.resolve();
  input.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter') { return; }
    ev.preventDefault();
    var raw = input.value.trim();
    input.value = '';
    if (!raw) { return; }
    queue = queue.then(function () {
      return check(raw).then(function (out) {
        if (out.ok) {
          accepted.push(out.code);
          addGood(out.code);
          sync();
        } else {
          addError(raw, lang === 'en' ? out.message_en : out.message_zh);
        }
      }, function () {
        addError(raw, lang === 'en' ? 'could not be checked: network error' : '无法校验：网络错误');
      });
    });
  });
  input.focus();
})();
