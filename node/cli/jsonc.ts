/**
 * JSON with comments, as `murmur init` writes run configs: `// line` and `/* block *\/` comments are blanked
 * (with spaces, so parseJsonc's error positions still point into the original text) everywhere outside
 * strings. Strings are scanned with their escapes, so a value such as "file://x" or "a \"//\" b" is untouched.
 * A block comment left open is a JsoncSyntaxError at its start (blanking the rest would move the error to the end).
 */
export function stripJsonComments (text: string): string {
  let out = ''
  let i = 0
  const n = text.length
  const blank = (s: string): string => s.replace(/[^\n]/g, ' ')
  while (i < n) {
    const c = text[i]
    if (c === '"') {
      let j = i + 1
      while (j < n && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1
      out += text.slice(i, j + 1)
      i = j + 1
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i)
      const stop = end < 0 ? n : end
      out += blank(text.slice(i, stop))
      i = stop
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      if (end < 0) throw syntaxError(text, i, 'unterminated /* comment (no closing */)')
      const stop = end + 2
      out += blank(text.slice(i, stop))
      i = stop
    } else {
      out += c
      i++
    }
  }
  return out
}

/** A JSON-with-comments text that cannot be read: where (1-based line and column, in UTF-16 units) and why. */
export class JsoncSyntaxError extends SyntaxError {
  static override name = 'JsoncSyntaxError'
  readonly line: number
  readonly column: number
  readonly reason: string
  constructor (reason: string, line: number, column: number) {
    super(`line ${line}, column ${column}: ${reason}`)
    this.name = 'JsoncSyntaxError'
    this.line = line
    this.column = column
    this.reason = reason
  }
}

/** deeper nesting is refused rather than left to overflow the stack (a run config is two levels deep) */
export const MAX_JSONC_DEPTH = 256
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const WORD = /[A-Za-z_$][\w$]*/y
const LITERALS: Array<[string, unknown]> = [['true', true], ['false', false], ['null', null]]

/** 1-based line and column of offset `at` */
function position (text: string, at: number): { line: number, column: number } {
  const before = text.slice(0, at)
  return { line: before.split('\n').length, column: at - before.lastIndexOf('\n') }
}

function syntaxError (text: string, at: number, reason: string): JsoncSyntaxError {
  const { line, column } = position(text, at)
  return new JsoncSyntaxError(reason, line, column)
}

/** a character as an error shows it: printable ASCII quoted, anything else (newline, BOM, NBSP) by code point */
function show (c: string | undefined): string {
  if (c === undefined) return 'the end of the file'
  return c >= ' ' && c <= '~' ? `'${c}'` : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}

function kind (v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`
}

/**
 * Parses `text` as JSON (RFC 8259) with three leniencies: comments (see stripJsonComments), a trailing comma
 * before `}` or `]` (as VS Code's settings files allow), and a leading UTF-8 BOM (as Windows editors write).
 * Stricter than JSON.parse where it silently loses data: a field set twice in one object, or a number beyond a
 * double's range (1e400, which JSON.parse turns into Infinity), is a JsoncSyntaxError naming where it is.
 * With `objectOf`, the top level must be an object, and an error calls it that (`a JSON object of config fields`).
 */
export function parseJsonc (text: string, objectOf?: string): unknown {
  const src = stripJsonComments(text.startsWith('\uFEFF') ? text.slice(1) : text)
  let i = 0
  const fail = (reason: string, at = i): never => { throw syntaxError(src, at, reason) }
  const skip = (): void => { while (src[i] === ' ' || src[i] === '\t' || src[i] === '\n' || src[i] === '\r') i++ }
  /** what is at i, as an error shows it: a whole word (`peers` unquoted, `NaN`, `Infinity`), else one character */
  const got = (): string => {
    WORD.lastIndex = i
    const word = WORD.exec(src)?.[0]
    return word !== undefined ? `'${word}'` : show(src[i])
  }

  const string = (): string => {
    const start = i++
    while (src[i] !== '"') {
      const c = src[i]
      if (c === undefined || c === '\n' || c === '\r') fail('unterminated string (no closing " on its line)', start)
      if (c === '\\') {
        const e = src[i + 1]
        if (e === 'u' && !/^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) fail('invalid \\u escape: expected 4 hexadecimal digits')
        if (e === undefined || !'"\\/bfnrtu'.includes(e)) fail(`invalid escape in a string: ${show(e)} after '\\'`)
        i += e === 'u' ? 6 : 2
      } else {
        if (c < ' ') fail(`control character ${show(c)} in a string (write it as an escape such as \\t)`)
        i++
      }
    }
    i++
    return JSON.parse(src.slice(start, i)) // checked above: a well-formed string token
  }

  const value = (path: string, depth: number): unknown => {
    skip()
    const c = src[i]
    if ((c === '{' || c === '[') && depth >= MAX_JSONC_DEPTH) fail(`nested deeper than ${MAX_JSONC_DEPTH} levels`)
    if (c === '{') return object(path, depth + 1)
    if (c === '[') return array(path, depth + 1)
    if (c === '"') return string()
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i
      const raw = NUMBER.exec(src)?.[0] ?? fail(`expected a digit after '-', got ${show(src[i + 1])}`, i + 1)
      const v = Number(raw)
      if (!Number.isFinite(v)) fail(`${path === '' ? 'the value' : path}: ${raw} is out of range (a number's magnitude must be at most ${Number.MAX_VALUE})`)
      i += raw.length
      return v
    }
    for (const [word, v] of LITERALS) if (src.startsWith(word, i)) { i += word.length; return v }
    return fail(`expected a value, got ${got()}`)
  }

  const object = (path: string, depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    const seen = new Map<string, number>()
    i++
    skip()
    while (src[i] !== '}') {
      if (src[i] !== '"') fail(`expected a field name in double quotes, got ${got()}`)
      const at = i
      const key = string()
      const name = path === '' ? key : `${path}.${key}`
      const first = seen.get(key)
      if (first !== undefined) {
        const { line, column } = position(src, first)
        fail(`field "${name}" is set twice (first at line ${line}, column ${column}); keep one`, at)
      }
      seen.set(key, at)
      skip()
      if (src[i] !== ':') fail(`expected ':' after field "${name}", got ${got()}`)
      i++
      // defined, not assigned, so that a "__proto__" field is a field (as JSON.parse makes it), not a prototype
      Object.defineProperty(out, key, { value: value(name, depth), enumerable: true, writable: true, configurable: true })
      skip()
      if (src[i] === ',') { i++; skip() } else if (src[i] !== '}') fail(`expected ',' or '}' after field "${name}", got ${got()}`)
    }
    i++
    return out
  }

  const array = (path: string, depth: number): unknown[] => {
    const out: unknown[] = []
    i++
    skip()
    while (src[i] !== ']') {
      out.push(value(`${path}[${out.length}]`, depth))
      skip()
      if (src[i] === ',') { i++; skip() } else if (src[i] !== ']') fail(`expected ',' or ']' after item ${out.length - 1} of ${path === '' ? 'the array' : `"${path}"`}, got ${got()}`)
    }
    i++
    return out
  }

  skip()
  if (i >= src.length) fail('empty: no JSON value, only whitespace or comments')
  const start = i
  const result = value('', 0)
  skip()
  if (i < src.length) fail(`unexpected ${got()} after the end of the JSON value`)
  if (objectOf !== undefined && kind(result) !== 'an object') fail(`expected ${objectOf}, got ${kind(result)}`, start)
  return result
}
