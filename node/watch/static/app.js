/*
 * The murmur dashboard page: one EventSource on /events. The first `snapshot` message carries everything, each
 * `update` the current state plus the curve points not sent yet. The topology is drawn by cytoscape, the curves
 * and the spectrum by Vega views compiled from Vega-Lite specs (vega-embed is not needed for that).
 * `window.murmur` exposes counts for the browser test.
 */
/* global vega, vegaLite, cytoscape, EventSource */
'use strict'

const state = { updates: 0, points: { accuracy: 0, consensus: 0 }, nodes: 0 }
window.murmur = state

const $ = (id) => document.getElementById(id)
const pct = (x) => (x * 100).toFixed(2) + ' %'
const short = (id) => id.length <= 12 ? id : '…' + id.slice(-8)
const rate = (b) => b === null ? '-' : b >= 1e6 ? (b / 1e6).toFixed(1) + ' MB' : b >= 1e3 ? (b / 1e3).toFixed(1) + ' kB' : b.toFixed(0) + ' B'

// ---- charts: Vega-Lite specs compiled once, data inserted through Vega changesets ----
// fixed padding: the axes' labels change width as data arrives, and a view sized on its first (empty) frame clips them
const CHART = { width: 400, height: 230, autosize: { type: 'none' }, padding: { left: 72, top: 8, right: 90, bottom: 44 } }
const specs = {
  accuracy: {
    ...CHART,
    data: { name: 'points' },
    transform: [{ fold: ['mean', 'min'], as: ['series', 'value'] }],
    mark: { type: 'line', interpolate: 'monotone', point: { size: 18 } },
    encoding: {
      x: { field: 'round', type: 'quantitative', title: 'round', axis: { format: 'd', tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: 'test accuracy', scale: { zero: false }, axis: { format: '.1%' } },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['mean', 'min'], range: ['#2563eb', '#f97316'] } }
    }
  },
  consensus: {
    ...CHART,
    data: { name: 'points' },
    transform: [{ filter: 'datum.value > 0' }],
    mark: { type: 'line', point: { size: 14 }, color: '#7c3aed' },
    encoding: {
      x: { field: 'round', type: 'quantitative', title: 'round', axis: { format: 'd', tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: 'consensus distance', scale: { type: 'log' }, axis: { format: '.0e', labelOverlap: 'greedy' } }
    }
  },
  spectrum: {
    ...CHART,
    data: { name: 'points' },
    mark: { type: 'bar', color: '#0d9488' },
    encoding: {
      x: { field: 'k', type: 'ordinal', title: 'k (eigenvalues of W, descending)', axis: { labelAngle: 0, labelOverlap: 'greedy' } },
      y: { field: 'lambda', type: 'quantitative', title: 'λ_k', scale: { domain: [-1, 1] } }
    }
  }
}
const views = {}
for (const [name, spec] of Object.entries(specs)) {
  views[name] = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'svg', container: '#' + name + '-chart', hover: true })
  views[name].runAsync()
}
function append (name, points) {
  if (points.length === 0) return
  views[name].change('points', vega.changeset().insert(points.map((p) => ({ ...p })))).runAsync()
  state.points[name] += points.length
}
let spectrumKey = ''
function setSpectrum (values) {
  const key = values === null ? '' : values.map((v) => v.toFixed(6)).join(',')
  if (key === spectrumKey) return
  spectrumKey = key
  const rows = (values ?? []).map((lambda, k) => ({ k: k + 1, lambda }))
  views.spectrum.change('points', vega.changeset().remove(() => true).insert(rows)).runAsync()
}

// ---- topology: cytoscape, circle layout by slot, colours by loss, widths by bytes ----
const cy = cytoscape({
  container: $('graph'),
  elements: [],
  userZoomingEnabled: false,
  boxSelectionEnabled: false,
  style: [
    { selector: 'node', style: { 'background-color': 'data(color)', label: 'data(label)', color: '#1d2433', 'font-size': 11, 'text-valign': 'center', 'text-halign': 'center', width: 34, height: 34, 'border-width': 1, 'border-color': '#334155' } },
    { selector: 'node.silent', style: { 'border-color': '#b91c1c', 'border-width': 3, opacity: 0.5 } },
    { selector: 'edge', style: { width: 'data(width)', 'line-color': 'data(color)', 'curve-style': 'bezier', opacity: 0.85 } }
  ],
  layout: { name: 'preset' }
})

/** counts among the run's live peers: neither gone silent nor left (node/watch/model.ts livePeer) */
function livePeer (p) {
  return p.status !== 'silent' && p.status !== 'left'
}

function mix (a, b, t) {
  const c = a.map((x, i) => Math.round(x + (b[i] - x) * t))
  return `rgb(${c[0]},${c[1]},${c[2]})`
}

