/**
 * The EKS side of bearer-token authentication, for the fake API server: verify a `k8s-aws-v1.`
 * token the way aws-iam-authenticator does (formats.md §5 "Server-side checks"), let STS decide
 * who signed it, then map the AWS identity to a Kubernetes user.
 *
 * STS here is moto, and moto 5.2.1 cannot do STS's half of the job on a presigned URL (each point
 * seen by calling it; test/integration/fake-auth.test.ts keeps the claims honest):
 * - It routes a request to a service only from the `Authorization` header's credential scope (or a
 *   few unsigned actions found in a POST body). A presigned GET `/?Action=GetCallerIdentity&
 *   X-Amz-Credential=...` with no Authorization header is routed to its default service, S3, and
 *   answers 200 `ListAllMyBucketsResult`, with or without `x-k8s-aws-id`, whatever the `Host`.
 *   moto never reads `X-Amz-Credential` (its `get_access_key()` looks only at the Authorization
 *   header and the SigV2 `AWSAccessKeyId` parameter).
 * - It never checks a SigV4 signature: a header-signed GetCallerIdentity made with the right access
 *   key and a WRONG secret still answers the caller's identity.
 * - Given an Authorization header, GetCallerIdentity identifies the caller by the access key in it:
 *   temporary credentials from moto's sts:AssumeRole give `arn:aws:sts::<acct>:assumed-role/<role>/
 *   <session>` (the role path dropped, as in AWS) and UserId `<AROA role id>:<session>`; an IAM user's
 *   access key gives the user ARN; any key moto did not issue gives `arn:aws:sts::123456789012:user/moto`.
 *   The answer is always XML (`Accept: application/json`, which the real authenticator sends, is ignored).
 * - `GET /moto-api/data.json` lists every assumed-role session and IAM access key WITH its secret.
 *
 * So this authenticator does STS's checks itself. It looks up the secret of the token's access key
 * in `knownCredentials`, else in moto's data.json, once per key (the dump holds every model moto
 * tracks: ~10 MB and ~1 s once EC2's AMIs are loaded); an unknown key or a wrong session token is
 * InvalidClientTokenId, as STS answers. It recomputes the presigned SigV4 signature with the header
 * `x-k8s-aws-id: <this cluster>`, so a token signed for another cluster, or tampered with anywhere,
 * fails as SignatureDoesNotMatch. Then it replays the presigned query string against moto with
 * `x-k8s-aws-id: <this cluster>`, plus an Authorization header carrying the token's own credential
 * scope and signature: moto needs it to route to STS and to find the caller, and ignores the
 * signature in it. For a key moto did not issue (the static MOTO_ACCESS_KEY_ID), pass it in
 * `knownCredentials`; `verifySignature: false` skips the check, and then nothing enforces the
 * cluster name.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { Authorize } from './api-server.js'

/** Who STS says signed the token, as aws-iam-authenticator's `Identity`. */
export interface AwsIdentity {
  /** STS `Arn`: `arn:aws:sts::<acct>:assumed-role/<role>/<session>` or `arn:aws:iam::<acct>:user/<path/><name>`. */
  arn: string
  /** STS `Account`. */
  account: string
  /** STS `UserId` as returned: `<AROA...>:<session>` for a role session, the user id for a user. */
  userId: string
  /** The IAM ARN behind `arn` (assumed-role → `arn:aws:iam::<acct>:role/<role>`, path unknown so absent). */
  canonicalArn: string
  /** `userId` before the `:`. */
  principalId: string
  /** `userId` after the `:` (role sessions only). */
  sessionName?: string
  /** From X-Amz-Credential. */
  accessKeyId: string
}

/** What the mapping (aws-auth / access entry) gives an identity; `{{SessionName}}` etc. are expanded. */
export interface MappedUser {
  username: string
  groups: string[]
  extra?: Record<string, string[]>
}

/** The Kubernetes user the API server sees (`user.Info`). */
export interface AuthenticatedUser {
  username: string
  uid: string
  groups: string[]
  extra: Record<string, string[]>
}

/** The outcome of authenticating one bearer token. */
export type AuthResult = { ok: true; user: AuthenticatedUser } | { ok: false; reason: string }

