/**
 * JSON with comments, as `murmur init` writes run configs: `// line` and `/* block *\/` comments are blanked
 * (with spaces, so JSON.parse's error positions still point into the original text) everywhere outside
 * strings. Strings are scanned with their escapes, so a value such as "file://x" or "a \"//\" b" is untouched.
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
      const stop = end < 0 ? n : end + 2
      out += blank(text.slice(i, stop))
      i = stop
    } else {
      out += c
      i++
    }
  }
  return out
}
