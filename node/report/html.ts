/**
 * HTML building blocks of a report page: escaping, inline SVG, tables, and the page itself with its CSS
 * inline. The page references nothing outside itself (no scripts, fonts, images or style sheets), so it
 * opens offline and can be mailed as one file.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c])
}

/**
 * An SVG made safe to sit beside others in one document: ids (vega's clip paths) get a per-chart prefix so two
 * charts never resolve each other's `url(#…)`, and the fixed size becomes a maximum so narrow windows scale it.
 */
export function inlineSvg (svg: string, prefix: string): string {
  return svg
    .replace(/<\?xml[^>]*>\s*/, '')
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}-${id}"`)
    .replace(/^<svg /, '<svg role="img" ')
}

export interface Section {
  id: string
  title: string
  /** inner HTML, already escaped */
  body: string
}

/** A two-column table of label → value (values already HTML). */
export function keyValueTable (rows: ReadonlyArray<[string, string]>): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('')}</table>`
}

/** A paragraph saying what is absent and why, instead of a plot. */
export function absent (text: string): string {
  return `<p class="absent">${escapeHtml(text)}</p>`
}

export function figure (svg: string, prefix: string, caption: string): string {
  return `<figure>${inlineSvg(svg, prefix)}<figcaption>${caption}</figcaption></figure>`
}

const CSS = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #dde2ea; --accent: #2f6fd6; --warn: #8a5a00; --warnbg: #fff6e0; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 20px 32px 12px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h1 code { font-size: 20px; }
.lead { color: var(--muted); margin: 0 0 8px; }
nav { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; }
main { max-width: 1100px; margin: 0 auto; padding: 8px 32px 32px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 16px 20px; margin: 16px 0; }
h2 { font-size: 17px; margin: 0 0 8px; }
p { margin: 6px 0; }
figure { margin: 8px 0 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.absent { color: var(--warn); background: var(--warnbg); border-left: 3px solid #e0a800; padding: 6px 10px; }
.notes li { color: var(--warn); }
.unused { color: var(--muted); font-size: 13px; }
table.kv { border-collapse: collapse; font-size: 14px; }
table.kv th { text-align: left; font-weight: 500; color: var(--muted); padding: 2px 16px 2px 0; vertical-align: top; white-space: nowrap; }
table.kv td { padding: 2px 0; font-variant-numeric: tabular-nums; }
table.events { border-collapse: collapse; font-size: 14px; margin: 4px 0; }
table.events th { text-align: left; font-weight: 500; color: var(--muted); padding: 2px 16px 2px 0; }
table.events td { padding: 2px 16px 2px 0; vertical-align: top; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); font-size: 13px; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; margin: 4px 0; }
.figures div { border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; }
.figures b { display: block; font-size: 19px; font-variant-numeric: tabular-nums; }
.figures span { color: var(--muted); font-size: 13px; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #f3f5f8; border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; overflow-x: auto; }
details summary { cursor: pointer; color: var(--accent); }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 0 0 24px; }
`

export interface PageInit {
  title: string
  /** inner HTML of the header under the title */
  lead: string
  sections: readonly Section[]
  footer: string
}

export function page (init: PageInit): string {
  const nav = init.sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('')
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(init.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${escapeHtml(init.title)}</h1>${init.lead}<nav>${nav}</nav></header>`,
    '<main>',
    ...init.sections.map((s) => `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2>${s.body}</section>`),
    '</main>',
    `<footer>${init.footer}</footer>`,
    '</body>',
    '</html>',
    ''
  ].join('\n')
}
