import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildReport, loadRun } from '../../../node/report/index.ts'

function section (html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`)
  assert.ok(start >= 0, `no section ${id}`)
  return html.slice(start, html.indexOf('</section>', start))
}

/** a figure at a glance: its value and label */
function figureLabel (html: string, label: RegExp): string {
  const glance = section(html, 'glance')
  const m = [...glance.matchAll(/<div><b>([^<]*)<\/b><span>([^<]*)<\/span><\/div>/g)].find((f) => label.test(f[2]))
  assert.ok(m !== undefined, `no figure ${String(label)} in ${glance}`)
  return m[2]
}

const ROWS = [20, 40].map((round) => ({ round, accuracy: 0.90, peerAccuracyMin: 0.91, peerAccuracyMean: 0.915 }))

function simRun (experiment: object, summary: object | null, derived?: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-report-samples-'))
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ experiment: { peers: 4, topology: 'ring', algo: 'dpsgd', dataset: 'mnist', seed: 1, rounds: 40, evalEvery: 20, evalLimit: 0, peerEvalLimit: 2000, ...experiment }, ...(derived !== undefined ? { derived } : {}) }))
  writeFileSync(join(dir, 'metrics.jsonl'), ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n')
  if (summary !== null) writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary))
  return dir
}

describe('node/report: how many test samples each accuracy used', () => {
  it('a simulator run: the averaged model on --eval-limit, the peers on --peer-eval-limit between evaluations and all in the last round', async () => {
    // finished: summary.json's peer figures are the last round's, on the whole test set
    const done = await buildReport(loadRun(simRun({}, { rounds: 40, accuracy: 0.9, peerAccuracyMin: 0.91, peerAccuracyMean: 0.915 })))
    assert.equal(figureLabel(done, /^averaged model/), 'averaged model, test accuracy (all 10,000 test samples)')
    assert.equal(figureLabel(done, /^worst peer/), 'worst peer&#39;s own model (all 10,000 test samples, round 40)')
    assert.equal(figureLabel(done, /^mean of the peers/), 'mean of the peers&#39; own models (all 10,000 test samples, round 40)')
    const acc = section(done, 'accuracy')
    // in the plot's legend, whole (vega cuts a label at about 50 characters) ...
    const legend = [...acc.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1])
    for (const label of ['averaged model x̄ (all 10,000 samples)', 'worst peer (2,000 samples; all in round 40)', "peers' mean (2,000 samples; all in round 40)"]) {
      assert.ok(legend.includes(label), `${label} in ${legend.join(' | ')}`)
    }
    // ... and in the caption
    assert.match(acc, /tested on 2,000 test samples and the averaged model on all 10,000 test samples/)
    assert.match(acc, /the worst peer can score above the averaged model/)
    assert.match(acc, /In round 40 the peers are tested on all 10,000 test samples, as the averaged model is\./)

    // stopped early (no summary.json): the last peer figures came from an evaluation between, on 2,000 samples
    const cut = await buildReport(loadRun(simRun({ rounds: 100 }, null)))
    assert.equal(figureLabel(cut, /^worst peer/), 'worst peer&#39;s own model (2,000 test samples, round 40)')
    assert.equal(figureLabel(cut, /^averaged model/), 'averaged model, test accuracy (all 10,000 test samples)')

    // a --dataset-dir may hold another test set: its size is not known, so no number is made up
    const own = await buildReport(loadRun(simRun({ datasetDir: '/data/mnist', evalLimit: 500 }, { rounds: 40, accuracy: 0.9, peerAccuracyMin: 0.91 })))
    assert.equal(figureLabel(own, /^averaged model/), 'averaged model, test accuracy (500 test samples)')
    assert.equal(figureLabel(own, /^worst peer/), 'worst peer&#39;s own model (all the test samples, round 40)')
    // ... unless murmur sim recorded it (config.json's derived.testSamples, as this murmur writes)
    const known = await buildReport(loadRun(simRun({ datasetDir: '/data/mnist', evalLimit: 0 }, { rounds: 40, accuracy: 0.9, peerAccuracyMin: 0.91 }, { testSamples: 1234 })))
    assert.equal(figureLabel(known, /^averaged model/), 'averaged model, test accuracy (all 1,234 test samples)')
    // (--peer-eval-limit 2000 is more than 1,234: the peers too were tested on all of them in every evaluation)
    assert.equal(figureLabel(known, /^worst peer/), 'worst peer&#39;s own model (all 1,234 test samples)')
  })

  it('a cluster: both on --eval-limit, so nothing to reconcile; merged peer folders: the peers\' own limit is not recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-report-samples-'))
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ peers: 4, topology: 'ring', algo: 'dpsgd', dataset: 'fashion-mnist', seed: 1, rounds: 40, evalEvery: 20, evalLimit: 1000 }))
    mkdirSync(join(dir, 'peer-0'))
    writeFileSync(join(dir, 'metrics.jsonl'), ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n')
    const html = await buildReport(loadRun(dir))
    assert.equal(figureLabel(html, /^averaged model/), 'averaged model, test accuracy (1,000 test samples)')
    assert.equal(figureLabel(html, /^worst peer/), 'worst peer&#39;s own model (1,000 test samples)')
    assert.doesNotMatch(section(html, 'accuracy'), /can score above/)
  })
})