function drawGraph (snap) {
  const g = snap.graph
  const peers = new Map(snap.peers.map((p) => [p.id, p]))
  const nodes = g === null ? snap.peers.filter(livePeer).map((p) => ({ id: p.id, slot: p.slot })) : g.nodes
  const edges = g === null ? [] : g.edges
  const losses = nodes.map((n) => peers.get(n.id)?.trainLoss).filter((x) => typeof x === 'number')
  const lo = Math.min(...losses)
  const hi = Math.max(...losses)
  const maxBytes = Math.max(1, ...edges.map((e) => e.bytes))
  const wanted = new Set()
  let added = false
  cy.batch(() => {
    for (const n of nodes) {
      const p = peers.get(n.id)
      const loss = p?.trainLoss
      const t = typeof loss !== 'number' ? null : hi > lo ? (loss - lo) / (hi - lo) : 0
      const data = {
        id: n.id, slot: n.slot, label: String(n.slot),
        color: t === null ? '#cbd5e1' : mix([34, 197, 94], [239, 68, 68], t)
      }
      wanted.add(n.id)
      const el = cy.getElementById(n.id)
      if (el.empty()) { cy.add({ group: 'nodes', data }); added = true } else el.data(data)
      cy.getElementById(n.id).toggleClass('silent', p?.status === 'silent')
    }
    for (const e of edges) {
      const id = e.source + '|' + e.target
      const t = e.bytes / maxBytes
      const data = { id, source: e.source, target: e.target, width: 1.5 + 6 * t, color: mix([191, 219, 254], [30, 64, 175], t) }
      wanted.add(id)
      const el = cy.getElementById(id)
      if (el.empty()) { cy.add({ group: 'edges', data }); added = true } else el.data(data)
    }
    cy.elements().filter((el) => !wanted.has(el.id())).remove()
  })
  if (added) cy.layout({ name: 'circle', sort: (a, b) => a.data('slot') - b.data('slot'), animate: false, padding: 24 }).run()
  state.nodes = cy.nodes().length
  document.body.dataset.nodes = String(state.nodes)
  $('graph-note').textContent = snap.graphError ?? (g === null ? 'no membership graph yet' : `round ${g.round}: ${g.nodes.length} members, ${g.edges.length} edges`)
}

// ---- header, table, events ----
function drawText (snap) {
  const r = snap.run
  const ended = snap.ended == null ? '' : ` · ${snap.ended.text}`
  $('run').textContent = (r === null ? `run '${snap.runId}'${ended === '' ? ': waiting for peers…' : ''}` : `run '${snap.runId}' · ${r.algo} ${r.codec} on ${r.topology} (${r.weights}) · ${r.peers} peers · ${r.rounds} rounds`) + ended
  $('round').textContent = snap.round ?? '-'
  const live = snap.peers.filter(livePeer).length
  $('peers').textContent = `${live} / ${snap.peers.filter((p) => p.member).length}`
  $('gap').textContent = snap.graph?.gap == null ? '-' : `${snap.graph.gap.toFixed(4)} (${snap.graph.lambda2.toFixed(4)})`
  $('acc').textContent = snap.accuracy === null ? '-' : `${pct(snap.accuracy.mean)} / ${pct(snap.accuracy.min)}`
  $('cons').textContent = snap.consensus === null ? '-' : snap.consensus.value.toExponential(3)
  const body = $('peer-table').tBodies[0]
  body.replaceChildren(...snap.peers.map((p) => {
    const tr = document.createElement('tr')
    const cells = [p.slot, short(p.id), p.status, p.round, p.trainLoss === null ? '-' : p.trainLoss.toFixed(4), p.accuracy === null ? '-' : pct(p.accuracy),
      p.degree ?? '-', rate(p.sendRate), p.roundMs === null ? '-' : p.roundMs.toFixed(0),
      p.roundMs === null ? '-' : `${p.computeMs.toFixed(0)} / ${p.commMs.toFixed(0)} / ${p.waitMs.toFixed(0)}`]
    cells.forEach((c, i) => { const td = document.createElement('td'); td.textContent = String(c); if (i === 2) td.className = p.status; tr.append(td) })
    tr.title = p.id
    return tr
  }))
  $('events').replaceChildren(...snap.events.slice(-40).reverse().map((e) => {
    const li = document.createElement('li')
    li.className = e.kind
    li.textContent = `${new Date(e.time).toISOString().slice(11, 19)}  ${e.text}`
    return li
  }))
}

function apply (snap, points) {
  drawText(snap)
  drawGraph(snap)
  setSpectrum(snap.graph?.eigenvalues ?? null)
  append('accuracy', points.accuracy)
  append('consensus', points.consensus)
  state.updates++
}

const source = new EventSource('/events')
source.addEventListener('snapshot', (e) => {
  const snap = JSON.parse(e.data)
  // a reconnect starts over: drop what the charts hold
  for (const name of ['accuracy', 'consensus']) { views[name].change('points', vega.changeset().remove(() => true)).runAsync(); state.points[name] = 0 }
  apply(snap, { accuracy: snap.series.accuracy.points, consensus: snap.series.consensus.points })
  $('link').textContent = 'live'
})
source.addEventListener('update', (e) => {
  const snap = JSON.parse(e.data)
  apply(snap, snap.append)
})
source.onerror = () => { $('link').textContent = 'reconnecting…' }
