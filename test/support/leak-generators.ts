/**
 * Generators for the leak property: log lines with fake secrets of every shape the default pack
 * detects, planted at random depths, in arrays, under keys of any spelling, in JSON nested in
 * strings, in URLs, in err.stack, in object keys and header lists, in plain-text lines, in
 * truncated lines and in lines longer than the size limit, together with public TokenLab
 * identifiers that must survive. Shared by test/leak.property.test.ts and bench/fuzz.ts.
 *
 * Every secret is random, so any 8-character piece of its random part showing up in the output
 * is a leak and not a coincidence. All values are invented.
 */
import fc from 'fast-check'

/** A secret as planted, and the random parts of it that must not survive. */
export interface PlantedSecret {
  /** The shape, for reports: sk_key, key_name, email, ... */
  readonly shape: string
  /** The secret as it appears in the input (before JSON or URL encoding). */
  readonly text: string
  /** Random parts; the whole text or any 8-character piece of one of them is a leak. */
  readonly randomParts: readonly string[]
}

export type LineKind = 'json' | 'duplicate_keys' | 'json_array' | 'text' | 'truncated' | 'oversize'

export interface GeneratedLine {
  readonly kind: LineKind
  /** The line without its newline. */
  readonly text: string
  readonly secrets: readonly PlantedSecret[]
  /** Public TokenLab identifiers planted where they must survive (whole lines only). */
  readonly identifiers: readonly string[]
}

/** The --max-line-bytes the generated oversize lines are built for (the smallest the filter accepts is 1024). */
export const LEAK_MAX_LINE_BYTES = 2048

// ---- Random strings -----------------------------------------------------------------------------

const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const DIGITS = '0123456789'
const ALNUM = LOWER + UPPER + DIGITS
const KEY_CHARS = ALNUM + '_-'
const BASE64URL = ALNUM + '_-'

function chars(alphabet: string, minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...alphabet), { minLength, maxLength }).map((list) => list.join(''))
}

/** Key characters that start and end with a letter or digit, so that the token's edges are unambiguous. */
function keyToken(minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.tuple(chars(ALNUM, 1, 1), chars(KEY_CHARS, minLength - 2, maxLength - 2), chars(ALNUM, 1, 1)).map((parts) => parts.join(''))
}

// ---- Secrets ------------------------------------------------------------------------------------

const SK_FAMILIES = ['sk-', 'sk-proj-', 'sk-svcacct-', 'sk-admin-', 'sk-ant-api03-', 'sk-ant-admin01-', 'sk-or-v1-', 'sk-live-', 'sk-test-']

const skKey = fc.tuple(fc.constantFrom(...SK_FAMILIES), keyToken(24, 56)).map(([family, random]): PlantedSecret => ({ shape: 'sk_key', text: family + random, randomParts: [random] }))

const mtToken = chars(ALNUM, 32, 40).map((random): PlantedSecret => ({ shape: 'mt_token', text: `mt-${random}`, randomParts: [random] }))

const bearer = fc
  .tuple(fc.constantFrom('Bearer', 'bearer', 'BEARER'), chars(ALNUM, 1, 1), chars(ALNUM + '._~+/-', 20, 48))
  .map(([scheme, first, rest]): PlantedSecret => ({ shape: 'bearer_credential', text: `${scheme} ${first}${rest}`, randomParts: [first + rest] }))

const basic = fc.tuple(chars(LOWER, 4, 10), chars(ALNUM + '!$%*', 10, 24)).map(([user, password]): PlantedSecret => {
  const credential = Buffer.from(`${user}:${password}`).toString('base64')
  return { shape: 'basic_credential', text: `Basic ${credential}`, randomParts: [credential.replace(/=+$/, '')] }
})

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url')
}

const jwt = fc.tuple(chars(ALNUM, 12, 20), chars(BASE64URL, 43, 43)).map(([subject, signature]): PlantedSecret => {
  const payload = base64url(JSON.stringify({ sub: subject, iat: 1733300000 }))
  const text = `${base64url('{"alg":"HS256","typ":"JWT"}')}.${payload}.${signature}`
  // The payload's first characters encode the fixed `{"sub":"`; only what follows is random.
  return { shape: 'jwt', text, randomParts: [signature, payload.slice(12, 12 + Math.floor((subject.length * 4) / 3) - 2)] }
})

