/**
 * A test-side EKS bearer token builder (formats.md §5), independent of src/ so the fake
 * authenticator can be tested on its own: SigV4-presign `GET https://sts.<region>.amazonaws.com/
 * ?Action=GetCallerIdentity&Version=2011-06-15` with the header `x-k8s-aws-id: <cluster>` signed,
 * then `k8s-aws-v1.` + base64url (no padding) of the URL. Signing is offline: no request is sent.
 */
import { createHash, createHmac } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'

/** The token prefix aws-iam-authenticator and EKS require. */
export const TOKEN_PREFIX = 'k8s-aws-v1.'

/** AWS credentials as the SDK resolves them. */
export interface TestCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** What `buildTestToken` signs. */
export interface TestTokenOptions {
  cluster: string
  region: string
  credentials: TestCredentials
  /** The signing time (X-Amz-Date); default now. Pass an old one to build an expired token. */
  now?: Date
  /** STS host in the URL; default `sts.<region>.amazonaws.com` (`.amazonaws.com.cn` for cn-*). */
  host?: string
  /** X-Amz-Expires; default 60 as the AWS CLI and aws-iam-authenticator set it (STS ignores it). */
  expiresIn?: number
}

type SourceData = string | ArrayBuffer | ArrayBufferView

function toBinary(data: SourceData): string | Buffer {
  if (typeof data === 'string') return data
  if (data instanceof ArrayBuffer) return Buffer.from(data)
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

/** SigV4's hash from node:crypto, in the shape @smithy/signature-v4 expects. */
class NodeSha256 {
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

/** The regional STS host the CLI puts in the token for `region`. */
export function stsHostFor(region: string): string {
  return `sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`
}

/** Presigns GetCallerIdentity for `cluster` and returns the URL (what the token encodes). */
export async function presignTestUrl(o: TestTokenOptions): Promise<string> {
  const hostname = o.host ?? stsHostFor(o.region)
  const signer = new SignatureV4({ service: 'sts', region: o.region, credentials: o.credentials, sha256: NodeSha256 })
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, 'x-k8s-aws-id': o.cluster },
    },
    { expiresIn: o.expiresIn ?? 60, signingDate: o.now ?? new Date() },
  )
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(signed.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== null) query.append(key, item)
  }
  // URLSearchParams writes spaces as '+'; SigV4 values never contain one, but keep %20 to be exact.
  return `https://${hostname}/?${query.toString().replace(/\+/g, '%20')}`
}

/** Builds `k8s-aws-v1.<base64url(presigned URL)>`, the bearer token kubectl sends to EKS. */
export async function buildTestToken(o: TestTokenOptions): Promise<string> {
  return encodeTestToken(await presignTestUrl(o))
}

/** Wraps any URL as a token (for tokens a test tampers with). */
export function encodeTestToken(url: string): string {
  return TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url')
}

/** Unwraps a token back to its URL (throws on a missing prefix). */
export function decodeTestToken(token: string): string {
  if (!token.startsWith(TOKEN_PREFIX)) throw new Error(`not an EKS token: missing ${TOKEN_PREFIX}`)
  return Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8')
}
