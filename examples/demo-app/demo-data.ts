/**
 * The fake credentials, people and prompts the demo scenario plants in the logs. Every value is
 * invented and obviously fake ("fakeDemo", example.com, 555 numbers). The sample generator writes
 * them, with the ids and signatures the mock issued, to fixtures/sample/planted-secrets.json,
 * which the tests use as a canary list: none of these may survive the filter.
 */

/** BYOK keys that the demo app's clients send in `Authorization: Bearer ...`. */
export const DEMO_KEYS = {
  /** Valid key of the first customer. */
  main: 'sk-live-fakeDemoMain7Qx2Lw9Rt4Yp1Zk8Vn3B',
  /** Valid key of the second customer, in OpenAI's project-key family. */
  second: 'sk-proj-fakeDemoProj5Hc2Jd8Kf4Lg6Mh1Nq7W',
  /** A revoked key: TokenLab returns 401 invalid_api_key. */
  revoked: 'sk-live-fakeDemoRevoked3Tb8Uc1Vd6We9Xf0',
  /** A valid key without balance: 402 insufficient_balance. */
  noBalance: 'sk-test-fakeDemoBroke4Np7Qr1St5Uv9Wx2Y',
} as const

/** The demo app's own server-side configuration secrets, logged once at start-up. */
export const DEMO_CONFIG_SECRETS = {
  serverApiKey: 'sk-live-fakeDemoServer6Gh1Jk4Lm7Np0Qr3S',
  managementToken: 'mt-fakeDemoMgmt8Rt3Yu6Io9Pa2Sd5Fg7Hj',
  redisPassword: 'fakeDemoRedisPass93kq',
  webhookToken: 'fakeDemoWebhookTok5Rz8Qw2',
} as const

/** Invented people. */
export const DEMO_PEOPLE = {
  greta: { userId: 'usr_1001', email: 'greta.lindqvist@example.com', phone: '+46701234567' },
  bo: { userId: 'usr_2002', email: 'bo.nakamura@example.org', phone: '+1 415 555 0134' },
} as const

/** Marker words inside every prompt and reply; they must never reach the filtered log. */
export const PROMPT_CANARY = 'PROMPT-CANARY'
export const REPLY_CANARY = 'REPLY-CANARY'

export interface PlantedSecret {
  /** Description of the value, for failure messages. */
  readonly name: string
  readonly value: string
  /**
   * A public prefix that may stay (`sk-live-`): the check looks for the value and for every
   * 8-character window of the rest. Without a prefix only the whole value is looked for.
   */
  readonly keep_prefix?: string
}

/** The static planted values; the sample generator adds the signatures and banned ids the mock issued. */
export function staticPlantedSecrets(): PlantedSecret[] {
  const secrets: PlantedSecret[] = []
  for (const [name, value] of Object.entries(DEMO_KEYS)) secrets.push({ name: `api key (${name})`, value, keep_prefix: value.slice(0, 8) })
  secrets.push({ name: 'server api key', value: DEMO_CONFIG_SECRETS.serverApiKey, keep_prefix: 'sk-live-' })
  secrets.push({ name: 'management token', value: DEMO_CONFIG_SECRETS.managementToken, keep_prefix: 'mt-' })
  secrets.push({ name: 'redis password', value: DEMO_CONFIG_SECRETS.redisPassword })
  secrets.push({ name: 'webhook token in a URL query', value: DEMO_CONFIG_SECRETS.webhookToken })
  for (const [name, person] of Object.entries(DEMO_PEOPLE)) {
    secrets.push({ name: `email (${name})`, value: person.email })
    secrets.push({ name: `phone (${name})`, value: person.phone })
  }
  secrets.push({ name: 'prompt text', value: PROMPT_CANARY })
  secrets.push({ name: 'reply text', value: REPLY_CANARY })
  return secrets
}
