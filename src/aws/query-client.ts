/**
 * EC2 over its Query protocol: a form POST signed with SigV4, an XML answer. The SDK's EC2 client
 * costs ~0.3-0.6 s and ~90 MiB to load (bench/README.md), more than the whole healthy check, for
 * the few reads eksdoctor makes. So this client keeps only the protocol and takes the rest from
 * the SDK: the endpoint from its partition table and EC2's rules (endpoints.ts), the retry strategy
 * (standard or adaptive, AWS_MAX_ATTEMPTS, backoff with jitter) and the NodeHttpHandler every SDK
 * client sends through (proxy, CA bundle, connect bound).
 */
import { ec2Endpoint } from './endpoints.js'
import { NodeSha256 } from './sha256.js'
import type { AwsSettings } from './settings.js'
import { child, parseXml, text, type XmlElement } from './xml.js'
export { NodeSha256 } from './sha256.js'

/** What a failed Query call said, as an Error the shared classifier and the SDK's retry rules understand. */
export class AwsQueryError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string }
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
    readonly requestId?: string,
  ) {
    super(message)
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) }
  }
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
export type CredentialProvider = () => Promise<Credentials>

const EC2_VERSION = '2016-11-15'

/** Flatten {Filter: [{Name, Values}]}-style input into Query parameters (Filter.1.Name=...). */
export function queryParams(input: Record<string, unknown>, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue
    const name = prefix ? `${prefix}.${key}` : key
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        if (item !== null && typeof item === 'object') queryParams(item as Record<string, unknown>, `${name}.${index + 1}`, out)
        else out[`${name}.${index + 1}`] = String(item)
      })
    } else if (value !== null && typeof value === 'object') {
      queryParams(value as Record<string, unknown>, name, out)
    } else {
      out[name] = String(value)
    }
  }
  return out
}

export interface QueryClient {
  call(action: string, input: Record<string, unknown>, signal: AbortSignal): Promise<XmlElement>
  /** The server's Date header of the last answer: how AWS's clock reads. */
  lastServerDate(): Date | undefined
}

/** The HTTP handler it sends through: the SDK clients' NodeHttpHandler. */
export type QueryHttpHandler = Pick<import('@smithy/node-http-handler').NodeHttpHandler, 'handle'>

export interface Ec2QueryClientOptions {
  region: string
  credentials: CredentialProvider
  settings: Pick<AwsSettings, 'useFipsEndpoint' | 'useDualstackEndpoint' | 'endpointUrl' | 'maxAttempts' | 'retryMode'>
  handler: QueryHttpHandler
}

async function readAll(body: AsyncIterable<Uint8Array | string>): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}

/** The retry error type the SDK's retry middleware would give this error (its getRetryErrorType). */
function retryErrorType(error: unknown, retry: typeof import('@smithy/core/retry')): 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR' {
  const e = error as Parameters<typeof retry.isThrottlingError>[0]
  if (retry.isThrottlingError(e)) return 'THROTTLING'
  if (retry.isTransientError(e)) return 'TRANSIENT'
  if (retry.isServerError(e)) return 'SERVER_ERROR'
  return 'CLIENT_ERROR'
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined)
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason)
    if (signal.aborted) return abort()
    signal.addEventListener('abort', abort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}

export function createEc2QueryClient(o: Ec2QueryClientOptions): QueryClient {
  let serverDate: Date | undefined
  let ready:
    | Promise<{ endpoint: URL; signer: import('@smithy/signature-v4').SignatureV4; retry: typeof import('@smithy/core/retry'); strategy: import('@smithy/types').RetryStrategyV2 }>
    | undefined
  const prepare = () =>
    (ready ??= (async () => {
      const [endpoint, { SignatureV4 }, retry] = await Promise.all([ec2Endpoint(o.region, o.settings), import('@smithy/signature-v4'), import('@smithy/core/retry')])
      const maxAttempts = async () => o.settings.maxAttempts
      return {
        endpoint: new URL(endpoint),
        signer: new SignatureV4({ service: 'ec2', region: o.region, credentials: o.credentials, sha256: NodeSha256 }),
        retry,
        // One strategy per client, as an SDK client keeps one: its retry quota spans the calls.
        strategy: o.settings.retryMode === 'adaptive' ? new retry.AdaptiveRetryStrategy(maxAttempts) : new retry.StandardRetryStrategy(maxAttempts),
      }
    })())
  // A failed preparation (no such partition for FIPS, say) is tried again next call.
  const prepared = () => prepare().catch((error: unknown) => ((ready = undefined), Promise.reject(error)))

  async function once(p: Awaited<ReturnType<typeof prepare>>, action: string, body: string, signal: AbortSignal): Promise<XmlElement> {
    const { endpoint } = p
    const request = {
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : undefined,
      path: endpoint.pathname || '/',
      query: {},
      headers: { host: endpoint.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    }
    const signed = await p.signer.sign(request)
    const { response } = await o.handler.handle(signed as never, { abortSignal: signal })
    const date = response.headers.date
    if (date && !Number.isNaN(Date.parse(date))) serverDate = new Date(date)
    const answer = await readAll(response.body as AsyncIterable<Uint8Array | string>)
    const xml = parseXml(answer)
    if (response.statusCode >= 200 && response.statusCode < 300) return xml
    // EC2 answers <Response><Errors><Error>...</Errors><RequestID>; other Query services <ErrorResponse><Error>.
    const error = child(child(xml, 'Errors'), 'Error') ?? child(xml, 'Error')
    const requestId = response.headers['x-amzn-requestid'] ?? text(xml, 'RequestID') ?? text(xml, 'RequestId')
    throw new AwsQueryError(text(error, 'Code') ?? `HTTP${response.statusCode}`, text(error, 'Message') ?? `${action} answered ${response.statusCode}`, response.statusCode, requestId)
  }

  return {
    lastServerDate: () => serverDate,
    async call(action, input, signal) {
      const p = await prepared()
      const body = new URLSearchParams({ Action: action, Version: EC2_VERSION, ...queryParams(input) }).toString()
      let token = await p.strategy.acquireInitialRetryToken('ec2')
      for (;;) {
        try {
          const xml = await once(p, action, body, signal)
          p.strategy.recordSuccess(token)
          return xml
        } catch (error) {
          if (signal.aborted) throw error
          try {
            // The strategy sleeps its backoff before it hands out the next token; the signal cuts that short.
            token = await abortable(p.strategy.refreshRetryTokenForRetry(token, { errorType: retryErrorType(error, p.retry), error } as never), signal)
          } catch (refused) {
            throw signal.aborted ? refused : error
          }
        }
      }
    },
  }
}
