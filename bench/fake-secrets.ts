/**
 * Invented secrets, personal data and prompt text that the corpus generator plants in log lines.
 * None of them is real. The output check of the filter row searches its output for the needles
 * of every planted value, so a value that survives redaction fails the benchmark run.
 */

export interface PlantedValue {
  readonly value: string
  /** Substrings whose presence in the output means the value leaked (the part after a kept prefix). */
  readonly needles: readonly string[]
}

/** Builds the needles of a value: its head, middle and tail of 8 characters after `keptPrefix`. */
function planted(value: string, keptPrefix = ''): PlantedValue {
  const random = value.slice(keptPrefix.length)
  if (random.length < 8) throw new Error(`planted value ${value} needs at least 8 characters after its prefix`)
  const middle = Math.floor((random.length - 8) / 2)
  const needles = new Set([random.slice(0, 8), random.slice(middle, middle + 8), random.slice(-8)])
  return { value, needles: [...needles] }
}

export const SK_KEYS = {
  legacy: planted('sk-2HCjUU0K0muNZy1l5XF4NaX7SwdZHC3VEKQDuVKLU38Lfrpf', 'sk-'),
  project: planted('sk-proj-r3X5X-cgM-liYkcFrPfA_oR2KllaDOZEVlA6AstF0Vh8KP3-', 'sk-proj-'),
  project2: planted('sk-proj-LhaHBR9wF0Bk6EgY5MyXfXE_YpYHm_-FnuDMG26BJWjogMI6_', 'sk-proj-'),
  serviceAccount: planted('sk-svcacct-O1wiGNLR-7k15w9Hi0U8_n-WgrIr70h1FNz4khG7Tav5', 'sk-svcacct-'),
  anthropic: planted('sk-ant-api03-pB4FfFTxDzPJwFplkKa3N_n66q-xdHSODweNA73f-XeF488koAA', 'sk-ant-api03-'),
} as const

export const MANAGEMENT_TOKENS = [
  planted('mt-9sIQr3GsMfPled0lLQfHLWkq6Z4JdnjX', 'mt-'),
  planted('mt-c3BfcOjESDTlgCpwcgjpmBnnjOazui9N', 'mt-'),
  planted('mt-CdDrLUwcDy8pxhoHNRbcZVFcLPjIhB5p', 'mt-'),
] as const

/** Opaque values with no recognizable shape: only key-name rules can catch them. */
export const OPAQUE_VALUES = [
  '1evK2fZdGI2oLWeAaTBRbupH',
  'VvjnY6fINKRx28EfPRhEnsBl',
  'SxAB0NqSIoBiahyLF8GiduN0',
  'YQm3Y61L3fIiDlEy46dkiMVv',
  '5PVhyyFLePq8sf7HB3HBLTXb',
  'zbpnnSEcya6EEBQBfFEJ1BX4',
  '78T5ivcniUsMGWzPvhdbNs8J',
  'A02YZia819EypgwEY4kTPItD',
].map((value) => planted(value))

export const AWS_ACCESS_KEY_ID = planted('AKIALXWGHNT7HWB6QBXF', 'AKIA')
export const AWS_SESSION_TOKEN = planted('40dAPN-K6lh7erdxnkbeIgqa1PVhUEy6TTgRXcHR')
export const AMZ_SIGNATURES = [
  planted('4da94e74d0ccd092111a49fad881286157c085f3f1f528f028a5df337e16c2ac'),
  planted('63a88a6c1cd501df38df09a7834c8875ca0154c8611edc4289232d53a76a8cf1'),
] as const
export const GOOG_SIGNATURE = planted('71698dd1be20350bad66066fd848bd391b6daeb544933be3f3c69890057437e6')
/** A Google API key shape (`AIza` and 35 characters); the letters spell out that it is fake. */
export const GOOGLE_API_KEY = planted('AIzaFAKEfakeFAKEfake0benchmark0only0000', 'AIza')
export const LOWERCASE_BEARER = planted('xasrpuycdwyllwebvyaxunpxwcnn')

/** Invented people: emails and a name and address that prompts mention. */
export const EMAILS = [
  { value: 'ana.k+billing@mail-relay.example.co.uk', needles: ['ana.k+billing'] },
  { value: 'Hana.Sato@Example.ORG', needles: ['Hana.Sato'] },
  { value: 'greta.lindqvist@example.org', needles: ['greta.lindqvist'] },
  { value: 'marek.novak+test@example.net', needles: ['marek.novak'] },
] as const satisfies readonly PlantedValue[]

export const PROMPT_PERSON = {
  value: "Greta Lindqvist's house at 14 Elm Row",
  needles: ['Lindqvist', 'Elm Row'],
} as const satisfies PlantedValue

/** Every planted value; the filter's output must contain none of their needles. */
export const PLANTED_VALUES: readonly PlantedValue[] = [
  ...Object.values(SK_KEYS),
  ...MANAGEMENT_TOKENS,
  ...OPAQUE_VALUES,
  AWS_ACCESS_KEY_ID,
  AWS_SESSION_TOKEN,
  ...AMZ_SIGNATURES,
  GOOG_SIGNATURE,
  GOOGLE_API_KEY,
  LOWERCASE_BEARER,
  ...EMAILS,
  PROMPT_PERSON,
]

export const PLANTED_NEEDLES: readonly string[] = [...new Set(PLANTED_VALUES.flatMap((planted) => planted.needles))]