/** Options of `createEksAuthenticator`. */
export interface EksAuthenticatorOptions {
  /** The cluster name the token must be signed for (`x-k8s-aws-id`). */
  cluster: string
  /** moto's URL (`http://127.0.0.1:<port>`), standing in for STS. */
  stsUrl: string
  /** The cluster's region: only its partition's STS hosts are accepted; both partitions when absent. */
  region?: string
  /** aws-auth / access entries: undefined → the identity is not mapped (401, reason 'unmapped'). */
  mapping: (identity: AwsIdentity) => MappedUser | undefined
  /** Recompute the SigV4 signature with the secret moto issued (default true). */
  verifySignature?: boolean
  /** Keys to treat as issued besides moto's own (e.g. the static MOTO_ACCESS_KEY_ID); looked up first. */
  knownCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }[]
  /** Bound on each call to moto (default 5000 ms). */
  timeoutMs?: number
  /** The verifier's clock (default `new Date()`). */
  now?: () => Date
}

/** The reason of a valid token whose identity the mapping does not know. */
export const UNMAPPED = 'unmapped'

const TOKEN_PREFIX = 'k8s-aws-v1.'
const MAX_TOKEN_BYTES = 4096
const PRESIGNED_URL_EXPIRATION_MS = 15 * 60_000
const CLUSTER_ID_HEADER = 'x-k8s-aws-id'
const DEFAULT_TIMEOUT_MS = 5_000
// aws-iam-authenticator's parameterWhitelist (lower-cased).
const PARAMETER_WHITELIST = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
])
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d+'
const STS_HOSTS = {
  aws: new RegExp(`^sts(?:\\.${REGION})?\\.amazonaws\\.com$`),
  'aws-cn': new RegExp(`^sts\\.${REGION}\\.amazonaws\\.com\\.cn$`),
}
// The payload hash in the canonical request: the empty body's, as the aws CLI (botocore 1.43), the
// JS SDK's presign and aws-iam-authenticator (Go SDK) all sign it. Whether STS would also take
// UNSIGNED-PAYLOAD on a query-signed GET is not known, so it is refused.
const EMPTY_PAYLOAD_HASH = sha256Hex('')

/** A verifier for one cluster: `(token) → AuthResult`, never throwing. */
export function createEksAuthenticator(o: EksAuthenticatorOptions): (token: string) => Promise<AuthResult> {
  const stsUrl = o.stsUrl.replace(/\/+$/, '')
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const now = o.now ?? (() => new Date())
  const hosts = o.region === undefined ? Object.values(STS_HOSTS) : [STS_HOSTS[o.region.startsWith('cn-') ? 'aws-cn' : 'aws']]
  const secrets = new Map<string, Promise<MotoSecret | undefined>>()
  for (const c of o.knownCredentials ?? []) secrets.set(c.accessKeyId, Promise.resolve(c))
  // One lookup per key, shared by concurrent requests; a miss is forgotten (moto may issue it later).
  const lookUpSecret = (accessKeyId: string): Promise<MotoSecret | undefined> => {
    let pending = secrets.get(accessKeyId)
    if (!pending) {
      pending = lookUpMotoSecret(stsUrl, accessKeyId, timeoutMs)
      secrets.set(accessKeyId, pending)
      void pending.then(
        (found) => found ?? secrets.delete(accessKeyId),
        () => secrets.delete(accessKeyId),
      )
    }
    return pending
  }

  return async (token) => {
    try {
      const presigned = parseToken(token, hosts, now())
      if (typeof presigned === 'string') return { ok: false, reason: presigned }
      if (o.verifySignature ?? true) {
        const failure = verifySignature(presigned, o.cluster, await lookUpSecret(presigned.accessKeyId))
        if (failure) return { ok: false, reason: failure }
      }
      const identity = await replayGetCallerIdentity(presigned, o.cluster, stsUrl, timeoutMs)
      if (typeof identity === 'string') return { ok: false, reason: identity }
      const mapped = o.mapping(identity)
      if (!mapped) return { ok: false, reason: UNMAPPED }
      return { ok: true, user: buildUser(identity, mapped) }
    } catch (error) {
      return { ok: false, reason: `authenticator error: ${String(error)}` }
    }
  }
}

/** A token that passed the format checks. */
interface PresignedUrl {
  url: URL
  /** Lower-cased parameter name → value. */
  params: Map<string, string>
  accessKeyId: string
  /** `<date>/<region>/<service>/aws4_request`. */
  scope: string
  signedHeaders: string[]
  amzDate: string
}

