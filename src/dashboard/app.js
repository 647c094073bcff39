// The dashboard page's script: polls the node's /api/*.json every few seconds and fills in the
// cards, the loss chart (Chart.js) and the tables. Plain browser JavaScript, no build step; every
// value shown comes from the node's JSON as it is (amounts are decimal strings of base units).
'use strict';

const REFRESH_MS = 5000;
const COIN = 100000000n;

let lossChart = null;

function el(id) {
  return document.getElementById(id);
}

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

/** Base units (a decimal string) as GC with 8 decimals, exactly. */
function gc(units) {
  const value = BigInt(units);
  const whole = value / COIN;
  const fraction = (value % COIN).toString().padStart(8, '0');
  return `${whole}.${fraction}`;
}

function short(text, head = 10, tail = 6) {
  return text && text.length > head + tail + 1 ? `${text.slice(0, head)}…${text.slice(-tail)}` : (text ?? '–');
}

function age(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s ago`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min ago`;
}

function rate(h) {
  if (h >= 1e6) return `${(h / 1e6).toFixed(2)} MH/s`;
  if (h >= 1e3) return `${(h / 1e3).toFixed(0)} kH/s`;
  return `${h} H/s`;
}

/** Replaces a table body's rows; cells are [text, className?]. */
function fillTable(id, rows, emptyText, columns) {
  const body = el(id).querySelector('tbody');
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    tr.className = 'empty';
    const td = document.createElement('td');
    td.colSpan = columns;
    td.textContent = emptyText;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const cells of rows) {
    const tr = document.createElement('tr');
    for (const [text, className, title] of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      if (className) td.className = className;
      if (title) td.title = title;
      tr.append(td);
    }
    body.append(tr);
  }
}

function showSummary(s) {
  el('network').textContent = `${s.network} · chain ${s.chainId.slice(0, 12)}…`;
  el('height').textContent = String(s.height);
  el('tip-age').textContent = age(s.nowMs / 1000 - s.tipTime);
  el('difficulty').textContent = s.difficulty.toPrecision(4);
  el('hashrate').textContent = s.mining ? `${rate(s.mining.hashRate)} · ${s.mining.blocksFound} found` : 'no';
  el('peer-count').textContent = String(s.peers);
}

function showLoss(l) {
  el('loss').textContent = l.heldOutLoss === null ? 'no dataset' : l.heldOutLoss.toFixed(4);
  const points = l.history.map((p) => ({ x: p.height, y: p.loss }));
  const canvas = el('loss-chart');
  canvas.dataset.points = String(points.length);
  if (!lossChart) {
    lossChart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [{ label: 'held-out loss', data: points, borderColor: '#7cc4ff', backgroundColor: '#7cc4ff', pointRadius: 2, tension: 0 }] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'height', color: '#8b93a7' }, ticks: { color: '#8b93a7', precision: 0 }, grid: { color: '#2a2f3a' } },
          y: { title: { display: true, text: 'nats per byte', color: '#8b93a7' }, ticks: { color: '#8b93a7' }, grid: { color: '#2a2f3a' } },
        },
        plugins: { legend: { display: false } },
      },
    });
  } else {
    lossChart.data.datasets[0].data = points;
    lossChart.update();
  }
}

function showContributors(list) {
  fillTable(
    'contributors',
    list.map((c) => [
      [short(c.address, 12, 8), 'mono', c.address],
      [c.mu.toFixed(3), 'num'],
      [c.sigma.toFixed(3), 'num'],
      [c.ordinal.toFixed(3), 'num'],
      [c.binaryMA.toFixed(3), 'num'],
      [c.final.toFixed(3), 'num'],
      [String(c.contributions), 'num'],
      [gc(c.rewards), 'num'],
    ]),
    'no contributor has been scored yet',
    8,
  );
}

function showBlocks(blocks, nowMs) {
  fillTable(
    'blocks',
    blocks.map((b) => [
      [String(b.height), 'num'],
      [`${b.hash.slice(0, 16)}…`, 'mono', b.hash],
      [age(nowMs / 1000 - b.time)],
      [b.miner ? short(b.miner, 12, 6) : 'genesis', 'mono', b.miner ?? ''],
      [String(b.transfers), 'num'],
      [String(b.contributions), 'num'],
      [String(b.aggregated), 'num'],
      [gc(b.paid), 'num'],
    ]),
    'no blocks',
    8,
  );
}

function showPeers(list) {
  fillTable(
    'peers',
    list.map((p) => [
      [short(p.id, 12, 6), 'mono', p.id],
      [p.address ?? '–', 'mono'],
      [p.inbound ? 'inbound' : 'outbound'],
      [p.height === null ? '–' : String(p.height), 'num'],
      [String(p.score), 'num'],
    ]),
    'no peers',
    5,
  );
}

async function refresh() {
  try {
    const [s, blocks, l, contributors, peers] = await Promise.all([
      getJson('/api/summary.json'),
      getJson('/api/blocks.json?count=15'),
      getJson('/api/loss.json'),
      getJson('/api/contributors.json'),
      getJson('/api/peers.json'),
    ]);
    showSummary(s);
    showBlocks(blocks, s.nowMs);
    showLoss(l);
    showContributors(contributors);
    showPeers(peers);
    el('updated').textContent = `Updated ${new Date().toLocaleTimeString()}.`;
    document.body.dataset.ready = 'true';
  } catch (err) {
    el('updated').textContent = `Cannot reach the node: ${err.message}`;
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
