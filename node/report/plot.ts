/**
 * Charts for reports and experiment scripts: Vega-Lite specs rendered to standalone SVG in Node (vega's
 * headless renderer, no canvas or browser needed). `murmur report` inlines them in its HTML page; scripts
 * write them next to their CSV.
 */
import * as vega from 'vega'
import { compile } from 'vega-lite'
import type { TopLevelSpec } from 'vega-lite'

export interface Point { x: number, y: number, series: string }

export interface LineChartInit {
  title: string
  xTitle: string
  yTitle: string
  points: Point[]
  logY?: boolean
  logX?: boolean
  width?: number
  height?: number
  /** draw points as well as lines */
  markers?: boolean
  /** legend title */
  seriesTitle?: string
  /** start the y axis at 0 (otherwise it fits the data) */
  zeroY?: boolean
  /** d3-format of the y axis labels, e.g. '~s' for 6.5M */
  yFormat?: string
  /** d3-format of the x axis labels, e.g. 'd' for round numbers */
  xFormat?: string
  /** lineChart: dashed vertical lines at these x, each labelled at the top (a report's churn rounds) */
  rules?: Array<{ x: number, label: string }>
}

export async function renderSpec (spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** One line per series over x. Non-positive values are dropped on log axes (they have no position). */
export async function lineChart (init: LineChartInit): Promise<string> {
  const values = init.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) &&
    (init.logY !== true || p.y > 0) && (init.logX !== true || p.x > 0))
  const line = {
    mark: { type: 'line', point: init.markers === true, strokeWidth: 1.6 },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: init.xTitle,
        scale: init.logX === true ? { type: 'log' } : { zero: false },
        ...(init.xFormat !== undefined ? { axis: { format: init.xFormat, tickMinStep: 1 } } : {})
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: init.yTitle,
        scale: init.logY === true ? { type: 'log' } : { zero: init.zeroY === true },
        ...(init.yFormat !== undefined ? { axis: { format: init.yFormat } } : {})
      },
      color: { field: 'series', type: 'nominal', title: init.seriesTitle ?? '', legend: { labelLimit: 400 } }
    }
  }
  const rules = (init.rules ?? []).filter((r) => Number.isFinite(r.x) && (init.logX !== true || r.x > 0))
  // the same title on every layer's x, or vega-lite joins the titles into the axis's
  const ruleX = { field: 'x', type: 'quantitative', title: init.xTitle }
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: init.title,
    width: init.width ?? 560,
    height: init.height ?? 320,
    background: 'white',
    data: { values }
  }
  // without rules the single-view spec as ever: scripts' charts stay byte for byte
  const spec = rules.length === 0
    ? { ...base, ...line }
    : {
        ...base,
        layer: [
          line,
          { data: { values: rules }, mark: { type: 'rule', color: '#8a8f99', strokeDash: [4, 3], strokeWidth: 1 }, encoding: { x: ruleX } },
          { data: { values: rules }, mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, color: '#5b6475', fontSize: 10 }, encoding: { x: ruleX, y: { value: 2 }, text: { field: 'label' } } }
        ]
      }
  return await renderSpec(spec as TopLevelSpec)
}

export interface ScatterInit {
  title: string
  xTitle: string
  yTitle: string
  points: Point[]
  /** draw the y = x diagonal over the data's range */
  diagonal?: boolean
  logX?: boolean
  logY?: boolean
  seriesTitle?: string
}

/** Measured vs predicted style scatter, optionally with the y = x line. */
export async function scatterChart (init: ScatterInit): Promise<string> {
  const xs = init.points.map((p) => p.x).concat(init.points.map((p) => p.y)).filter((v) => Number.isFinite(v) && (init.logX !== true || v > 0))
  const lo = Math.min(...xs)
  const hi = Math.max(...xs)
  const layers: any[] = [{
    data: { values: init.points },
    mark: { type: 'point', filled: true, size: 50 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: init.xTitle, scale: init.logX === true ? { type: 'log' } : { zero: false } },
      y: { field: 'y', type: 'quantitative', title: init.yTitle, scale: init.logY === true ? { type: 'log' } : { zero: false } },
      color: { field: 'series', type: 'nominal', title: init.seriesTitle ?? '', legend: { labelLimit: 400 } },
      shape: { field: 'series', type: 'nominal', title: init.seriesTitle ?? '' }
    }
  }]
  if (init.diagonal === true && Number.isFinite(lo) && Number.isFinite(hi)) {
    layers.unshift({
      data: { values: [{ x: lo, y: lo }, { x: hi, y: hi }] },
      mark: { type: 'line', color: '#999', strokeDash: [4, 4] },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } }
    })
  }
  return await renderSpec({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: init.title,
    width: 420,
    height: 420,
    background: 'white',
    layer: layers
  } as TopLevelSpec)
}

/**
 * Series stacked on top of each other over x (e.g. the parts of a round's time). Missing values count as 0;
 * the order of the stack is the order in which series first appear.
 */
export async function stackedAreaChart (init: LineChartInit): Promise<string> {
  const order: string[] = []
  for (const p of init.points) if (!order.includes(p.series)) order.push(p.series)
  const values = init.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .map((p) => ({ ...p, order: order.indexOf(p.series) }))
  return await renderSpec({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: init.title,
    width: init.width ?? 560,
    height: init.height ?? 320,
    background: 'white',
    data: { values },
    mark: { type: 'area', opacity: 0.85, interpolate: 'step-after' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: init.xTitle, scale: { zero: false }, ...(init.xFormat !== undefined ? { axis: { format: init.xFormat, tickMinStep: 1 } } : {}) },
      y: { field: 'y', type: 'quantitative', title: init.yTitle, stack: 'zero' },
      color: { field: 'series', type: 'nominal', title: init.seriesTitle ?? '', sort: order, legend: { labelLimit: 400 } },
      order: { field: 'order', type: 'quantitative' }
    }
  })
}
