/**
 * Text path: a line that is not a JSON object (plain text, a JSON scalar or array, truncated
 * JSON, invalid UTF-8, an over-long or over-deep line, or a line a stage failed on) is never
 * written raw and never dropped. Every value detector runs over its text, including the
 * `name: value` detector, which applies the key-name rules to pairs in the text; the result is
 * wrapped in a JSON record that says why:
 *
 *   {"msg":"<redacted text>","logfilter":{"unparsed":"not_json"}}
 */
import type { UnparsedReason } from './parse.js'

export interface UnparsedDetails {
  readonly reason: UnparsedReason | 'empty'
  /** For too_long: the line's size before it was cut, in bytes. */
  readonly originalBytes?: number
  /** For too_long: how many bytes were kept. */
  readonly keptBytes?: number
}

/** Key of the object that gives a wrapped record's reason. */
export const LOGFILTER_KEY = 'logfilter'

export function wrapText(redactedText: string, details: UnparsedDetails): string {
  const info: Record<string, unknown> = { unparsed: details.reason }
  if (details.originalBytes !== undefined) info.original_bytes = details.originalBytes
  if (details.keptBytes !== undefined) info.kept_bytes = details.keptBytes
  return JSON.stringify({ msg: redactedText, [LOGFILTER_KEY]: info })
}

const ASCII_ESCAPE = /\\u00([2-7][0-9A-Fa-f])|\\\//g

/**
 * Decodes the JSON escapes of printable ASCII characters (`\u0073`, `\/`) in a line that JSON.parse
 * did not decode, so that detectors see `sk-` and `api_key` however they were spelled. Escaped
 * quotes and backslashes stay escaped: decoding them would change where quoted values end.
 */
export function decodeAsciiEscapes(text: string): string {
  if (text.indexOf('\\') === -1) return text
  return text.replace(ASCII_ESCAPE, (escape: string, hex: string | undefined) => {
    if (hex === undefined) return '/'
    const code = Number.parseInt(hex, 16)
    return code === 0x22 || code === 0x5c || code === 0x7f ? escape : String.fromCharCode(code)
  })
}

const CUT_TAIL_MAX = 256
const TOKEN_DELIMITERS = new Set([32, 9, 10, 13, 34, 39, 44, 59, 58, 61, 38, 63])

/**
 * Removes the last token of a line that was cut, at the size limit or upstream (truncated JSON):
 * it may be the first part of a secret that no detector recognizes once cut. Scans back at most
 * 256 characters.
 */
export function trimCutTail(text: string): string {
  let cut = text.length
  const limit = Math.max(0, text.length - CUT_TAIL_MAX)
  while (cut > limit && !TOKEN_DELIMITERS.has(text.charCodeAt(cut - 1))) cut--
  return text.slice(0, cut)
}

export const CUT_MARKER = ' [cut: line longer than max-line-bytes]'
