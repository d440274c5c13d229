/**
 * AWS Query-protocol services (EC2, STS, IAM): a form POST signed with SigV4, an XML answer.
 * The SDK's EC2 client alone would cost ~0.5 s and ~70 MiB to load for the few reads eksdoctor
 * makes. Endpoints honour AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL, like every SDK client.
 */
import { createHash, createHmac } from 'node:crypto'
import { child, parseXml, text, type XmlElement } from './xml.js'


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

/** A Query service: its SigV4 name, API version, endpoint variable and default endpoint. */
export interface QueryService {
  name: string
  version: string
  envName: string
  defaultEndpoint(region: string): string
  /** IAM is global: it signs for one region whatever the caller's. */
  signingRegion?(region: string): string
}

const DOT_CN = (region: string) => (region.startsWith('cn-') ? '.cn' : '')

export const EC2: QueryService = {
  name: 'ec2',
  version: '2016-11-15',
  envName: 'AWS_ENDPOINT_URL_EC2',
  defaultEndpoint: (region) => `https://ec2.${region}.amazonaws.com${DOT_CN(region)}`,
}

export const STS: QueryService = {
  name: 'sts',
  version: '2011-06-15',
  envName: 'AWS_ENDPOINT_URL_STS',
  defaultEndpoint: (region) => `https://sts.${region}.amazonaws.com${DOT_CN(region)}`,
}

export const IAM: QueryService = {
  name: 'iam',
  version: '2010-05-08',
  envName: 'AWS_ENDPOINT_URL_IAM',
  defaultEndpoint: (region) =>
    region.startsWith('cn-') ? 'https://iam.cn-north-1.amazonaws.com.cn' : region.startsWith('us-gov-') ? 'https://iam.us-gov.amazonaws.com' : 'https://iam.amazonaws.com',
  signingRegion: (region) => (region.startsWith('cn-') ? 'cn-north-1' : region.startsWith('us-gov-') ? 'us-gov-west-1' : 'us-east-1'),
}

export function serviceEndpoint(service: QueryService, region: string, vars: Readonly<Record<string, string | undefined>>): string {
  const configured = vars[service.envName] ?? vars.AWS_ENDPOINT_URL
  if (configured) return configured.replace(/\/+$/, '')
  return service.defaultEndpoint(region)
}

export function ec2Endpoint(region: string, vars: Readonly<Record<string, string | undefined>>): string {
  return serviceEndpoint(EC2, region, vars)
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
  /** The server's Date header of the last answer: how AWS's clock reads. */
  lastServerDate(): Date | undefined
}

export function createQueryClient(o: {
  service: QueryService
  region: string
  credentials: CredentialProvider
  vars: Readonly<Record<string, string | undefined>>
}): QueryClient {
  const endpoint = new URL(serviceEndpoint(o.service, o.region, o.vars))
  const signingRegion = o.service.signingRegion?.(o.region) ?? o.region
  let serverDate: Date | undefined
  let signer: Promise<import('@smithy/signature-v4').SignatureV4> | undefined
  const getSigner = () =>
    (signer ??= import('@smithy/signature-v4').then(
      ({ SignatureV4 }) => new SignatureV4({ service: o.service.name, region: signingRegion, credentials: o.credentials, sha256: NodeSha256 }),
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
    const date = response.headers.get('date')
    if (date && !Number.isNaN(Date.parse(date))) serverDate = new Date(date)
    const xml = parseXml(await response.text())
    if (response.ok) return xml
    // EC2 answers <Response><Errors><Error>; STS and IAM answer <ErrorResponse><Error>.
    const error = child(child(xml, 'Errors'), 'Error') ?? child(xml, 'Error')
    throw new AwsQueryError(text(error, 'Code') ?? `HTTP${response.status}`, text(error, 'Message') ?? `${action} answered ${response.status}`, response.status)
  }

  return {
    lastServerDate: () => serverDate,
    async call(action, input, signal) {
      const body = new URLSearchParams({ Action: action, Version: o.service.version, ...queryParams(input) }).toString()
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

export function createEc2QueryClient(o: { region: string; credentials: CredentialProvider; vars: Readonly<Record<string, string | undefined>> }): QueryClient {
  return createQueryClient({ ...o, service: EC2 })
}
