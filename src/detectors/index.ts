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
import { CREDENTIAL_PARAMETERS, findDataUrls, findRedisUrls, findUrlCredentials } from './urls.js'

export interface DetectorContext {
  /** True when a key-name rule marks this normalized name as a secret (used for URL parameters). */
  readonly isSecretKey: (normalizedName: string) => boolean
  readonly classifyTextKey: TextKeyClassifier
  /** The rule set's censor, so that text redacted before is not redacted and counted again. */
  readonly censor: string
}

/** Separators that key-name matching ignores. */
export const SEPARATORS = '_-'

/**
 * A prefilter fragment that every match of a detector contains (see scan/prefilter.ts): a
 * lowercase literal, optionally after a word boundary and before one of some characters. Each
 * boundary must hold for every match, so it mirrors a check the detector itself makes.
 */
export interface Anchor {
  readonly text: string
  readonly wordStart?: boolean
  readonly followedBy?: string
  /** Characters skipped after the first one, as in scan/prefilter.ts. */
  readonly skip?: string
}

export interface DetectorDefinition {
  readonly name: DetectorName
  /** Fragments, one of which occurs in any text the detector can match. */
  readonly anchors: readonly Anchor[]
  /** Run by the leak check on every serialized output line. */
  readonly highConfidence: boolean
  /** The part of a match that action `partial` keeps. */
  readonly partialKeeps: string
  readonly find: (text: string, rule: number, spans: SpanList, context: DetectorContext) => void
}

export const DETECTOR_DEFINITIONS: Readonly<Record<DetectorName, DetectorDefinition>> = {
  pem_private_key: {
    name: 'pem_private_key',
    anchors: [{ text: '-----begin' }],
    highConfidence: true,
    partialKeeps: 'nothing',
    find: (text, rule, spans) => findPemPrivateKeys(text, rule, spans),
  },
  jwt: {
    name: 'jwt',
    // The detector requires a non-key character (or nothing) before eyJ.
    anchors: [{ text: 'eyj', wordStart: true }],
    highConfidence: true,
    partialKeeps: 'nothing',
    find: findJwts,
  },
  bearer_credential: {
    name: 'bearer_credential',
    // The detector requires no letter or digit before the scheme and a blank, ':', '=', '+' or
    // '%20' after it.
    anchors: [
      { text: 'bearer', wordStart: true, followedBy: ' \t:=+%' },
      { text: 'basic', wordStart: true, followedBy: ' \t:=+%' },
    ],
    highConfidence: true,
    partialKeeps: 'nothing (the scheme word is outside the span)',
    find: findBearerCredentials,
  },
  sk_key: {
    name: 'sk_key',
    anchors: [{ text: 'sk-' }],
    highConfidence: true,
    partialKeeps: 'the key family prefix: sk-proj-, sk-svcacct-, sk-admin-, sk-ant-api03-, sk-ant-admin01-, sk-or-v1-, sk-live-, sk-test-, else sk-',
    find: findSkKeys,
  },
  mt_token: {
    name: 'mt_token',
    anchors: [{ text: 'mt-' }],
    highConfidence: true,
    partialKeeps: 'mt-',
    find: findMtTokens,
  },
  aws_access_key: {
    name: 'aws_access_key',
    anchors: AWS_KEY_PREFIXES.map((prefix) => ({ text: prefix.toLowerCase() })),
    highConfidence: true,
    partialKeeps: 'the 4-letter prefix (AKIA, ASIA, ...)',
    find: findAwsAccessKeys,
  },
  google_api_key: {
    name: 'google_api_key',
    anchors: [{ text: 'aiza', wordStart: true }],
    highConfidence: true,
    partialKeeps: 'AIza',
    find: findGoogleApiKeys,
  },
  url_credentials: {
    name: 'url_credentials',
    // Credential parameters by name, `user:password@` by its @, and percent-encoded names and
    // URLs (%3F for "?") by their %; compile.ts adds the key-name rules' words, which the
    // detector also consults.
    anchors: [
      ...[...CREDENTIAL_PARAMETERS].map((name) => ({ text: name, wordStart: true, followedBy: '=', skip: SEPARATORS })),
      { text: '@' },
      { text: '%', followedBy: '0123456789abcdef' },
    ],
    highConfidence: false,
    partialKeeps: 'nothing (only parameter values and passwords are in the span)',
    find: (text, rule, spans, context) => findUrlCredentials(text, rule, spans, context.isSecretKey),
  },
  redis_url: {
    name: 'redis_url',
    anchors: [
      { text: 'redis:', wordStart: true },
      { text: 'rediss:', wordStart: true },
    ],
    highConfidence: false,
    partialKeeps: 'nothing',
    find: findRedisUrls,
  },
  data_url: {
    name: 'data_url',
    anchors: [{ text: 'data:', wordStart: true }],
    highConfidence: false,
    partialKeeps: 'the header, for example data:image/png;base64,',
    find: findDataUrls,
  },
  email: {
    name: 'email',
    anchors: [{ text: '@' }],
    highConfidence: false,
    partialKeeps: 'nothing',
    find: findEmails,
  },
  phone: {
    name: 'phone',
    // Digits share one prefilter class, so '0' stands for any digit.
    anchors: [{ text: '+', followedBy: '0' }],
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