const awsKey = fc
  .tuple(fc.constantFrom('AKIA', 'ASIA'), chars(UPPER + DIGITS, 16, 16))
  .map(([prefix, random]): PlantedSecret => ({ shape: 'aws_access_key', text: prefix + random, randomParts: [random] }))

const googleKey = keyToken(35, 35).map((random): PlantedSecret => ({ shape: 'google_api_key', text: `AIza${random}`, randomParts: [random] }))

const pemKey = fc
  .tuple(fc.constantFrom('RSA ', 'EC ', 'OPENSSH ', ''), fc.array(chars(ALNUM + '+/', 64, 64), { minLength: 2, maxLength: 4 }))
  .map(([label, lines]): PlantedSecret => ({
    shape: 'pem_private_key',
    text: `-----BEGIN ${label}PRIVATE KEY-----\n${lines.join('\n')}\n-----END ${label}PRIVATE KEY-----`,
    randomParts: lines,
  }))

/** Query parameters that carry credentials, in the spellings services use. */
const CREDENTIAL_PARAMETERS = [
  'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token', 'X-Goog-Signature', 'X-Goog-Credential', 'Signature',
  'Key-Pair-Id', 'Policy', 'sig', 'token', 'access_token', 'refresh_token', 'key', 'api_key', 'apiKey', 'client_secret', 'password',
]

const signedUrl = fc
  .tuple(
    fc.constantFrom('https://media.example-cdn.test/out/video.mp4', 'https://bucket.s3.amazonaws.test/img/a.png', 'https://api.example.test/v1/files'),
    fc.constantFrom(...CREDENTIAL_PARAMETERS),
    chars(ALNUM, 20, 64),
    fc.boolean(),
  )
  .map(([base, parameter, value, withOthers]): PlantedSecret => {
    const others = withOthers ? 'X-Amz-Date=20241204T000000Z&' : ''
    return { shape: 'url_credentials', text: `${base}?${others}${parameter}=${value}&page=2`, randomParts: [value] }
  })

const userinfoUrl = fc
  .tuple(fc.constantFrom('postgres', 'mysql', 'amqp', 'https'), chars(LOWER, 3, 8), chars(ALNUM, 16, 28))
  .map(([scheme, user, password]): PlantedSecret => ({ shape: 'url_userinfo', text: `${scheme}://${user}:${password}@db.internal.test:5432/app`, randomParts: [password] }))

const email = fc
  .tuple(chars(LOWER + DIGITS, 8, 14), fc.constantFrom('', '.', '+', '_'), chars(LOWER, 8, 12), fc.constantFrom('com', 'org', 'io', 'co.uk', 'example'))
  .map(([local, separator, domain, tld]): PlantedSecret => {
    const text = `${local}${separator}${separator === '' ? '' : 'x'}@${domain}.${tld}`
    return { shape: 'email', text, randomParts: [local, domain] }
  })

/** International numbers; a number counts as leaked when it survives whole or with 8 digits in a row. */
const phone = fc
  .tuple(fc.constantFrom('1', '44', '49', '33', '81'), chars('123456789', 1, 1), chars(DIGITS, 8, 9), fc.boolean())
  .map(([country, first, rest, spaced]): PlantedSecret => {
    const national = first + rest
    const text = spaced ? `+${country} ${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}` : `+${country}${national}`
    return { shape: 'phone', text, randomParts: spaced ? [] : [country + national] }
  })

/** A secret found by its shape, wherever it sits. */
export const shapedSecret: fc.Arbitrary<PlantedSecret> = fc.oneof(skKey, mtToken, bearer, basic, jwt, awsKey, googleKey, pemKey, signedUrl, userinfoUrl, email, phone)

/** Shapes without blanks or line breaks, which can also be an object key. */
const keyableSecret: fc.Arbitrary<PlantedSecret> = fc.oneof(skKey, mtToken, jwt, awsKey, googleKey)