/** aws-iam-authenticator's `Verify` up to the STS call; a string is the rejection reason. */
function parseToken(token: string, hosts: RegExp[], now: Date): PresignedUrl | string {
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) return 'token is too large'
  if (!token.startsWith(TOKEN_PREFIX)) return `token is missing expected "${TOKEN_PREFIX}" prefix`
  const encoded = token.slice(TOKEN_PREFIX.length)
  // Go's RawURLEncoding is strict; Node's decoder silently skips characters outside the alphabet.
  if (!/^[A-Za-z0-9_-]*$/.test(encoded) || encoded.length % 4 === 1) return 'illegal base64 data in token'
  let url: URL
  try {
    url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'))
  } catch {
    return 'token does not decode to a URL'
  }
  if (url.protocol !== 'https:') return `unexpected scheme "${url.protocol.replace(/:$/, '')}" in pre-signed URL`
  if (!hosts.some((host) => host.test(url.host))) return `unexpected hostname "${url.host}" in pre-signed URL`
  if (url.pathname !== '/') return `unexpected path "${url.pathname}" in pre-signed URL`

  const params = new Map<string, string>()
  for (const [key, value] of url.searchParams) {
    const lower = key.toLowerCase()
    if (!PARAMETER_WHITELIST.has(lower)) return `non-whitelisted query parameter "${key}"`
    if (params.has(lower)) return 'query parameter with multiple values not supported'
    params.set(lower, value)
  }
  if (params.get('action') !== 'GetCallerIdentity') return 'unexpected action parameter in pre-signed URL'
  const signedHeaders = (params.get('x-amz-signedheaders') ?? '').split(';')
  if (!signedHeaders.includes(CLUSTER_ID_HEADER)) {
    return `client did not sign the ${CLUSTER_ID_HEADER} header in the pre-signed URL`
  }
  const expires = params.get('x-amz-expires') ?? ''
  if (!/^\d+$/.test(expires) || Number(expires) > 900) return 'invalid X-Amz-Expires parameter in pre-signed URL'
  const amzDate = params.get('x-amz-date') ?? ''
  const date = parseAmzDate(amzDate)
  if (!date) return 'error parsing X-Amz-Date parameter'
  if (now.getTime() - date.getTime() > PRESIGNED_URL_EXPIRATION_MS) {
    return `X-Amz-Date parameter is expired (15 minute expiration) ${date.toISOString()}`
  }
  const [accessKeyId, ...scopeParts] = (params.get('x-amz-credential') ?? '').split('/')
  return { url, params, accessKeyId: accessKeyId ?? '', scope: scopeParts.join('/'), signedHeaders, amzDate }
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (!m) return undefined
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** STS's signature check, done here because moto skips it; undefined when the signature holds. */
function verifySignature(p: PresignedUrl, cluster: string, credentials: MotoSecret | undefined): string | undefined {
  const invalidToken = 'InvalidClientTokenId: The security token included in the request is invalid.'
  if (!credentials) return invalidToken
  if ((credentials.sessionToken ?? '') !== (p.params.get('x-amz-security-token') ?? '')) return invalidToken

  const [day, region, service, terminator] = p.scope.split('/')
  const mismatch =
    'SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.'
  if (!day || !region || service !== 'sts' || terminator !== 'aws4_request' || !p.amzDate.startsWith(day)) return mismatch
  // What the authenticator's replay sends: Host and x-k8s-aws-id only, so any other signed header fails.
  const headerValues: Record<string, string> = { host: p.url.host, [CLUSTER_ID_HEADER]: cluster }
  if (p.signedHeaders.some((name) => headerValues[name] === undefined)) return mismatch

  const query = [...p.url.searchParams]
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => [encodeRfc3986(key), encodeRfc3986(value)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? compare(av, bv) : compare(a, b)))
    .map(([key, value]) => `${key}=${value}`)
    .join('&')
  const canonicalHeaders = p.signedHeaders.map((name) => `${name}:${headerValues[name]!.trim()}\n`).join('')
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, day)
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part)
  const provided = Buffer.from(p.params.get('x-amz-signature') ?? '', 'utf8')
  const canonicalRequest = ['GET', '/', query, canonicalHeaders, p.signedHeaders.join(';'), EMPTY_PAYLOAD_HASH].join('\n')
  const stringToSign = ['AWS4-HMAC-SHA256', p.amzDate, p.scope, sha256Hex(canonicalRequest)].join('\n')
  const expected = Buffer.from(hmac(key, stringToSign).toString('hex'), 'utf8')
  return expected.length === provided.length && timingSafeEqual(expected, provided) ? undefined : mismatch
}

interface MotoSecret {
  secretAccessKey: string
  sessionToken?: string
}

