/**
 * Seeded identifier generator for the mock TokenLab API. The same seed and the same sequence of
 * requests give the same identifiers, so a regenerated sample log keeps its TokenLab ids.
 */
import { createHash } from 'node:crypto'

const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** mulberry32: a small, well-known 32-bit PRNG; good enough for ids, never for secrets. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}

export class IdGenerator {
  private readonly random: () => number

  constructor(seed: number) {
    this.random = mulberry32(seed)
  }

  /** `length` characters of [a-z0-9]. */
  lowerAlphanumeric(length: number): string {
    let text = ''
    for (let index = 0; index < length; index++) text += LOWER_ALPHANUMERIC[Math.floor(this.random() * LOWER_ALPHANUMERIC.length)]
    return text
  }

  /** Public async task id: `ldtask_` and 32 characters, as in TokenLab's async-jobs guide. */
  taskId(): string {
    return `ldtask_${this.lowerAlphanumeric(32)}`
  }

  requestId(): string {
    return `req_${this.lowerAlphanumeric(24)}`
  }

  /**
   * TokenLab's docs show two billing transaction id shapes: a 25-character cuid-like id
   * (`cmo164zyc0s48jpgegi80vqv4`) and `billtxn_abc123`. The mock issues both.
   */
  billingTransactionId(style: 'cuid' | 'billtxn'): string {
    return style === 'cuid' ? `cmo${this.lowerAlphanumeric(22)}` : `billtxn_${this.lowerAlphanumeric(20)}`
  }

  chatCompletionId(): string {
    return `chatcmpl-${this.lowerAlphanumeric(24)}`
  }

  /** A private provider task id: the kind of value TokenLab's observability guide lists as never to be stored. */
  providerTaskId(): string {
    return `prov_${this.lowerAlphanumeric(24)}`
  }

  channelId(): string {
    return `ch_${this.lowerAlphanumeric(12)}`
  }
}

/** Derives a fake AWS SigV4 signature (64 hex characters) from the task id; it signs nothing. */
export function fakeSignature(taskId: string): string {
  return createHash('sha256').update(`fake-demo-signature:${taskId}`).digest('hex')
}