/** Sensitive key names as words; a spelling joins them with or without `_`/`-` in any case. */
const SENSITIVE_NAMES: readonly (readonly string[])[] = [
  ['password'], ['passwd'], ['pwd'], ['user', 'password'], ['db', 'password'], ['passphrase'], ['secret'], ['client', 'secret'],
  ['api', 'key'], ['apikey'], ['x', 'api', 'key'], ['openai', 'api', 'key'], ['access', 'token'], ['refresh', 'token'],
  ['auth', 'token'], ['csrf', 'token'], ['authorization'], ['proxy', 'authorization'], ['credentials'], ['private', 'key'],
  ['signing', 'key'], ['webhook', 'signature'], ['session', 'id'],
]

const sensitiveName = fc
  .tuple(fc.constantFrom(...SENSITIVE_NAMES), fc.constantFrom('', '_', '-'), fc.constantFrom('lower', 'upper', 'camel', 'pascal', 'mixed'), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }))
  .map(([words, separator, style, flips]) => {
    const cased = words.map((word, index) => {
      if (style === 'upper') return word.toUpperCase()
      if ((style === 'camel' && index > 0) || style === 'pascal') return word[0]!.toUpperCase() + word.slice(1)
      if (style === 'mixed') return [...word].map((char, position) => (flips[position % flips.length] ? char.toUpperCase() : char)).join('')
      return word
    })
    return cased.join(separator)
  })

/** An opaque value that only its key name marks as secret. */
const opaqueValue = chars(ALNUM, 20, 32)

// ---- Identifiers --------------------------------------------------------------------------------

const requestId = fc.oneof(
  chars(ALNUM, 16, 24).map((random) => `req_${random}`),
  fc.uuid({ version: 4 }),
)
const taskId = chars(ALNUM, 32, 32).map((random) => `ldtask_${random}`)
const billingId = fc.oneof(chars(LOWER + DIGITS, 25, 25).map((random) => `c${random.slice(1)}`), chars(ALNUM, 16, 24).map((random) => `btx_${random}`))

interface Identifiers {
  readonly requestId: string
  readonly taskId: string
  readonly billingId: string
  readonly where: number
}

const identifiers: fc.Arbitrary<Identifiers | undefined> = fc.option(fc.record({ requestId, taskId, billingId, where: fc.nat(3) }), { nil: undefined })

// ---- Records ------------------------------------------------------------------------------------

/** Keys no rule touches, including the prototype names JSON.parse must keep as data. */
const FILLER_KEYS = ['msg', 'region', 'count', 'status', 'detail', 'items', 'data', 'meta', 'ctx', 'step', 'payload', 'info', 'result', 'note', 'tags', 'labels', 'attempt', '__proto__', 'constructor', 'prototype']
const FILLER_WORDS = ['ok', 'retrying', 'caf\u00e9', 'queue depth', 'line\u2028separator', 'done \ud83d\ude00', 'GET /v1/models', 'x-y_z', '42']

type Json = unknown
type JsonObject = Record<string, Json>

/** Defines a key as an own property, so that "__proto__" is data and reaches JSON.stringify. */
function put(target: JsonObject, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

const fillerKey = fc.constantFrom(...FILLER_KEYS)
const fillerTree: fc.Arbitrary<Json> = fc.letrec<{ node: Json }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...FILLER_WORDS),
    fc.integer({ min: -1000, max: 100000 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.tuple(fillerKey, tie('node')), { maxLength: 4 }).map((entries) => {
      const object: JsonObject = {}
      for (const [key, value] of entries) put(object, key, value)
      return object
    }),
    fc.array(tie('node'), { maxLength: 3 }),
  ),
})).node

/** One planted item: a key and value to put into an object (or an object to push into an array). */
interface Item {
  readonly key: string
  readonly value: Json
  readonly secrets: readonly PlantedSecret[]
}

function sentence(secret: PlantedSecret, before: string, after: string): string {
  return `${before}${secret.text}${after}`
}

const surrounding = fc.tuple(fc.constantFrom('', 'calling upstream with ', 'user pasted: ', 'retry 2 ', '(', '"'), fc.constantFrom('', ' failed', ' done.', ')', '"', ', next'))

/** A shaped secret as a whole value or inside a sentence, under a filler key. */
const shapedValueItem: fc.Arbitrary<Item> = fc
  .tuple(fillerKey, shapedSecret, surrounding)
  .map(([key, secret, [before, after]]) => ({ key, value: sentence(secret, before, after), secrets: [secret] }))

