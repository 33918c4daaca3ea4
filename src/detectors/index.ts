/**
 * The registry of built-in value detectors: what each one finds, the literal anchors the
 * prefilter searches raw lines for, and whether the leak check runs it on every output line.
 */
import type { DetectorName } from '../rules/schema.js'
import { findKeyValuePairs, type TextKeyClassifier } from './key-value.js'
import { findEmails, findPhoneNumbers } from './personal.js'
import {
  AWS_KEY_PREFIXES,
  findAwsAccessKeys,
  findBearerCredentials,
  findGoogleApiKeys,
  findJwts,
  findMtTokens,
  findPemPrivateKeys,
  findSkKeys,
} from './secrets.js'
import type { SpanList } from './spans.js'
import { findDataUrls, findRedisUrls, findUrlCredentials } from './urls.js'

export interface DetectorContext {
  /** True when a key-name rule marks this normalized name as a secret (used for URL parameters). */
  readonly isSecretKey: (normalizedName: string) => boolean
  readonly classifyTextKey: TextKeyClassifier
  /** The rule set's censor, so that text redacted before is not redacted and counted again. */
  readonly censor: string
}

export interface DetectorDefinition {
  readonly name: DetectorName
  /** Lowercase literals, one of which occurs in any text the detector can match. */
  readonly anchors: readonly string[]
  /** Run by the leak check on every serialized output line. */
  readonly highConfidence: boolean
  /** What action `partial` keeps. */
  readonly partialKeeps: string
  readonly find: (text: string, rule: number, spans: SpanList, context: DetectorContext) => void
}

export const DETECTOR_DEFINITIONS: Readonly<Record<DetectorName, DetectorDefinition>> = {
  pem_private_key: {
    name: 'pem_private_key',
    anchors: ['-----begin'],
    highConfidence: true,
    partialKeeps: 'nothing',
    find: (text, rule, spans) => findPemPrivateKeys(text, rule, spans),
  },
  jwt: {
    name: 'jwt',
    anchors: ['eyj'],
    highConfidence: true,
    partialKeeps: 'nothing',
    find: findJwts,
  },
  bearer_credential: {
    name: 'bearer_credential',
    anchors: ['bearer', 'basic'],
    highConfidence: true,
    partialKeeps: 'nothing (the scheme word is outside the span)',
    find: findBearerCredentials,
  },
  sk_key: {
    name: 'sk_key',
    anchors: ['sk-'],
    highConfidence: true,
    partialKeeps: 'the key family prefix: sk-proj-, sk-svcacct-, sk-admin-, sk-ant-api03-, sk-ant-admin01-, sk-or-v1-, sk-live-, sk-test-, else sk-',
    find: findSkKeys,
  },
  mt_token: {
    name: 'mt_token',
    anchors: ['mt-'],
    highConfidence: true,
    partialKeeps: 'mt-',
    find: findMtTokens,
  },
  aws_access_key: {
    name: 'aws_access_key',
    anchors: AWS_KEY_PREFIXES.map((prefix) => prefix.toLowerCase()),
    highConfidence: true,
    partialKeeps: 'the 4-letter prefix (AKIA, ASIA, ...)',
    find: findAwsAccessKeys,
  },
  google_api_key: {
    name: 'google_api_key',
    anchors: ['aiza'],
    highConfidence: true,
    partialKeeps: 'AIza',
    find: findGoogleApiKeys,
  },
  url_credentials: {
    name: 'url_credentials',
    anchors: ['?', '#', '@', '%3f'],
    highConfidence: false,
    partialKeeps: 'nothing (only parameter values and passwords are in the span)',
    find: (text, rule, spans, context) => findUrlCredentials(text, rule, spans, context.isSecretKey),
  },
  redis_url: {
    name: 'redis_url',
    anchors: ['redis'],
    highConfidence: false,
    partialKeeps: 'nothing',
    find: findRedisUrls,
  },
  data_url: {
    name: 'data_url',
    anchors: ['data:'],
    highConfidence: false,
    partialKeeps: 'the header, for example data:image/png;base64,',
    find: findDataUrls,
  },
  email: {
    name: 'email',
    anchors: ['@'],
    highConfidence: false,
    partialKeeps: 'nothing',
    find: findEmails,
  },
  phone: {
    name: 'phone',
    anchors: ['+'],
    highConfidence: false,
    partialKeeps: 'nothing',
    find: findPhoneNumbers,
  },
  text_key_value: {
    name: 'text_key_value',
    // The anchors are the key-name rules' words; compile.ts adds them.
    anchors: [],
    highConfidence: false,
    partialKeeps: 'nothing',
    find: (text, _rule, spans, context) => findKeyValuePairs(text, spans, context.classifyTextKey, context.censor),
  },
}
