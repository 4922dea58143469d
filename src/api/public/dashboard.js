// dlbot dashboard: polls /api/v1/dashboard and draws it. No framework; chart.js (window.Chart) for the charts.
(() => {
  'use strict';

  const params = new URLSearchParams(location.search);
  const intervalMs = Math.max(1, Number(params.get('interval')) || 5) * 1000;
  const $ = (id) => document.getElementById(id);

  // ---- formatting ---------------------------------------------------------------------------
  const nf = new Intl.NumberFormat('en');
  const count = (n) => nf.format(n);
  const percent = (n) => `${(Math.round(n * 10) / 10).toFixed(1)}%`;
  function bytes(n) {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
  }
  function duration(ms) {
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
    return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  }
  function ago(at) {
    const s = Math.max(0, Math.round((Date.now() - at) / 1000));
    if (s < 60) return `${s}s ago`;
    if (s < 3600) return `${Math.floor(s / 60)}m ago`;
    return new Date(at).toLocaleTimeString();
  }
  const el = (tag, className, text) => {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // ---- theme --------------------------------------------------------------------------------
  const root = document.documentElement;
  const stored = localStorage.getItem('dlbot-theme');
  if (stored === 'dark' || stored === 'light') root.dataset.theme = stored;
  const isDark = () => root.dataset.theme ? root.dataset.theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  const css = (name) => getComputedStyle(root).getPropertyValue(name).trim();
  /** #rrggbb with an alpha, for canvas fills (canvas does not take color-mix()). */
  function alpha(hex, a) {
    const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    return m ? `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${a})` : hex;
  }
  $('theme').addEventListener('click', () => {
    root.dataset.theme = isDark() ? 'light' : 'dark';
    localStorage.setItem('dlbot-theme', root.dataset.theme);
    restyleCharts();
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', restyleCharts);

  // ---- charts -------------------------------------------------------------------------------
  let historyChart;
  let queueChart;
  const QUEUE_STATES = ['queued', 'running', 'done', 'cancelled', 'dead'];

  function makeCharts() {
    if (!window.Chart || historyChart) return;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    historyChart = new Chart($('history-chart'), {
      type: 'line',
      data: { labels: [], datasets: [
        { label: 'success', data: [], tension: 0.35, fill: true, pointRadius: 0, borderWidth: 2 },
        { label: 'failed', data: [], tension: 0.35, fill: true, pointRadius: 0, borderWidth: 2 },
      ] },
      options: {
        maintainAspectRatio: false,
        animation: { duration: 300 },
        interaction: { mode: 'index', intersect: false },
        scales: { x: { ticks: { maxTicksLimit: 8 }, grid: { display: false } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { display: false } },
      },
    });
    queueChart = new Chart($('queue-chart'), {
      type: 'doughnut',
      data: { labels: QUEUE_STATES, datasets: [{ data: [0, 0, 0, 0, 0], borderWidth: 0 }] },
      options: { maintainAspectRatio: false, cutout: '68%', animation: { duration: 300 }, plugins: { legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10 } } } },
    });
    restyleCharts();
  }

  function restyleCharts() {
    if (!historyChart) return;
    const [text, muted, border, ok, bad, warn, accent] = ['--text', '--muted', '--border', '--ok', '--bad', '--warn', '--accent'].map(css);
    Chart.defaults.color = muted;
    for (const chart of [historyChart, queueChart]) {
      for (const axis of Object.values(chart.options.scales || {})) {
        axis.grid.color = border;
        axis.ticks.color = muted;
      }
      if (chart.options.plugins.legend.labels) chart.options.plugins.legend.labels.color = text;
    }
    const [success, failed] = historyChart.data.datasets;
    success.borderColor = ok;
    success.backgroundColor = alpha(ok, 0.14);
    failed.borderColor = bad;
    failed.backgroundColor = alpha(bad, 0.14);
    queueChart.data.datasets[0].backgroundColor = [accent, warn, ok, muted, bad];
    historyChart.update('none');
    queueChart.update('none');
  }

  // ---- rendering ----------------------------------------------------------------------------
  function renderCards(d) {
    const state = $('state');
    state.textContent = d.system.state;
    state.dataset.state = d.system.state;
    $('success-rate').textContent = percent(d.downloads.success_rate);
    $('downloads-total').textContent = count(d.downloads.total);
    $('uptime').textContent = d.system.uptime;
    $('avg-duration').textContent = duration(d.downloads.avg_duration_ms);
    $('memory').textContent = `${percent(d.system.memory_percent)}`;
    $('memory-limit').textContent = `${bytes(d.system.rss_bytes)} of ${bytes(d.system.memory_limit_bytes)}`;
    const meter = $('memory-meter');
    meter.setAttribute('aria-valuenow', String(Math.round(d.system.memory_percent)));
    // the seed's alert rules: warning above 80 %, critical above 95 %
    meter.dataset.level = d.system.memory_percent > 95 ? 'critical' : d.system.memory_percent > 80 ? 'warn' : 'ok';
    $('memory-bar').style.width = `${Math.min(100, d.system.memory_percent)}%`;
    $('queue-depth').textContent = count(d.queue.queued);
    $('queue-running').textContent = count(d.queue.running);
    $('queue-dead').textContent = count(d.queue.dead);
    $('cache-hit-rate').textContent = percent(d.cache.hit_rate);
    $('cache-hits').textContent = count(d.cache.hits);
    $('cache-misses').textContent = count(d.cache.misses);
    $('bytes').textContent = bytes(d.downloads.bytes);
    const open = Object.entries(d.circuits).filter(([, s]) => s !== 'closed').map(([p]) => p);
    $('open-circuits').textContent = open.length ? `circuit open: ${open.join(', ')}` : 'all circuits closed';
  }

  function renderPlatforms(d) {
    const list = $('platforms');
    const rows = Object.entries(d.platforms)
      .map(([name, s]) => ({ name, ...s, total: s.success + s.failed }))
      .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
    const max = Math.max(1, ...rows.map((r) => r.total));
    list.replaceChildren(...rows.map((r) => {
      const li = el('li', 'platform');
      li.dataset.platform = r.name;
      const name = el('span', 'name');
      const dot = el('span', 'dot');
      dot.dataset.circuit = d.circuits[r.name] || 'closed';
      dot.title = `circuit ${dot.dataset.circuit}`;
      name.append(dot, el('span', '', r.name));
      const bar = el('div', 'bar');
      const okPart = el('span', 'ok');
      okPart.style.width = `${(r.success / max) * 100}%`;
      const badPart = el('span', 'bad');
      badPart.style.width = `${(r.failed / max) * 100}%`;
      bar.append(okPart, badPart);
      const counts = el('span', 'counts');
      const rate = r.total ? percent((r.success / r.total) * 100) : '–';
      counts.append(el('b', 'success', count(r.success)), ' ✓ · ', el('b', 'failed', count(r.failed)), ` ✗ · ${rate}`);
      li.append(name, bar, counts);
      return li;
    }));
    if (rows.length === 0) list.replaceChildren(el('li', 'empty', 'No downloads yet.'));
  }

  function renderErrors(d) {
    const body = $('errors');
    const rows = d.recent_errors.slice(-10).reverse().map((e) => {
      const tr = el('tr');
      const code = el('td');
      code.append(el('code', '', e.code));
      tr.append(el('td', 'muted', ago(e.at)), el('td', '', e.platform), code);
      return tr;
    });
    if (rows.length === 0) {
      const tr = el('tr');
      const td = el('td', 'empty', 'No recent errors.');
      td.colSpan = 3;
      tr.append(td);
      rows.push(tr);
    }
    body.replaceChildren(...rows);
  }

  function renderCharts(d) {
    makeCharts();
    if (!historyChart) return;
    historyChart.data.labels = d.history.map((p) => new Date(p.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    historyChart.data.datasets[0].data = d.history.map((p) => p.success);
    historyChart.data.datasets[1].data = d.history.map((p) => p.failed);
    historyChart.update();
    queueChart.data.datasets[0].data = QUEUE_STATES.map((s) => d.queue[s] || 0);
    queueChart.update();
  }

  // ---- polling ------------------------------------------------------------------------------
  let lastOk = 0;
  async function refresh() {
    try {
      const res = await fetch('/api/v1/dashboard', { headers: { accept: 'application/json' }, cache: 'no-store' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const d = await res.json();
      renderCards(d);
      renderPlatforms(d);
      renderErrors(d);
      renderCharts(d);
      lastOk = Date.now();
      $('offline').hidden = true;
      document.body.dataset.loaded = 'true';
    } catch {
      $('offline').hidden = false;
    }
    $('updated').textContent = lastOk ? `updated ${new Date(lastOk).toLocaleTimeString()}` : 'no data yet';
  }

  refresh();
  setInterval(refresh, intervalMs);
})();