/** An opaque value under a sensitive key: a string, a number, an array or an object. */
const namedValueItem: fc.Arbitrary<Item> = fc
  .tuple(sensitiveName, opaqueValue, opaqueValue, fc.nat(3))
  .map(([key, value, second, form]) => {
    const secrets = [{ shape: 'key_name', text: value, randomParts: [value] }]
    if (form === 0) return { key, value, secrets }
    if (form === 1) return { key, value: [value, second], secrets: [...secrets, { shape: 'key_name', text: second, randomParts: [second] }] }
    if (form === 2) return { key, value: { value, rotated: false }, secrets }
    // Digits only: a PIN or a numeric secret, kept exactly by the parser.
    const digits = value.replace(/[^0-9]/g, '').slice(0, 15)
    return digits.length >= 8 ? { key, value: Number(`9${digits}`), secrets: [{ shape: 'key_name', text: `9${digits}`, randomParts: [`9${digits}`] }] } : { key, value, secrets }
  })

/** A shaped secret used as an object key. */
const secretKeyItem: fc.Arbitrary<Item> = keyableSecret.map((secret) => ({ key: secret.text, value: true, secrets: [secret] }))

/** A sensitive name and an opaque value in a URL's query, plain or percent-encoded as a parameter of another URL. */
const queryItem: fc.Arbitrary<Item> = fc
  .tuple(sensitiveName, opaqueValue, fc.boolean())
  .map(([name, value, encoded]) => {
    const url = `https://app.example.test/callback?state=ok&${name}=${value}`
    const secret = { shape: 'query_parameter', text: value, randomParts: [value] }
    return encoded ? { key: 'next', value: `https://login.example.test/authorize?next=${encodeURIComponent(url)}`, secrets: [secret] } : { key: 'url', value: url, secrets: [secret] }
  })

/** err as pino serializes it, with a secret in the message and the stack. */
const errItem: fc.Arbitrary<Item> = fc
  .tuple(fc.oneof(shapedSecret.map((secret) => ({ text: secret.text, secret })), fc.tuple(sensitiveName, opaqueValue, fc.constantFrom('=', ': ', "='", '":"')).map(([name, value, separator]) => ({
    text: `${name}${separator}${value}${separator.endsWith("'") ? "'" : separator.endsWith('"') ? '"' : ''}`,
    secret: { shape: 'key_name', text: value, randomParts: [value] } as PlantedSecret,
  }))))
  .map(([{ text, secret }]) => ({
    key: 'err',
    value: {
      type: 'Error',
      message: `request failed: ${text}`,
      stack: `Error: request failed: ${text}\n    at Client.request (/app/node_modules/client/index.js:120:11)\n    at async main (/app/src/main.js:14:3)`,
    },
    secrets: [secret],
  }))

/** Header lists: Node's rawHeaders, or [name, value] entries. */
const headerListItem: fc.Arbitrary<Item> = fc
  .tuple(sensitiveName, opaqueValue, fc.boolean())
  .map(([name, value, raw]) => ({
    key: raw ? 'rawHeaders' : 'headers',
    value: raw ? ['Content-Type', 'application/json', name, value] : [['accept', '*/*'], [name, value]],
    secrets: [{ shape: 'key_name', text: value, randomParts: [value] }],
  }))

const leafItem: fc.Arbitrary<Item> = fc.oneof(shapedValueItem, namedValueItem, secretKeyItem, queryItem, errItem, headerListItem)

/** A JSON document holding secrets, logged as a string, once or twice encoded. */
const nestedJsonItem: fc.Arbitrary<Item> = fc
  .tuple(fillerKey, fc.array(leafItem, { minLength: 1, maxLength: 2 }), fc.boolean())
  .map(([key, items, twice]) => {
    const document: JsonObject = { kind: 'response' }
    for (const item of items) put(document, item.key, item.value)
    const once = JSON.stringify(document)
    return { key, value: twice ? JSON.stringify({ body: once }) : once, secrets: items.flatMap((item) => item.secrets) }
  })

const item: fc.Arbitrary<Item> = fc.oneof({ arbitrary: leafItem, weight: 4 }, { arbitrary: nestedJsonItem, weight: 1 })

