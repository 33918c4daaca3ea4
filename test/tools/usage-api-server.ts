/**
 * A stand-in for the TokenLab Management API usage endpoint, on 127.0.0.1 only. It pages like
 * the documented API (page, limit up to 100, pagination.totalPages), filters by scene and by
 * date, and checks the bearer token. It can return a fault first for chosen requests (401, 429
 * with Retry-After, 5xx), so the client's retry logic meets real HTTP.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface MockUsageItem {
  readonly request_id: string | null
  readonly billing_transaction_id: string | null
  readonly model: string
  readonly scene: string
  readonly cost: number
  readonly cost_decimal: string
  readonly created_at: string
}

export interface Fault {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
}

export interface RecordedRequest {
  readonly page: number
  readonly query: Readonly<Record<string, string>>
  readonly path: string
  readonly authorization: string | undefined
  /** Milliseconds since the server started. */
  readonly at: number
}

export interface MockUsageApi {
  readonly baseUrl: string
  readonly requests: RecordedRequest[]
  close(): Promise<void>
}

export interface MockOptions {
  readonly token: string
  readonly keyId: string
  readonly items: readonly MockUsageItem[]
  /** Faults returned, in order, for the requests of a page before the page is served normally. */
  readonly faults?: Readonly<Record<number, readonly Fault[]>>
  /** A fault returned for every request. */
  readonly always?: Fault
}

function json(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify(body))
}

function inDateRange(createdAt: string, start: string | undefined, end: string | undefined): boolean {
  const time = Date.parse(createdAt)
  const bound = (text: string, side: 'start' | 'end'): number => (text.length === 10 ? Date.parse(`${text}T${side === 'start' ? '00:00:00.000' : '23:59:59.999'}Z`) : Date.parse(text))
  if (start !== undefined && time < bound(start, 'start')) return false
  if (end !== undefined && time > bound(end, 'end')) return false
  return true
}

export async function startUsageApi(options: MockOptions): Promise<MockUsageApi> {
  const started = Date.now()
  const requests: RecordedRequest[] = []
  const pendingFaults = new Map<number, Fault[]>(Object.entries(options.faults ?? {}).map(([page, faults]) => [Number(page), [...faults]]))

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const query = Object.fromEntries(url.searchParams.entries())
    const page = Number(query.page ?? '1')
    requests.push({ page, query, path: url.pathname, authorization: request.headers.authorization, at: Date.now() - started })

    if (options.always !== undefined) {
      json(response, options.always.status, options.always.body ?? {}, options.always.headers)
      return
    }
    const fault = pendingFaults.get(page)?.shift()
    if (fault !== undefined) {
      json(response, fault.status, fault.body ?? {}, fault.headers)
      return
    }
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      json(response, 401, { error: { type: 'invalid_api_key', code: 'invalid_api_key', message: 'Invalid management token' } })
      return
    }
    if (url.pathname !== `/v1/management/api-keys/${options.keyId}/usage`) {
      json(response, 404, { error: { type: 'invalid_request_error', code: 'not_found', message: 'API key not found' } })
      return
    }
    const limit = Math.min(100, Number(query.limit ?? '50'))
    const matching = options.items.filter((item) => (query.scene === undefined || item.scene === query.scene) && inDateRange(item.created_at, query.startDate, query.endDate))
    const totalPages = Math.max(1, Math.ceil(matching.length / limit))
    json(response, 200, {
      api_key: { id: options.keyId, name: 'mock', key_prefix: 'sk-live...', status: 'active' },
      items: matching.slice((page - 1) * limit, page * limit),
      pagination: { page, limit, total: matching.length, totalPages },
      summary: { total_requests: matching.length },
    })
  }

  const server: Server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
