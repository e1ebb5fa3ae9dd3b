// The console's few enhancements; every page works without them. Loaded with `defer`, after
// htmx and Chart.js. No inline scripts: the Content-Security-Policy allows none.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  const STATUS_COLORS = {
    new: '#6b7280', ready: '#2563eb', active: '#15803d', suspended: '#b45309',
    deactivated: '#b91c1c', canceled: '#4b5563', updating: '#7c3aed', scheduled: '#0e7490',
  };

  function bytes(n) {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
  }

  function drawCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      canvas.dataset.drawn = '1';
      const points = JSON.parse(canvas.dataset.chartData || '[]');
      const status = canvas.dataset.chart === 'status';
      new window.Chart(canvas, {
        type: 'bar',
        data: {
          labels: points.map(function (p) { return status ? p.status : p.label; }),
          datasets: [{
            label: status ? 'SIMs' : 'Data',
            data: points.map(function (p) { return status ? p.count : p.bytes; }),
            backgroundColor: status ? points.map(function (p) { return STATUS_COLORS[p.status] || '#6b7280'; }) : '#2563eb',
          }],
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return status ? c.parsed.y.toLocaleString() + ' SIMs' : bytes(c.parsed.y); } } } },
          scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return status ? v.toLocaleString() : bytes(v); } } } },
        },
      });
    });
  }

  // Filters apply as they change; a search waits for a pause in typing.
  function autoSubmit(root) {
    root.querySelectorAll('form[data-auto-submit]').forEach(function (form) {
      if (form.dataset.wired) return;
      form.dataset.wired = '1';
      let timer = null;
      form.addEventListener('change', function (e) {
        if (e.target.type === 'search' || e.target.type === 'text') return;
        form.requestSubmit();
      });
      form.addEventListener('input', function (e) {
        if (e.target.type !== 'search') return;
        clearTimeout(timer);
        timer = setTimeout(function () { form.requestSubmit(); }, 400);
      });
    });
    root.querySelectorAll('select[data-submit-on-change]').forEach(function (select) {
      if (select.dataset.wired) return;
      select.dataset.wired = '1';
      select.addEventListener('change', function () { select.form.requestSubmit(); });
    });
  }

  // A SIM page follows its SIM while it changes: the server sends the live part again.
  let stream = null;
  function follow(root) {
    const live = root.querySelector('#live[data-live]');
    if (!live || !window.EventSource) return;
    if (stream) stream.close();
    stream = new EventSource(live.dataset.live);
    stream.addEventListener('update', function (e) {
      live.innerHTML = e.data;
      // The notice of the action that started the change is out of date once it moves on.
      const notice = document.querySelector('main > .notice');
      if (notice && e.data.indexOf('data-changing') === -1) notice.remove();
      if (window.htmx) window.htmx.process(live);
      autoSubmit(live);
    });
    stream.addEventListener('end', function () { stream.close(); stream = null; live.removeAttribute('data-live'); });
    stream.onerror = function () { if (stream && stream.readyState === EventSource.CLOSED) stream = null; };
  }

  // The inventory import, in parts of 1,000 rows, with a progress bar.
  function chunkedImport(root) {
    const form = root.querySelector('form[data-chunked-import]');
    if (!form || form.dataset.wired || !window.fetch || !window.FileReader) return;
    form.dataset.wired = '1';
    form.addEventListener('submit', function (e) {
      const file = form.querySelector('input[type=file]').files[0];
      if (!file) return;
      e.preventDefault();
      const bar = form.querySelector('progress');
      const text = form.querySelector('.progress-text');
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      file.text().then(function (content) {
        const lines = content.replace(/\r\n/g, '\n').split('\n');
        const header = lines.shift();
        const rows = lines.filter(function (l) { return l.trim() !== ''; }).length;
        const totals = { rows: 0, imported: 0, unchanged: 0, rejected: [] };
        const PART = 1000;
        bar.hidden = false;
        bar.max = Math.max(1, lines.length);
        function send(start) {
          if (start >= lines.length) {
            text.textContent = totals.rows + ' rows: ' + totals.imported + ' imported, ' + totals.unchanged + ' already known, ' + totals.rejected.length + ' rejected' +
              (totals.rejected.length ? ' (first: line ' + totals.rejected[0].line + ', ' + totals.rejected[0].reason + ')' : '') + '.';
            button.disabled = false;
            return;
          }
          const data = new FormData();
          data.append('_csrf', form.querySelector('input[name=_csrf]').value);
          data.append('first_line', String(start + 1));
          data.append('cards', new Blob([header + '\n' + lines.slice(start, start + PART).join('\n')], { type: 'text/csv' }), file.name);
          fetch(form.action, { method: 'POST', body: data, headers: { Accept: 'application/json' }, credentials: 'same-origin' })
            .then(function (r) { return r.json().then(function (body) { if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status)); return body; }); })
            .then(function (s) {
              totals.rows += s.rows; totals.imported += s.imported; totals.unchanged += s.unchanged;
              totals.rejected = totals.rejected.concat(s.rejected);
              bar.value = Math.min(lines.length, start + PART);
              text.textContent = 'Imported ' + totals.rows + ' of ' + rows + ' rows…';
              send(start + PART);
            })
            .catch(function (err) { text.textContent = 'The import stopped: ' + err.message + '. Rows sent before this are imported.'; button.disabled = false; });
        }
        send(0);
      });
    });
  }

  function enhance(root) {
    drawCharts(root);
    autoSubmit(root);
    follow(root);
    chunkedImport(root);
  }

  document.addEventListener('DOMContentLoaded', function () { enhance(document); });
  document.addEventListener('htmx:beforeSwap', function () { if (stream) { stream.close(); stream = null; } });
  document.addEventListener('htmx:afterSettle', function () { enhance(document); });
})();