/** Objects and arrays of the filler tree, where items can go. */
function containers(value: Json, into: (JsonObject | Json[])[]): (JsonObject | Json[])[] {
  if (value === null || typeof value !== 'object') return into
  into.push(value as JsonObject | Json[])
  for (const child of Object.values(value)) containers(child, into)
  return into
}

interface BuiltRecord {
  readonly record: JsonObject
  readonly secrets: PlantedSecret[]
  readonly identifiers: string[]
  readonly rootItem: Item | undefined
}

/** Plants items into a filler tree at the chosen containers, and identifiers where TokenLab puts them. */
function buildRecord(tree: Json, items: readonly Item[], slots: readonly number[], ids: Identifiers | undefined): BuiltRecord {
  const record: JsonObject = {}
  put(record, 'level', 30)
  put(record, 'time', 1733300000000)
  put(record, 'tree', tree)
  const targets = containers(record, [])
  const secrets: PlantedSecret[] = []
  let rootItem: Item | undefined
  for (const [index, planted] of items.entries()) {
    secrets.push(...planted.secrets)
    const target = targets[(slots[index] ?? 0) % targets.length] as JsonObject | Json[]
    if (target === record && rootItem === undefined) rootItem = planted
    if (Array.isArray(target)) {
      const wrapper: JsonObject = {}
      put(wrapper, planted.key, planted.value)
      target.push(wrapper)
    } else if (Object.hasOwn(target, planted.key)) {
      const wrapper: JsonObject = {}
      put(wrapper, planted.key, planted.value)
      put(target, `slot_${index}`, wrapper)
    } else {
      put(target, planted.key, planted.value)
    }
  }
  const planted: string[] = []
  if (ids !== undefined) {
    planted.push(ids.requestId, ids.taskId, ids.billingId)
    if (ids.where === 0) {
      put(record, 'request_id', ids.requestId)
      put(record, 'task_id', ids.taskId)
      put(record, 'billing_transaction_id', ids.billingId)
    } else if (ids.where === 1) {
      put(record, 'res', { statusCode: 200, headers: { 'X-Request-ID': ids.requestId, 'x-billing-transaction-id': ids.billingId } })
      put(record, 'task', { id: ids.taskId, status: 'processing', poll_url: `/v1/tasks/${ids.taskId}` })
    } else if (ids.where === 2) {
      put(record, 'response', JSON.stringify({ id: ids.taskId, request_id: ids.requestId, billing_transaction_id: ids.billingId }))
    } else {
      put(record, 'msg', `task ${ids.taskId} for request ${ids.requestId} settled as ${ids.billingId}`)
    }
  }
  return { record, secrets, identifiers: planted, rootItem }
}

const recordParts = fc.tuple(fillerTree, fc.array(item, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { minLength: 4, maxLength: 4 }), identifiers)

/** A JSON object line. */
const jsonLine: fc.Arbitrary<GeneratedLine> = recordParts.map(([tree, items, slots, ids]) => {
  const built = buildRecord(tree, items, slots, ids)
  return { kind: 'json', text: JSON.stringify(built.record), secrets: built.secrets, identifiers: built.identifiers }
})

/** A JSON object whose first key is repeated later: the secret is in the first, which JSON.parse discards. */
const duplicateKeyLine: fc.Arbitrary<GeneratedLine> = fc.tuple(fc.oneof(shapedValueItem, namedValueItem), fillerTree).map(([first, tree]) => {
  const rest: JsonObject = { level: 30, tree }
  put(rest, first.key, 'replaced later')
  return { kind: 'duplicate_keys', text: `{${JSON.stringify(first.key)}:${JSON.stringify(first.value)},${JSON.stringify(rest).slice(1)}`, secrets: first.secrets, identifiers: [] }
})

/** A JSON array of records: not an object, so it takes the text path. */
const jsonArrayLine: fc.Arbitrary<GeneratedLine> = recordParts.map(([tree, items, slots]) => {
  const built = buildRecord(tree, items, slots, undefined)
  return { kind: 'json_array', text: JSON.stringify([built.record, 'tail']), secrets: built.secrets, identifiers: [] }
})

