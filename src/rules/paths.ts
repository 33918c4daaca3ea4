/**
 * Parser for pino's redaction path syntax (the syntax of fast-redact and @pinojs/redact):
 *
 *   a.b.c   a["b-c"].d   a['k'].d   ["a.b"].c   a[0].b   a[*].b   a.*   *.secret
 *
 * Dot segments must be JavaScript identifiers, as in those libraries, so `a.x-y` is an error
 * whose message points to `a["x-y"]` instead of a path that silently matches nothing.
 */

export type PathSegment =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' }

export class PathSyntaxError extends Error {
  readonly fix: string
  constructor(problem: string, fix: string) {
    super(problem)
    this.name = 'PathSyntaxError'
    this.fix = fix
  }
}

const IDENTIFIER_START = /[A-Za-z_$]/
const IDENTIFIER_PART = /[A-Za-z0-9_$]/

export function parsePath(path: string): PathSegment[] {
  if (path.length === 0) {
    throw new PathSyntaxError('the path is empty', 'write a key name, for example "req.headers.cookie"')
  }
  const segments: PathSegment[] = []
  let position = 0
  let expectSegment = true

  while (position < path.length) {
    const char = path[position] as string
    if (char === '[') {
      const { segment, next } = parseBracket(path, position)
      segments.push(segment)
      position = next
      expectSegment = false
      continue
    }
    if (char === '.') {
      if (expectSegment) {
        throw new PathSyntaxError(`unexpected "." at character ${position + 1}`, 'remove the extra dot')
      }
      position += 1
      expectSegment = true
      if (position === path.length) {
        throw new PathSyntaxError('the path ends with "."', 'remove the trailing dot or add a key after it')
      }
      continue
    }
    if (!expectSegment) {
      throw new PathSyntaxError(
        `unexpected ${JSON.stringify(char)} at character ${position + 1}`,
        'separate segments with "." or brackets, for example a.b or a["b"]',
      )
    }
    if (char === '*') {
      segments.push({ kind: 'wildcard' })
      position += 1
      expectSegment = false
      continue
    }
    if (!IDENTIFIER_START.test(char)) {
      throw new PathSyntaxError(
        `a dot segment cannot start with ${JSON.stringify(char)} (character ${position + 1})`,
        `write a key that is not a JavaScript identifier in brackets, for example ${suggestBrackets(path, position)}`,
      )
    }
    let end = position + 1
    while (end < path.length && IDENTIFIER_PART.test(path[end] as string)) end++
    const next = path[end]
    if (next !== undefined && next !== '.' && next !== '[') {
      throw new PathSyntaxError(
        `the key ${JSON.stringify(path.slice(position, end))} is followed by ${JSON.stringify(next)} (character ${end + 1})`,
        `write a key that is not a JavaScript identifier in brackets, for example ${suggestBrackets(path, position)}`,
      )
    }
    segments.push({ kind: 'key', key: path.slice(position, end) })
    position = end
    expectSegment = false
  }
  return segments
}

function parseBracket(path: string, open: number): { segment: PathSegment; next: number } {
  const first = path[open + 1]
  if (first === '*') {
    if (path[open + 2] !== ']') {
      throw new PathSyntaxError(`"[*" at character ${open + 1} is not closed`, 'write [*]')
    }
    return { segment: { kind: 'wildcard' }, next: open + 3 }
  }
  if (first === '"' || first === "'" || first === '`') {
    let key = ''
    let position = open + 2
    while (position < path.length) {
      const char = path[position] as string
      if (char === '\\') {
        const escaped = path[position + 1]
        if (escaped === undefined) break
        key += escaped
        position += 2
        continue
      }
      if (char === first) {
        if (path[position + 1] !== ']') {
          throw new PathSyntaxError(
            `the quoted key at character ${open + 2} is not followed by "]"`,
            'close the bracket right after the closing quote',
          )
        }
        return { segment: { kind: 'key', key }, next: position + 2 }
      }
      key += char
      position += 1
    }
    throw new PathSyntaxError(`the quoted key at character ${open + 2} is not closed`, `add the closing ${first}]`)
  }
  let end = open + 1
  while (end < path.length && path[end] !== ']') end++
  const inner = path.slice(open + 1, end)
  if (end >= path.length) {
    throw new PathSyntaxError(`"[" at character ${open + 1} is not closed`, 'add "]"')
  }
  if (/^(0|[1-9][0-9]{0,8})$/.test(inner)) {
    return { segment: { kind: 'index', index: Number(inner) }, next: end + 1 }
  }
  throw new PathSyntaxError(
    `[${inner}] at character ${open + 1} is neither an index, [*] nor a quoted key`,
    `quote the key, for example [${JSON.stringify(inner)}]`,
  )
}

function suggestBrackets(path: string, position: number): string {
  let end = position
  while (end < path.length && path[end] !== '.' && path[end] !== '[') end++
  const head = path.slice(0, position).replace(/\.$/, '')
  return `${head}[${JSON.stringify(path.slice(position, end))}]${path.slice(end)}`
}

/** Formats segments back into path syntax, for messages and --print-rules. */
export function formatPath(segments: readonly PathSegment[]): string {
  let text = ''
  for (const segment of segments) {
    if (segment.kind === 'wildcard') text += text === '' ? '*' : '[*]'
    else if (segment.kind === 'index') text += `[${segment.index}]`
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment.key)) text += text === '' ? segment.key : `.${segment.key}`
    else text += `[${JSON.stringify(segment.key)}]`
  }
  return text
}
