/**
 * The EKS bearer token, built locally as `aws eks get-token` and aws-iam-authenticator build it:
 * a SigV4-presigned sts:GetCallerIdentity URL whose signed headers include
 * `x-k8s-aws-id: <cluster>`, as `k8s-aws-v1.` + base64url without padding. STS honours the URL for
 * 15 minutes after X-Amz-Date whatever X-Amz-Expires says; tokens are given 14, as the AWS CLI does.
 */
import { stsHost } from './endpoints.js'
import { NodeSha256 } from './sha256.js'

export const TOKEN_PREFIX = 'k8s-aws-v1.'
const TOKEN_LIFETIME_MS = 14 * 60_000
const PARAM_ORDER = [
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
]

/** Temporary or long-lived AWS credentials; `expiration` bounds the token too. */
export interface SigningCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

export interface EksToken {
  token: string
  expiresAt: Date
}

/** RFC 3986 encoding, as SigV4 canonicalises query values. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

export async function buildEksToken(o: { cluster: string; region: string; credentials: SigningCredentials; now?: Date }): Promise<EksToken> {
  const [{ SignatureV4 }, host] = await Promise.all([import('@smithy/signature-v4'), stsHost(o.region)])
  const now = o.now ?? new Date()
  const signer = new SignatureV4({ service: 'sts', region: o.region, credentials: o.credentials, sha256: NodeSha256 })
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: host,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host, 'x-k8s-aws-id': o.cluster },
    },
    { expiresIn: 60, signingDate: now },
  )
  // The order botocore writes (so tokens compare byte for byte with aws eks get-token); the signature last.
  const rank = (key: string) => {
    const i = PARAM_ORDER.indexOf(key)
    return i < 0 ? PARAM_ORDER.length - 1 : i
  }
  const query = Object.entries(signed.query ?? {})
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([key, value]) => `${encode(key)}=${encode(String(value))}`)
    .join('&')
  const url = `https://${host}/?${query}`
  const lifetimeEnd = now.getTime() + TOKEN_LIFETIME_MS
  const expiresAt = new Date(Math.min(lifetimeEnd, o.credentials.expiration?.getTime() ?? lifetimeEnd))
  return { token: TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url'), expiresAt }
}

/** What a token says about itself (never its signature): for diagnosis only. */
export function decodeEksToken(token: string): { url: URL; cluster?: string; date?: string; region?: string } | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined
  try {
    const url = new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'))
    const credential = url.searchParams.get('X-Amz-Credential') ?? ''
    return { url, date: url.searchParams.get('X-Amz-Date') ?? undefined, region: credential.split('/')[2] }
  } catch {
    return undefined
  }
}