/** A JSON object line cut short, as an application or a shipper truncates it. */
const truncatedLine: fc.Arbitrary<GeneratedLine> = fc.tuple(recordParts, fc.double({ min: 0.05, max: 0.99, noNaN: true })).map(([[tree, items, slots, ids], fraction]) => {
  const built = buildRecord(tree, items, slots, ids)
  const text = JSON.stringify(built.record)
  return { kind: 'truncated', text: text.slice(0, Math.max(1, Math.floor(text.length * fraction))), secrets: built.secrets, identifiers: [] }
})

/**
 * A line longer than LEAK_MAX_LINE_BYTES: a pad first, then the items, then a long tail. The pad
 * length puts the cut at a chosen point of the items, so that it often falls inside a secret.
 */
const oversizeLine: fc.Arbitrary<GeneratedLine> = fc.tuple(fc.array(leafItem, { minLength: 1, maxLength: 4 }), fc.double({ min: 0, max: 1, noNaN: true })).map(([items, cutAt]) => {
  const body: JsonObject = {}
  for (const [index, planted] of items.entries()) {
    if (!Object.hasOwn(body, planted.key)) {
      put(body, planted.key, planted.value)
      continue
    }
    // A second item with the same key goes one level down, keeping its key as it is.
    const wrapper: JsonObject = {}
    put(wrapper, planted.key, planted.value)
    put(body, `slot_${index}`, wrapper)
  }
  const itemsText = JSON.stringify(body).slice(1, -1)
  const head = '{"level":30,"pad":"'
  const padLength = Math.max(0, LEAK_MAX_LINE_BYTES - Buffer.byteLength(head) - 2 - Math.floor(Buffer.byteLength(itemsText) * cutAt))
  const text = `${head}${'p'.repeat(padLength)}",${itemsText},"tail":"${'t'.repeat(LEAK_MAX_LINE_BYTES)}"}`
  return { kind: 'oversize', text, secrets: items.flatMap((planted) => planted.secrets), identifiers: [] }
})

/** A secret rendered as free text: shapes as they are, named values as `name=value` and the like. */
const textPiece: fc.Arbitrary<{ text: string; secret: PlantedSecret }> = fc.oneof(
  fc.tuple(shapedSecret, surrounding).map(([secret, [before, after]]) => ({
    // A PEM block in a one-line message has its line breaks escaped.
    text: sentence({ ...secret, text: secret.text.replace(/\n/g, '\\n') }, before, after),
    secret,
  })),
  fc.tuple(sensitiveName, opaqueValue, fc.constantFrom('=', ': ', '="', "='", '":"', ' = ')).map(([name, value, separator]) => {
    const close = separator.endsWith('"') ? '"' : separator.endsWith("'") ? "'" : ''
    const open = separator === '":"' ? '"' : ''
    return { text: `${open}${name}${separator}${value}${close}`, secret: { shape: 'key_name', text: value, randomParts: [value] } }
  }),
)

/** A line that is not JSON: a plain message, a framework's access log, a stack trace line. */
const textLine: fc.Arbitrary<GeneratedLine> = fc
  .tuple(fc.constantFrom('', '2024-12-04T10:00:00Z INFO ', '[worker-3] ', 'WARN: ', '{not json} '), fc.array(textPiece, { minLength: 1, maxLength: 3 }), fc.option(fc.tuple(requestId, taskId), { nil: undefined }))
  .map(([prefix, pieces, ids]) => {
    const parts = pieces.map((piece) => piece.text)
    if (ids !== undefined) parts.push(`request_id=${ids[0]} task ${ids[1]} created`)
    return { kind: 'text', text: prefix + parts.join(' | '), secrets: pieces.map((piece) => piece.secret), identifiers: ids === undefined ? [] : [...ids] }
  })

/** Any generated line, weighted towards structured records. */
export const generatedLine: fc.Arbitrary<GeneratedLine> = fc.oneof(
  { arbitrary: jsonLine, weight: 6 },
  { arbitrary: duplicateKeyLine, weight: 1 },
  { arbitrary: jsonArrayLine, weight: 1 },
  { arbitrary: textLine, weight: 3 },
  { arbitrary: truncatedLine, weight: 2 },
  { arbitrary: oversizeLine, weight: 2 },
)
