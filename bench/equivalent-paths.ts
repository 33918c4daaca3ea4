/**
 * The redaction config that the comparison rows (pino's redaction engines and jq) apply: every
 * key path at which the mixed corpus puts a credential, prompt, personal datum or banned field.
 * Path redaction cannot look inside string values, so secrets in free text (messages, URLs
 * with credential parameters, lines that are not JSON) stay in those rows' output. Finding those
 * is work only the filter does.
 *
 * Paths use fast-redact's syntax, restricted to `.key`, `["key"]` and `[*]` so that the output
 * check and the jq program can follow them too.
 */

export const CENSOR = '[REDACTED]'

/** Values replaced by the censor. */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'user.email',
  'request.headers.authorization',
  'request.user',
  'headers["x-api-key"]',
  'request.messages[*].content',
  'response.choices[*].message.content',
  'request.prompt',
  'request.reference_image_urls[*]',
  'response.data[*].url',
  'response.data[*].revised_prompt',
  'output.urls[*]',
  'err.config.headers.Authorization',
  'err.config.data',
]

/** Banned routing fields, deleted. */
export const REMOVE_PATHS: readonly string[] = ['provider_task_id', 'channel_id', 'upstream_url', 'redis_key']

export const REMOVE_KEYS: ReadonlySet<string> = new Set(REMOVE_PATHS)

export type PathSegment = { readonly kind: 'key'; readonly key: string } | { readonly kind: 'wildcard' }

const SEGMENT = /^(?:\.?([A-Za-z_$][A-Za-z0-9_$]*)|\["([^"\\]*)"\]|\[\*\])/

/** Splits a path such as `headers["x-api-key"]` or `a.b[*].c` into segments. */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = []
  let rest = path
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest)
    if (match === null) throw new Error(`path ${JSON.stringify(path)} has an unsupported segment at ${JSON.stringify(rest)}`)
    const key = match[1] ?? match[2]
    segments.push(key === undefined ? { kind: 'wildcard' } : { kind: 'key', key })
    rest = rest.slice(match[0].length)
  }
  return segments
}

/** Returns the values at `segments` in `value` that are neither undefined nor null, as fast-redact finds them. */
export function valuesAtPath(value: unknown, segments: readonly PathSegment[], from = 0): unknown[] {
  if (from === segments.length) return value === undefined || value === null ? [] : [value]
  if (value === null || typeof value !== 'object') return []
  const segment = segments[from] as PathSegment
  if (segment.kind === 'key') {
    if (!Object.hasOwn(value, segment.key)) return []
    return valuesAtPath((value as Record<string, unknown>)[segment.key], segments, from + 1)
  }
  return Object.values(value).flatMap((child) => valuesAtPath(child, segments, from + 1))
}

/** jq's form of a path: each step guarded with `?`, so a missing or scalar parent yields nothing. */
function jqPath(segments: readonly PathSegment[]): string {
  return segments.map((segment) => (segment.kind === 'key' ? `.[${JSON.stringify(segment.key)}]?` : '.[]?')).join(' | ')
}

/**
 * Builds the program of the jq row (run with `jq -R -r`). Each input line is parsed, and an object
 * gets the same redactions and deletions as the pino rows and is written compact. Any other line
 * is written unchanged.
 */
export function jqProgram(): string {
  const redactions = REDACT_PATHS.map((path) => `(${jqPath(parsePath(path))} | select(. != null)) |= ${JSON.stringify(CENSOR)}`)
  const deletions = `del(${REMOVE_PATHS.map((path) => jqPath(parsePath(path))).join(', ')})`
  const edits = [...redactions, deletions].join('\n  | ')
  return `. as $line
| try (fromjson | if type == "object" then (
  ${edits}
  | tojson) else $line end)
  catch $line`
}