/** The secret moto issued for `accessKeyId` (assumed-role sessions and IAM user keys). */
async function lookUpMotoSecret(stsUrl: string, accessKeyId: string, timeoutMs: number): Promise<MotoSecret | undefined> {
  const res = await fetch(`${stsUrl}/moto-api/data.json`, { signal: AbortSignal.timeout(timeoutMs) })
  if (!res.ok) throw new Error(`moto data.json: HTTP ${res.status}`)
  const data = (await res.json()) as {
    sts?: { AssumedRole?: { access_key_id: string; secret_access_key: string; session_token: string }[] }
    iam?: { AccessKey?: { access_key_id: string; secret_access_key: string; status: string }[] }
  }
  const session = data.sts?.AssumedRole?.find((r) => r.access_key_id === accessKeyId)
  if (session) return { secretAccessKey: session.secret_access_key, sessionToken: session.session_token }
  const key = data.iam?.AccessKey?.find((k) => k.access_key_id === accessKeyId && k.status === 'Active')
  return key ? { secretAccessKey: key.secret_access_key } : undefined
}

/** The authenticator's STS call: the presigned query, `x-k8s-aws-id: <cluster>`; see the file header. */
async function replayGetCallerIdentity(
  p: PresignedUrl,
  cluster: string,
  stsUrl: string,
  timeoutMs: number,
): Promise<AwsIdentity | string> {
  const headers: Record<string, string> = {
    [CLUSTER_ID_HEADER]: cluster,
    accept: 'application/json',
    // For moto only (routing and caller lookup): the token's own credential and signature, unverified there.
    authorization: `AWS4-HMAC-SHA256 Credential=${p.params.get('x-amz-credential') ?? ''}, SignedHeaders=${p.signedHeaders.join(';')}, Signature=${p.params.get('x-amz-signature') ?? ''}`,
    'x-amz-date': p.amzDate,
  }
  const sessionToken = p.params.get('x-amz-security-token')
  if (sessionToken) headers['x-amz-security-token'] = sessionToken
  const res = await fetch(`${stsUrl}/${p.url.search}`, { headers, signal: AbortSignal.timeout(timeoutMs) })
  const body = await res.text()
  if (res.status !== 200) return `error from AWS (expected 200, got ${res.status}). Body: ${body.slice(0, 300)}`
  const result = parseCallerIdentity(body)
  if (!result) return `unexpected GetCallerIdentity answer: ${body.slice(0, 300)}`
  const [principalId, sessionName, ...rest] = result.userId.split(':')
  if (rest.length > 0 || !principalId) return `malformed UserID "${result.userId}"`
  return {
    arn: result.arn,
    account: result.account,
    userId: result.userId,
    canonicalArn: canonicalizeArn(result.arn),
    principalId,
    ...(sessionName === undefined ? {} : { sessionName }),
    accessKeyId: p.accessKeyId,
  }
}

/** GetCallerIdentity's answer in JSON (real STS with Accept: application/json) or XML (moto). */
function parseCallerIdentity(body: string): { arn: string; account: string; userId: string } | undefined {
  if (body.trimStart().startsWith('{')) {
    const json = JSON.parse(body) as {
      GetCallerIdentityResponse?: { GetCallerIdentityResult?: { Arn?: string; Account?: string; UserId?: string } }
    }
    const r = json.GetCallerIdentityResponse?.GetCallerIdentityResult
    return r?.Arn && r.Account && r.UserId ? { arn: r.Arn, account: r.Account, userId: r.UserId } : undefined
  }
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1]
  const [arn, account, userId] = [field('Arn'), field('Account'), field('UserId')]
  return arn && account && userId ? { arn, account, userId } : undefined
}

/** aws-iam-authenticator's `arn.Canonicalize`: an assumed-role session becomes its role (path unknown). */
export function canonicalizeArn(arn: string): string {
  const m = /^arn:([^:]+):sts::(\d+):assumed-role\/([^/]+)\/.+$/.exec(arn)
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : arn
}

function buildUser(identity: AwsIdentity, mapped: MappedUser): AuthenticatedUser {
  const render = (template: string) =>
    template
      .replaceAll('{{AccountID}}', identity.account)
      .replaceAll('{{SessionNameRaw}}', identity.sessionName ?? '')
      // The authenticator sanitises SessionName ('@' is not allowed in a username template result).
      .replaceAll('{{SessionName}}', (identity.sessionName ?? '').replaceAll('@', '-'))
      .replaceAll('{{AccessKeyID}}', identity.accessKeyId)
  const groups = [...new Set([...mapped.groups.map(render), 'system:authenticated'])]
  return {
    username: render(mapped.username),
    uid: `aws-iam-authenticator:${identity.account}:${identity.principalId}`,
    groups,
    extra: {
      accessKeyId: [identity.accessKeyId],
      arn: [identity.arn],
      canonicalArn: [identity.canonicalArn],
      principalId: [identity.principalId],
      sessionName: [identity.sessionName ?? ''],
      'sigs.k8s.io/aws-iam-authenticator/principalId': [identity.principalId],
      ...mapped.extra,
    },
  }
}

