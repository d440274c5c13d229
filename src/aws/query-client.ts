/**
 * EC2 over its Query protocol: a form POST signed with SigV4, an XML answer. The SDK's EC2
 * client would cost ~0.5 s and ~70 MiB to load for the few reads eksdoctor makes.
 * The endpoint honours AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL, like every SDK client.
 */
import { createHash, createHmac } from 'node:crypto'
import { child, parseXml, text, type XmlElement } from './xml.js'

const EC2_API_VERSION = '2016-11-15'

/** What a failed Query call said, as an Error the shared classifier understands. */
export class AwsQueryError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
export type CredentialProvider = () => Promise<Credentials>

type SourceData = string | ArrayBuffer | ArrayBufferView

function toBinary(data: SourceData): string | Buffer {
  if (typeof data === 'string') return data
  if (data instanceof ArrayBuffer) return Buffer.from(data)
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

/** SigV4's hash, from node:crypto (the SDK's own brings a JS implementation along). */
export class NodeSha256 {
  private readonly hash
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBinary(secret))
  }
  update(data: SourceData): void {
    this.hash.update(toBinary(data))
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest())
  }
}

export function ec2Endpoint(region: string, vars: Readonly<Record<string, string | undefined>>): string {
  const configured = vars.AWS_ENDPOINT_URL_EC2 ?? vars.AWS_ENDPOINT_URL
  if (configured) return configured.replace(/\/+$/, '')
  return `https://ec2.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`
}

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
}

export function createEc2QueryClient(o: {
  region: string
  credentials: CredentialProvider
  vars: Readonly<Record<string, string | undefined>>
}): QueryClient {
  const endpoint = new URL(ec2Endpoint(o.region, o.vars))
  let signer: Promise<import('@smithy/signature-v4').SignatureV4> | undefined
  const getSigner = () =>
    (signer ??= import('@smithy/signature-v4').then(
      ({ SignatureV4 }) => new SignatureV4({ service: 'ec2', region: o.region, credentials: o.credentials, sha256: NodeSha256 }),
    ))

  async function once(action: string, body: string, signal: AbortSignal): Promise<XmlElement> {
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
    const signed = await (await getSigner()).sign(request)
    const response = await fetch(endpoint, { method: 'POST', headers: signed.headers as Record<string, string>, body, signal })
    const xml = parseXml(await response.text())
    if (response.ok) return xml
    const error = child(child(xml, 'Errors'), 'Error')
    throw new AwsQueryError(text(error, 'Code') ?? `HTTP${response.status}`, text(error, 'Message') ?? `${action} answered ${response.status}`, response.status)
  }

  return {
    async call(action, input, signal) {
      const body = new URLSearchParams({ Action: action, Version: EC2_API_VERSION, ...queryParams(input) }).toString()
      try {
        return await once(action, body, signal)
      } catch (error) {
        // One retry for throttling and server faults, as the SDK's standard mode would.
        const retryable = error instanceof AwsQueryError && (error.status >= 500 || /Throttl|RequestLimitExceeded/.test(error.name))
        if (!retryable || signal.aborted) throw error
        return once(action, body, signal)
      }
    },
  }
}
