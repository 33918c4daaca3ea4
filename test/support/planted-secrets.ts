/**
 * Canary checks: finds planted secrets in filter output, in any escaping a log line can give
 * them (raw, JSON `\uXXXX` and `\/` escapes, percent-encoding, double percent-encoding).
 */
import type { PlantedSecret } from '../../examples/demo-app/demo-data.js'

export type { PlantedSecret }

/** Length of the substrings of a secret's random part that count as a leak. */
const WINDOW = 8

/** Returns the text, and the text with JSON escapes and percent-encoding (once and twice) decoded. */
export function decodedForms(text: string): string[] {
  const unescaped = text
    .replace(/\\u([0-9a-fA-F]{4})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/\\\//g, '/')
  const percentOnce = decodePercent(unescaped)
  const percentTwice = decodePercent(percentOnce)
  return [text, unescaped, percentOnce, percentTwice]
}

function decodePercent(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
}

/** Returns the strings whose presence means the secret leaked. */
export function leakNeedles(secret: PlantedSecret): string[] {
  const needles = [secret.value]
  if (secret.keep_prefix !== undefined && secret.value.startsWith(secret.keep_prefix)) {
    const rest = secret.value.slice(secret.keep_prefix.length)
    for (let start = 0; start + WINDOW <= rest.length; start++) needles.push(rest.slice(start, start + WINDOW))
  }
  return needles
}

/**
 * Returns one description per leaked secret: its name and a little context around it, with
 * the leaked part itself replaced so that a failing test does not print it again.
 */
export function findLeaks(text: string, secrets: readonly PlantedSecret[]): string[] {
  const forms = decodedForms(text)
  const leaks: string[] = []
  for (const secret of secrets) {
    const hit = firstHit(forms, leakNeedles(secret))
    if (hit !== undefined) leaks.push(`${secret.name}: ...${hit}...`)
  }
  return leaks
}

/** Returns the context of the first needle found in any of the forms, with the needle itself masked. */
export function firstHit(forms: readonly string[], needles: readonly string[]): string | undefined {
  for (const form of forms) {
    for (const needle of needles) {
      const at = form.indexOf(needle)
      if (at === -1) continue
      const before = form.slice(Math.max(0, at - 80), at)
      const after = form.slice(at + needle.length, at + needle.length + 40)
      return `${before}<${needle.length} planted characters>${after}`.replace(/\n/g, '\\n')
    }
  }
  return undefined
}