/** An access entry as the fake EKS keeps it (structurally `FakeAccessEntry`). */
export interface AccessEntryLike {
  principalArn: string
  kubernetesGroups?: string[]
  username?: string
  type?: string
}

/**
 * A mapping that answers like EKS access entries: a role session matches the STANDARD entry of its
 * role (same account and role name; STS drops the path), an IAM user its own ARN. Default usernames
 * are EKS's (formats.md §8): `arn:aws:sts::<acct>:assumed-role/<role>/{{SessionName}}` or the user ARN.
 */
export function mapAccessEntries(entries: readonly AccessEntryLike[]): (identity: AwsIdentity) => MappedUser | undefined {
  return (identity) => {
    const entry = findAccessEntry(entries, identity.arn)
    if (!entry) return undefined
    const role = /^arn:([^:]+):sts::(\d+):assumed-role\/([^/]+)\//.exec(identity.arn)
    const username = entry.username ?? (role ? `arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/{{SessionName}}` : identity.arn)
    return { username, groups: entry.kubernetesGroups ?? [] }
  }
}

/** The STANDARD access entry that covers a caller ARN (assumed-role session or IAM user). */
export function findAccessEntry<T extends AccessEntryLike>(entries: readonly T[], callerArn: string): T | undefined {
  const role = /^arn:([^:]+):sts::(\d+):assumed-role\/([^/]+)\//.exec(callerArn)
  return entries.find((entry) => {
    if ((entry.type ?? 'STANDARD') !== 'STANDARD') return false
    if (!role) return entry.principalArn === callerArn
    const m = /^arn:([^:]+):iam::(\d+):role\/(?:.*\/)?([^/]+)$/.exec(entry.principalArn)
    return m !== null && m[1] === role[1] && m[2] === role[2] && m[3] === role[3]
  })
}

/** An access entry with its associated policies (structurally `FakeAccessEntry`). */
export interface AccessEntryWithPolicies extends AccessEntryLike {
  policies?: { policyArn: string; accessScope: { type: 'cluster' | 'namespace'; namespaces?: string[] } }[]
}

// What the managed policies grant, approximately (the real ones are ClusterRole-like rule lists):
// admin and edit and view cover namespaced resources only; cluster admin and admin-view also
// cluster-scoped ones (nodes, namespaces).
const POLICY_GRANTS: Record<string, { verbs: string[]; clusterScoped: boolean; nonResource: boolean }> = {
  AmazonEKSClusterAdminPolicy: { verbs: ['*'], clusterScoped: true, nonResource: true },
  AmazonEKSAdminPolicy: { verbs: ['*'], clusterScoped: false, nonResource: false },
  AmazonEKSEditPolicy: { verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], clusterScoped: false, nonResource: false },
  AmazonEKSViewPolicy: { verbs: ['get', 'list', 'watch'], clusterScoped: false, nonResource: false },
  AmazonEKSAdminViewPolicy: { verbs: ['get', 'list', 'watch'], clusterScoped: true, nonResource: false },
}

/**
 * An authorizer from the access policies of the caller's access entry (found by the `arn` extra),
 * honouring the access scope. The allow reason follows what EKS audit logs show [unverified].
 */
export function authorizeAccessPolicies(entries: readonly AccessEntryWithPolicies[]): Authorize {
  return (user, a) => {
    const entry = findAccessEntry(entries, user.extra.arn?.[0] ?? '')
    for (const policy of entry?.policies ?? []) {
      const grant = POLICY_GRANTS[policy.policyArn.split('/').pop() ?? '']
      if (!grant || !(grant.verbs.includes('*') || grant.verbs.includes(a.verb))) continue
      if (a.resource === undefined ? !grant.nonResource : !a.namespace && !grant.clusterScoped) continue
      if (policy.accessScope.type === 'namespace' && !(a.namespace && policy.accessScope.namespaces?.includes(a.namespace))) continue
      const binding = `${entry!.principalArn}+${policy.policyArn}`
      return {
        allowed: true,
        reason: `EKS Access Policy: allowed by ClusterRoleBinding ${JSON.stringify(binding)} of ClusterRole ${JSON.stringify(policy.policyArn)} to User ${JSON.stringify(user.username)}`,
      }
    }
    return { allowed: false }
  }
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex')
}

function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
