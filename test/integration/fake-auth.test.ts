/**
 * The fake EKS authentication and authorisation, proved against real moto_server, the real
 * @aws-sdk/client-eks and the real kubectl: tokens for roles assumed in moto (under an SSO-style
 * path) are verified as aws-iam-authenticator and STS would, mapped through the fake EKS's access
 * entries, and authorised by RBAC-like rules, with the apiserver's exact 401/403 bodies.
 * It also keeps honest the moto 5.2.1 behaviours that test/helpers/eks-authenticator.ts relies on.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DescribeAccessEntryCommand,
  EKSClient,
  InvalidRequestException,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eks'
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam'
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allowRules, clusterAdmin, startApiServer, type ApiServer, type ApiServerAuth } from '../helpers/api-server.js'
import { authorizeAccessPolicies, createEksAuthenticator, mapAccessEntries, UNMAPPED, type AwsIdentity } from '../helpers/eks-authenticator.js'
import { buildTestToken, decodeTestToken, encodeTestToken, presignTestUrl, type TestCredentials } from '../helpers/eks-token.js'
import { startFakeEks, type FakeAccessEntry, type FakeCluster, type FakeEks } from '../helpers/fake-eks.js'
import { MOTO_ACCESS_KEY_ID, MOTO_SECRET_ACCESS_KEY, startMoto, type Moto } from '../helpers/moto.js'
import { createCa, createTempDir, issueServerCert, removeTempDir, type Ca, type KeyPair } from '../helpers/pki.js'

const REGION = 'eu-west-1'
const CLUSTER = 'payments-prod'
const LEGACY_CLUSTER = 'legacy-configmap'
const ROLE_PATH = '/aws-reserved/sso.amazonaws.com/eu-west-1/'
const DEV_ROLE = 'AWSReservedSSO_Developer_0123456789abcdef'
const OPS_ROLE = 'AWSReservedSSO_ReadOnly_fedcba9876543210'
const STRANGER_ROLE = 'AWSReservedSSO_Stranger_00aa11bb22cc33dd'
const SESSION = 'alice@example.com'
const ENDPOINT_HOST = 'ABCDEF0123456789ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com'
const VIEW_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'
const ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'
const WAIT_MS = 5_000
const KUBECTL_TIMEOUT_MS = 20_000
const FAKE_CREDENTIALS = { accessKeyId: 'AKIDFAKEEKS000000000', secretAccessKey: 'fakeEksSecretKeyForLoopbackOnly' }

interface HttpResult {
  status: number
  contentType: string
  body: string
  json?: any
}

interface Principal {
  roleArn: string
  credentials: TestCredentials
  token: string
}

let moto: Moto | undefined
let eks: FakeEks | undefined
let api: ApiServer | undefined
let pkiDir: string | undefined
let workDir: string | undefined
let ca: Ca
let leaf: KeyPair
let dev: Principal
let ops: Principal
let stranger: Principal
let accountId: string
let entries: FakeAccessEntry[]
let authenticate: ApiServerAuth['authenticate']

beforeAll(async () => {
  pkiDir = createTempDir()
  workDir = mkdtempSync(join(tmpdir(), 'eksdoctor-fake-auth-'))
  ca = createCa(pkiDir)
  leaf = issueServerCert(ca, { commonName: 'kube-apiserver', dnsNames: [ENDPOINT_HOST], ipAddresses: ['127.0.0.1'] })
  moto = await startMoto()

  const base = { region: REGION, endpoint: moto.url, credentials: { accessKeyId: MOTO_ACCESS_KEY_ID, secretAccessKey: MOTO_SECRET_ACCESS_KEY } }
  const iam = new IAMClient(base)
  const sts = new STSClient(base)
  const assume = async (roleName: string): Promise<Principal> => {
    const role = await iam.send(
      new CreateRoleCommand({ RoleName: roleName, Path: ROLE_PATH, AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' }),
    )
    const session = await sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: SESSION }))
    const credentials = {
      accessKeyId: session.Credentials!.AccessKeyId!,
      secretAccessKey: session.Credentials!.SecretAccessKey!,
      sessionToken: session.Credentials!.SessionToken!,
    }
    return { roleArn: role.Role!.Arn!, credentials, token: await buildTestToken({ cluster: CLUSTER, region: REGION, credentials }) }
  }
  ;[dev, ops, stranger] = await Promise.all([assume(DEV_ROLE), assume(OPS_ROLE), assume(STRANGER_ROLE)])
  accountId = dev.roleArn.split(':')[4]!

  entries = [
    { principalArn: dev.roleArn, kubernetesGroups: ['developers'], policies: [{ policyArn: VIEW_POLICY, accessScope: { type: 'namespace', namespaces: ['default'] } }] },
    { principalArn: ops.roleArn },
    { principalArn: `arn:aws:iam::${accountId}:role/platform-admin`, policies: [{ policyArn: ADMIN_POLICY, accessScope: { type: 'cluster' } }] },
  ]
  const clusters: FakeCluster[] = [
    { name: CLUSTER, endpoint: `https://${ENDPOINT_HOST}`, caPem: ca.certPem, accessEntries: entries },
    { name: LEGACY_CLUSTER, endpoint: `https://${ENDPOINT_HOST}`, caPem: ca.certPem, authenticationMode: 'CONFIG_MAP' },
  ]
  eks = await startFakeEks(clusters)

  authenticate = createEksAuthenticator({ cluster: CLUSTER, stsUrl: moto.url, region: REGION, mapping: mapAccessEntries(entries) })
  api = await startApiServer({
    cert: leaf.certPem,
    key: leaf.keyPem,
    auth: {
      authenticate,
      // Developers may read pods in `default` only; the read-only role's entry has no policy.
      authorize: allowRules([{ name: 'developers-view', groups: ['developers'], verbs: ['get', 'list', 'watch'], resources: ['pods'], namespaces: ['default'] }]),
    },
  })
}, 60_000)

afterAll(async () => {
  await Promise.all([api?.close(), eks?.close()])
  await moto?.stop()
  if (pkiDir) removeTempDir(pkiDir)
  if (workDir) rmSync(workDir, { recursive: true, force: true })
}, 15_000)

function callApi(
  server: ApiServer,
  path: string,
  o: { token?: string; method?: string; body?: object | Buffer; contentType?: string; accept?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.isBuffer(o.body) ? o.body : o.body ? JSON.stringify(o.body) : undefined
    const req = httpsRequest({
      host: '127.0.0.1',
      port: server.port,
      path,
      method: o.method ?? (payload ? 'POST' : 'GET'),
      ca: ca.certPem,
      servername: ENDPOINT_HOST,
      agent: false,
      timeout: WAIT_MS,
      headers: {
        accept: o.accept ?? 'application/json',
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        ...(payload ? { 'content-type': o.contentType ?? 'application/json' } : {}),
      },
    })
    req.once('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.once('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const contentType = String(res.headers['content-type'] ?? '')
        resolve({ status: res.statusCode ?? 0, contentType, body, json: contentType.startsWith('application/json') ? JSON.parse(body) : undefined })
      })
      res.once('error', reject)
    })
    req.once('timeout', () => req.destroy(new Error(`request to ${path} timed out`)))
    req.once('error', reject)
    req.end(payload)
  })
}

/** A raw request to moto, with a Host header fetch() would not let us set. */
function callMoto(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: moto!.port, path, headers, timeout: WAIT_MS }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.once('timeout', () => req.destroy(new Error(`moto ${path} timed out`)))
    req.once('error', reject)
    req.end()
  })
}

const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }

function sessionArn(role: string): string {
  return `arn:aws:sts::${accountId}:assumed-role/${role}/${SESSION}`
}

function ssar(resourceAttributes: Record<string, string>) {
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } }
}

describe('moto 5.2.1 and a presigned GetCallerIdentity (what eks-authenticator.ts works around)', () => {
  it('routes a query-authenticated GET to S3, whatever the Host, and never reads X-Amz-Credential', async () => {
    const url = new URL(decodeTestToken(dev.token))
    for (const host of [url.host, `127.0.0.1:${moto!.port}`]) {
      const answer = await callMoto(`/${url.search}`, { host, 'x-k8s-aws-id': CLUSTER })
      expect(answer.status).toBe(200)
      expect(answer.body).toContain('<ListAllMyBucketsResult')
      expect(answer.body).not.toContain('GetCallerIdentity')
    }
  })

  it('identifies the caller from the Authorization header and never checks the signature', async () => {
    const wrongSecret = new STSClient({
      region: REGION,
      endpoint: moto!.url,
      credentials: { ...dev.credentials, secretAccessKey: 'not-the-secret' },
    })
    const identity = await wrongSecret.send(new GetCallerIdentityCommand({}))
    // The role path is dropped from the session ARN, as in AWS.
    expect(identity.Arn).toBe(sessionArn(DEV_ROLE))
    expect(identity.UserId).toMatch(new RegExp(`^AROA[A-Z0-9]+:${SESSION}$`))
    expect(dev.roleArn).toBe(`arn:aws:iam::${accountId}:role${ROLE_PATH}${DEV_ROLE}`)
  })

  it('answers keys it did not issue as the default user, in XML even when JSON is asked for', async () => {
    const answer = await callMoto('/?Action=GetCallerIdentity&Version=2011-06-15', {
      accept: 'application/json',
      authorization: `AWS4-HMAC-SHA256 Credential=${MOTO_ACCESS_KEY_ID}/20260101/${REGION}/sts/aws4_request, SignedHeaders=host, Signature=00`,
    })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatch(/^<GetCallerIdentityResponse/)
    expect(answer.body).toContain('<Arn>arn:aws:sts::123456789012:user/moto</Arn>')
  })
})

describe('the EKS authenticator', () => {
  it('maps a token for an assumed SSO role to its access entry, with aws-iam-authenticator uid and extra', async () => {
    const result = await authenticate(dev.token)
    expect(result).toEqual({
      ok: true,
      user: {
        // EKS's default username for a role entry: the session ARN, {{SessionName}} sanitised.
        username: `arn:aws:sts::${accountId}:assumed-role/${DEV_ROLE}/alice-example.com`,
        uid: expect.stringMatching(new RegExp(`^aws-iam-authenticator:${accountId}:AROA[A-Z0-9]+$`)),
        groups: ['developers', 'system:authenticated'],
        extra: expect.objectContaining({
          arn: [sessionArn(DEV_ROLE)],
          canonicalArn: [`arn:aws:iam::${accountId}:role/${DEV_ROLE}`],
          sessionName: [SESSION],
          accessKeyId: [dev.credentials.accessKeyId],
        }),
      },
    })
  })

  it('hands the mapping what STS said', async () => {
    const seen: AwsIdentity[] = []
    const verify = createEksAuthenticator({ cluster: CLUSTER, stsUrl: moto!.url, mapping: (identity) => void seen.push(identity) })
    expect(await verify(stranger.token)).toEqual({ ok: false, reason: UNMAPPED })
    expect(seen).toEqual([
      {
        arn: sessionArn(STRANGER_ROLE),
        account: accountId,
        userId: expect.stringMatching(/^AROA[A-Z0-9]+:alice@example\.com$/),
        canonicalArn: `arn:aws:iam::${accountId}:role/${STRANGER_ROLE}`,
        principalId: expect.stringMatching(/^AROA[A-Z0-9]+$/),
        sessionName: SESSION,
        accessKeyId: stranger.credentials.accessKeyId,
      },
    ])
  })

  it('accepts an IAM user access key moto issued', async () => {
    const iam = new IAMClient({ region: REGION, endpoint: moto!.url, credentials: { accessKeyId: MOTO_ACCESS_KEY_ID, secretAccessKey: MOTO_SECRET_ACCESS_KEY } })
    await iam.send(new CreateUserCommand({ UserName: 'carol', Path: '/humans/' }))
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey!
    const token = await buildTestToken({ cluster: CLUSTER, region: REGION, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } })
    const userArn = `arn:aws:iam::${accountId}:user/humans/carol`
    const verify = createEksAuthenticator({ cluster: CLUSTER, stsUrl: moto!.url, mapping: mapAccessEntries([{ principalArn: userArn }]) })
    expect(await verify(token)).toMatchObject({ ok: true, user: { username: userArn, groups: ['system:authenticated'] } })
  })

  it('rejects what aws-iam-authenticator rejects, before asking STS', async () => {
    const url = new URL(decodeTestToken(dev.token))
    const variant = (edit: (u: URL) => void) => {
      const copy = new URL(url)
      edit(copy)
      return encodeTestToken(copy.toString())
    }
    const cases: [string, string][] = [
      [dev.token.replace('k8s-aws-v1.', 'k8s-aws-v2.'), 'token is missing expected "k8s-aws-v1." prefix'],
      [`${dev.token}=`, 'illegal base64 data in token'],
      [`k8s-aws-v1.${'x'.repeat(4100)}`, 'token is too large'],
      [encodeTestToken(url.toString().replace('https:', 'http:')), 'unexpected scheme "http" in pre-signed URL'],
      [variant((u) => (u.host = 'sts.example.com')), 'unexpected hostname "sts.example.com" in pre-signed URL'],
      [variant((u) => (u.host = `127.0.0.1:${moto!.port}`)), `unexpected hostname "127.0.0.1:${moto!.port}" in pre-signed URL`],
      [variant((u) => (u.pathname = '/other')), 'unexpected path "/other" in pre-signed URL'],
      [variant((u) => u.searchParams.append('x-k8s-aws-id', CLUSTER)), 'non-whitelisted query parameter "x-k8s-aws-id"'],
      [variant((u) => u.searchParams.append('Version', '2011-06-15')), 'query parameter with multiple values not supported'],
      [variant((u) => u.searchParams.set('Action', 'AssumeRole')), 'unexpected action parameter in pre-signed URL'],
      [variant((u) => u.searchParams.set('X-Amz-SignedHeaders', 'host')), 'client did not sign the x-k8s-aws-id header in the pre-signed URL'],
      [variant((u) => u.searchParams.set('X-Amz-Expires', '901')), 'invalid X-Amz-Expires parameter in pre-signed URL'],
      [variant((u) => u.searchParams.set('X-Amz-Date', 'yesterday')), 'error parsing X-Amz-Date parameter'],
    ]
    for (const [token, reason] of cases) expect(await authenticate(token), reason).toEqual({ ok: false, reason })
  })

  it('rejects an X-Amz-Date older than 15 minutes, and accepts one just inside', async () => {
    const signed = (minutesAgo: number) =>
      buildTestToken({ cluster: CLUSTER, region: REGION, credentials: dev.credentials, now: new Date(Date.now() - minutesAgo * 60_000) })
    expect(await authenticate(await signed(16))).toMatchObject({ ok: false, reason: expect.stringMatching(/^X-Amz-Date parameter is expired \(15 minute expiration\)/) })
    expect(await authenticate(await signed(14))).toMatchObject({ ok: true })
  })

  it('accepts the global STS host and refuses the other partition when the region is set', async () => {
    const global = await buildTestToken({ cluster: CLUSTER, region: 'us-east-1', credentials: dev.credentials, host: 'sts.amazonaws.com' })
    expect(await authenticate(global)).toMatchObject({ ok: true })
    const china = await buildTestToken({ cluster: CLUSTER, region: 'cn-north-1', credentials: dev.credentials })
    expect(await authenticate(china)).toEqual({ ok: false, reason: 'unexpected hostname "sts.cn-north-1.amazonaws.com.cn" in pre-signed URL' })
  })

  it('fails a token signed for another cluster, tampered with, or made with keys STS does not know', async () => {
    const mismatch = { ok: false, reason: expect.stringMatching(/^SignatureDoesNotMatch/) }
    const invalidKey = { ok: false, reason: expect.stringMatching(/^InvalidClientTokenId/) }
    const otherCluster = await buildTestToken({ cluster: 'payments-staging', region: REGION, credentials: dev.credentials })
    expect(await authenticate(otherCluster)).toEqual(mismatch)

    const url = new URL(decodeTestToken(dev.token))
    const signature = url.searchParams.get('X-Amz-Signature')!
    const tampered = new URL(url)
    tampered.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`)
    expect(await authenticate(encodeTestToken(tampered.toString()))).toEqual(mismatch)
    // Claiming another principal's access key with one's own signature.
    const stolen = new URL(url)
    stolen.searchParams.set('X-Amz-Credential', url.searchParams.get('X-Amz-Credential')!.replace(dev.credentials.accessKeyId, ops.credentials.accessKeyId))
    expect(await authenticate(encodeTestToken(stolen.toString()))).toEqual(invalidKey)
    const wrongSecret = await buildTestToken({ cluster: CLUSTER, region: REGION, credentials: { ...dev.credentials, secretAccessKey: 'guessed' } })
    expect(await authenticate(wrongSecret)).toEqual(mismatch)
    const unknownKey = await buildTestToken({ cluster: CLUSTER, region: REGION, credentials: { accessKeyId: MOTO_ACCESS_KEY_ID, secretAccessKey: MOTO_SECRET_ACCESS_KEY } })
    expect(await authenticate(unknownKey)).toEqual(invalidKey)
  })

  it('verifies static keys given as knownCredentials; moto names their caller its default user', async () => {
    const staticCredentials = { accessKeyId: MOTO_ACCESS_KEY_ID, secretAccessKey: MOTO_SECRET_ACCESS_KEY }
    const verify = createEksAuthenticator({
      cluster: CLUSTER,
      stsUrl: moto!.url,
      knownCredentials: [staticCredentials],
      mapping: (i) => ({ username: i.arn, groups: [] }),
    })
    const token = await buildTestToken({ cluster: CLUSTER, region: REGION, credentials: staticCredentials })
    expect(await verify(token)).toMatchObject({ ok: true, user: { username: 'arn:aws:sts::123456789012:user/moto' } })
    const forged = await buildTestToken({ cluster: CLUSTER, region: REGION, credentials: { ...staticCredentials, secretAccessKey: 'forged' } })
    expect(await verify(forged)).toMatchObject({ ok: false, reason: expect.stringMatching(/^SignatureDoesNotMatch/) })
  })

  it('without signature verification, identifies static keys as moto default user and cannot enforce the cluster', async () => {
    const lax = createEksAuthenticator({ cluster: CLUSTER, stsUrl: moto!.url, verifySignature: false, mapping: (i) => ({ username: i.arn, groups: [] }) })
    const staticKey = await buildTestToken({ cluster: CLUSTER, region: REGION, credentials: { accessKeyId: MOTO_ACCESS_KEY_ID, secretAccessKey: MOTO_SECRET_ACCESS_KEY } })
    expect(await lax(staticKey)).toMatchObject({ ok: true, user: { username: 'arn:aws:sts::123456789012:user/moto' } })
    const otherCluster = await buildTestToken({ cluster: 'payments-staging', region: REGION, credentials: dev.credentials })
    expect(await lax(otherCluster)).toMatchObject({ ok: true, user: { username: sessionArn(DEV_ROLE) } })
  })

  it('accepts the token the real aws CLI generates (signed offline by botocore)', async (ctx) => {
    const run = await runTool('aws', ['eks', 'get-token', '--cluster-name', CLUSTER, '--region', REGION, '--output', 'json'], {
      AWS_ACCESS_KEY_ID: dev.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: dev.credentials.secretAccessKey,
      AWS_SESSION_TOKEN: dev.credentials.sessionToken!,
      AWS_CONFIG_FILE: join(workDir!, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(workDir!, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      HOME: workDir!,
      // get-token signs offline; a proxy that refuses everything makes sure nothing leaves the host.
      HTTPS_PROXY: 'http://127.0.0.1:9',
      HTTP_PROXY: 'http://127.0.0.1:9',
    })
    if (run.missing) return ctx.skip('aws CLI not installed')
    expect(run.code, run.stderr).toBe(0)
    const token = JSON.parse(run.stdout).status.token as string
    expect(decodeTestToken(token)).toMatch(/^https:\/\/sts\.eu-west-1\.amazonaws\.com\/\?Action=GetCallerIdentity&Version=2011-06-15&/)
    expect(await authenticate(token)).toMatchObject({ ok: true, user: { groups: ['developers', 'system:authenticated'] } })
  })

  it('builds the URL formats.md §5 documents', async () => {
    const url = new URL(await presignTestUrl({ cluster: CLUSTER, region: REGION, credentials: dev.credentials, now: new Date('2026-11-29T02:47:34Z') }))
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com')
    expect([...url.searchParams.keys()].sort()).toEqual(
      ['Action', 'Version', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-Security-Token', 'X-Amz-Signature', 'X-Amz-SignedHeaders'].sort(),
    )
    expect(url.searchParams.get('X-Amz-Credential')).toBe(`${dev.credentials.accessKeyId}/20261129/eu-west-1/sts/aws4_request`)
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261129T024734Z')
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60')
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id')
    expect(dev.token).not.toMatch(/=$/)
  })
})

describe('the API server with EKS auth', () => {
  it('serves the public health and version paths anonymously, and nothing else', async () => {
    for (const path of ['/readyz', '/livez', '/healthz']) expect(await callApi(api!, path)).toMatchObject({ status: 200, body: 'ok' })
    expect((await callApi(api!, '/version')).json).toMatchObject({ major: '1', gitVersion: expect.stringMatching(/-eks-/) })
    for (const path of ['/api', '/apis', '/api/v1/namespaces/default/pods', '/metrics']) {
      const answer = await callApi(api!, path)
      expect(answer.status, path).toBe(401)
      expect(answer.json).toEqual(UNAUTHORIZED)
    }
    expect(api!.requests.find((r) => r.path === '/livez')?.username).toBe('system:anonymous')
  })

  it('returns the mapped user from SelfSubjectReview v1 and v1beta1', async () => {
    for (const version of ['v1', 'v1beta1']) {
      const answer = await callApi(api!, `/apis/authentication.k8s.io/${version}/selfsubjectreviews`, {
        token: dev.token,
        body: { apiVersion: `authentication.k8s.io/${version}`, kind: 'SelfSubjectReview' },
      })
      expect(answer.status).toBe(201)
      expect(answer.json).toMatchObject({
        kind: 'SelfSubjectReview',
        apiVersion: `authentication.k8s.io/${version}`,
        status: { userInfo: { username: `arn:aws:sts::${accountId}:assumed-role/${DEV_ROLE}/alice-example.com`, groups: ['developers', 'system:authenticated'] } },
      })
    }
  })

  it('answers 401 for an unmapped principal, another cluster, an expired or a tampered token, even on /readyz', async () => {
    const otherCluster = await buildTestToken({ cluster: 'payments-staging', region: REGION, credentials: dev.credentials })
    const expired = await buildTestToken({ cluster: CLUSTER, region: REGION, credentials: dev.credentials, now: new Date(Date.now() - 20 * 60_000) })
    const tampered = `${dev.token.slice(0, -3)}${dev.token.endsWith('AAA') ? 'BBB' : 'AAA'}`
    for (const token of [stranger.token, otherCluster, expired, tampered, 'not-a-token']) {
      for (const path of ['/apis/authentication.k8s.io/v1/selfsubjectreviews', '/readyz']) {
        const answer = await callApi(api!, path, { token, ...(path === '/readyz' ? {} : { body: { kind: 'SelfSubjectReview' } }) })
        expect(answer.status).toBe(401)
        expect(answer.json).toEqual(UNAUTHORIZED)
      }
    }
  })

  it('answers SelfSubjectAccessReview from the rules', async () => {
    const review = async (token: string, attributes: Record<string, string>) =>
      (await callApi(api!, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { token, body: ssar(attributes) })).json
    expect(await review(dev.token, { namespace: 'default', verb: 'list', resource: 'pods' })).toMatchObject({
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      spec: { resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } },
      status: { allowed: true, reason: 'RBAC: allowed by RoleBinding "developers-view/default" of Role "developers-view" to Group "developers"' },
    })
    expect((await review(dev.token, { namespace: 'kube-system', verb: 'list', resource: 'pods' })).status).toEqual({ allowed: false })
    expect((await review(dev.token, { verb: 'list', resource: 'nodes' })).status).toEqual({ allowed: false })
    expect((await review(dev.token, { namespace: 'default', verb: 'delete', resource: 'pods' })).status).toEqual({ allowed: false })
    expect((await review(ops.token, { namespace: 'default', verb: 'list', resource: 'pods' })).status).toEqual({ allowed: false })
    const invalid = await callApi(api!, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { token: dev.token, body: { spec: {} } })
    expect(invalid).toMatchObject({ status: 422, json: { reason: 'Invalid', code: 422 } })
  })

  it('reads a SelfSubjectAccessReview sent as protobuf, as kubectl 1.33 sends it', async () => {
    const field = (n: number, value: Buffer | string) => {
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value)
      return Buffer.concat([Buffer.from([(n << 3) | 2, bytes.length]), bytes])
    }
    const attributes = Buffer.concat([field(1, 'default'), field(2, 'list'), field(4, 'v1'), field(5, 'pods')])
    const review = Buffer.concat([field(1, Buffer.alloc(0)), field(2, field(1, attributes))])
    const typeMeta = Buffer.concat([field(1, 'authorization.k8s.io/v1'), field(2, 'SelfSubjectAccessReview')])
    const body = Buffer.concat([Buffer.from('k8s\0'), field(1, typeMeta), field(2, review)])
    const answer = await callApi(api!, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      token: dev.token,
      body,
      contentType: 'application/vnd.kubernetes.protobuf',
      accept: 'application/vnd.kubernetes.protobuf,application/json',
    })
    expect(answer).toMatchObject({ status: 201, json: { spec: { resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods', version: 'v1' } }, status: { allowed: true } } })
  })

  it('lists pods, nodes and namespaces when allowed and answers the exact 403 otherwise', async () => {
    const pods = await callApi(api!, '/api/v1/namespaces/default/pods?limit=500', { token: dev.token })
    expect(pods).toMatchObject({ status: 200, json: { kind: 'PodList', apiVersion: 'v1', items: [] } })

    const denied = await callApi(api!, '/api/v1/namespaces/default/pods', { token: ops.token })
    expect(denied.status).toBe(403)
    expect(denied.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `pods is forbidden: User "arn:aws:sts::${accountId}:assumed-role/${OPS_ROLE}/alice-example.com" cannot list resource "pods" in API group "" in the namespace "default"`,
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    })
    const nodes = await callApi(api!, '/api/v1/nodes', { token: dev.token })
    expect(nodes.status).toBe(403)
    expect(nodes.json).toMatchObject({
      message: `nodes is forbidden: User "arn:aws:sts::${accountId}:assumed-role/${DEV_ROLE}/alice-example.com" cannot list resource "nodes" in API group "" at the cluster scope`,
      details: { kind: 'nodes' },
    })
    const path = await callApi(api!, '/metrics', { token: dev.token })
    expect(path.json).toMatchObject({
      message: `forbidden: User "arn:aws:sts::${accountId}:assumed-role/${DEV_ROLE}/alice-example.com" cannot get path "/metrics"`,
      details: {},
      code: 403,
    })
  })

  it('authorises from the access policies of the fake EKS entries, by scope', async () => {
    const byPolicy = await startApiServer({ cert: leaf.certPem, key: leaf.keyPem, auth: { authenticate, authorize: authorizeAccessPolicies(entries) } })
    try {
      const allowed = await callApi(byPolicy, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        token: dev.token,
        body: ssar({ namespace: 'default', verb: 'list', resource: 'pods' }),
      })
      expect(allowed.json.status).toEqual({
        allowed: true,
        reason: `EKS Access Policy: allowed by ClusterRoleBinding "${dev.roleArn}+${VIEW_POLICY}" of ClusterRole "${VIEW_POLICY}" to User "arn:aws:sts::${accountId}:assumed-role/${DEV_ROLE}/alice-example.com"`,
      })
      expect((await callApi(byPolicy, '/api/v1/namespaces/default/pods', { token: dev.token })).status).toBe(200)
      expect((await callApi(byPolicy, '/api/v1/namespaces/kube-system/pods', { token: dev.token })).status).toBe(403)
      expect((await callApi(byPolicy, '/api/v1/nodes', { token: dev.token })).status).toBe(403)
      // An entry without a policy: authenticated (whoami works), authorised for nothing.
      expect((await callApi(byPolicy, '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token: ops.token, body: {} })).status).toBe(201)
      expect((await callApi(byPolicy, '/api/v1/namespaces/default/pods', { token: ops.token })).status).toBe(403)
    } finally {
      await byPolicy.close()
    }
  })

  it('lists everything for a cluster admin, as a Table when asked', async () => {
    const admin = await startApiServer({ cert: leaf.certPem, key: leaf.keyPem, auth: { authenticate, authorize: clusterAdmin } })
    try {
      for (const [path, kind] of [['/api/v1/nodes', 'NodeList'], ['/api/v1/namespaces', 'NamespaceList'], ['/api/v1/pods', 'PodList']] as const) {
        expect((await callApi(admin, path, { token: ops.token })).json).toMatchObject({ kind, items: [] })
      }
      const table = await callApi(admin, '/api/v1/nodes', { token: ops.token, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' })
      expect(table.json).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', rows: [] })
      const review = await callApi(admin, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        token: ops.token,
        body: { spec: { nonResourceAttributes: { path: '/metrics', verb: 'get' } } },
      })
      expect(review.json.status).toEqual({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:authenticated"' })
    } finally {
      await admin.close()
    }
  })
})

describe('real kubectl against the fake', () => {
  const kubeconfig = (name: string, token: string, server: ApiServer = api!): string => {
    const path = join(workDir!, `${name}.kubeconfig`)
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: CLUSTER, cluster: { server: server.url, 'certificate-authority-data': Buffer.from(ca.certPem).toString('base64') } }],
        users: [{ name, user: { token } }],
        contexts: [{ name, context: { cluster: CLUSTER, user: name } }],
        'current-context': name,
      }),
    )
    return path
  }
  const kubectl = (config: string, args: string[]) =>
    runTool('kubectl', ['--kubeconfig', config, '--cache-dir', join(workDir!, 'kube-cache'), '--request-timeout', '10s', ...args], {
      HOME: workDir!,
    })

  it('reads /readyz, answers whoami and lists pods in default', async (ctx) => {
    const config = kubeconfig('developer', dev.token)
    const readyz = await kubectl(config, ['get', '--raw=/readyz'])
    if (readyz.missing) return ctx.skip('kubectl not installed')
    expect(readyz).toMatchObject({ code: 0, stdout: 'ok' })

    const whoami = await kubectl(config, ['auth', 'whoami', '-o', 'json'])
    expect(whoami.code, whoami.stderr).toBe(0)
    expect(JSON.parse(whoami.stdout)).toMatchObject({
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      status: { userInfo: { username: `arn:aws:sts::${accountId}:assumed-role/${DEV_ROLE}/alice-example.com`, groups: ['developers', 'system:authenticated'] } },
    })

    const pods = await kubectl(config, ['get', 'pods', '-n', 'default'])
    expect(pods.code, pods.stderr).toBe(0)
    expect(pods.stdout).toBe('')
    expect(pods.stderr.trim()).toBe('No resources found in default namespace.')

    const canI = await kubectl(config, ['auth', 'can-i', 'list', 'nodes'])
    expect(canI).toMatchObject({ code: 1, stdout: 'no\n' })
  })

  it('answers can-i from a newer kubectl (the gcloud dispatcher picks the client by /version)', async (ctx) => {
    // kubectl 1.33 sends the review as protobuf; with Google's kubectl-dispatcher, the server's minor picks the client.
    const newer = await startApiServer({
      cert: leaf.certPem,
      key: leaf.keyPem,
      version: { minor: '33', gitVersion: 'v1.33.1-eks-1fbb135' },
      auth: { authenticate, authorize: allowRules([{ groups: ['developers'], verbs: ['list'], resources: ['pods'], namespaces: ['default'] }]) },
    })
    try {
      const config = kubeconfig('developer-133', dev.token, newer)
      const yes = await kubectl(config, ['auth', 'can-i', 'list', 'pods', '-n', 'default'])
      if (yes.missing) return ctx.skip('kubectl not installed')
      expect(yes).toMatchObject({ code: 0, stdout: 'yes\n' })
      expect(await kubectl(config, ['auth', 'can-i', 'list', 'pods', '-n', 'kube-system'])).toMatchObject({ code: 1, stdout: 'no\n' })
      const review = newer.requests.find((r) => r.path.endsWith('/selfsubjectaccessreviews'))
      if (/^kubectl\/v1\.(3[3-9]|[4-9]\d)\./.test(String(review?.headers['user-agent']))) {
        expect(review?.headers['content-type']).toBe('application/vnd.kubernetes.protobuf')
      }
    } finally {
      await newer.close()
    }
  })

  it('shows Forbidden and Unauthorized the way users paste them', async (ctx) => {
    const forbidden = await kubectl(kubeconfig('readonly', ops.token), ['get', 'pods', '-n', 'default'])
    if (forbidden.missing) return ctx.skip('kubectl not installed')
    expect(forbidden.code).toBe(1)
    expect(forbidden.stderr).toContain(
      `Error from server (Forbidden): pods is forbidden: User "arn:aws:sts::${accountId}:assumed-role/${OPS_ROLE}/alice-example.com" cannot list resource "pods" in API group "" in the namespace "default"`,
    )
    const unauthorized = await kubectl(kubeconfig('stranger', stranger.token), ['get', 'pods', '-n', 'default'])
    expect(unauthorized.code).toBe(1)
    expect(unauthorized.stderr).toContain('error: You must be logged in to the server (Unauthorized)')
  })
})

describe('the fake EKS access-entry API through @aws-sdk/client-eks', () => {
  const client = () => new EKSClient({ region: REGION, endpoint: eks!.url, credentials: FAKE_CREDENTIALS, maxAttempts: 1 })

  it('lists, describes and lists the policies of access entries', async () => {
    const eksClient = client()
    const listed = await eksClient.send(new ListAccessEntriesCommand({ clusterName: CLUSTER }))
    expect(listed.accessEntries).toEqual(entries.map((e) => e.principalArn))
    expect(listed.nextToken).toBeUndefined()

    const described = await eksClient.send(new DescribeAccessEntryCommand({ clusterName: CLUSTER, principalArn: dev.roleArn }))
    expect(described.accessEntry).toMatchObject({
      clusterName: CLUSTER,
      principalArn: dev.roleArn,
      kubernetesGroups: ['developers'],
      // EKS's default username drops the role path.
      username: `arn:aws:sts::${accountId}:assumed-role/${DEV_ROLE}/{{SessionName}}`,
      type: 'STANDARD',
      accessEntryArn: expect.stringMatching(new RegExp(`^arn:aws:eks:${REGION}:111122223333:access-entry/${CLUSTER}/role/${accountId}/${DEV_ROLE}/[0-9a-f-]{36}$`)),
    })
    expect(described.accessEntry?.createdAt).toBeInstanceOf(Date)
    // The ARN travelled URL-encoded as one path segment.
    expect(eks!.requests.at(-1)?.path).toBe(`/clusters/${CLUSTER}/access-entries/${encodeURIComponent(dev.roleArn)}`)

    const policies = await eksClient.send(new ListAssociatedAccessPoliciesCommand({ clusterName: CLUSTER, principalArn: dev.roleArn }))
    expect(policies).toMatchObject({
      clusterName: CLUSTER,
      principalArn: dev.roleArn,
      associatedAccessPolicies: [{ policyArn: VIEW_POLICY, accessScope: { type: 'namespace', namespaces: ['default'] } }],
    })
    expect(policies.associatedAccessPolicies?.[0]?.associatedAt).toBeInstanceOf(Date)
    const none = await eksClient.send(new ListAssociatedAccessPoliciesCommand({ clusterName: CLUSTER, principalArn: ops.roleArn }))
    expect(none.associatedAccessPolicies).toEqual([])
  })

  it('pages and filters by associated policy', async () => {
    const eksClient = client()
    const first = await eksClient.send(new ListAccessEntriesCommand({ clusterName: CLUSTER, maxResults: 2 }))
    expect(first.accessEntries).toHaveLength(2)
    const second = await eksClient.send(new ListAccessEntriesCommand({ clusterName: CLUSTER, maxResults: 2, nextToken: first.nextToken }))
    expect([...first.accessEntries!, ...second.accessEntries!]).toEqual(entries.map((e) => e.principalArn))
    expect(second.nextToken).toBeUndefined()
    const admins = await eksClient.send(new ListAccessEntriesCommand({ clusterName: CLUSTER, associatedPolicyArn: ADMIN_POLICY }))
    expect(admins.accessEntries).toEqual([`arn:aws:iam::${accountId}:role/platform-admin`])
  })

  it('answers the service errors: no entry, no cluster, CONFIG_MAP mode', async () => {
    const eksClient = client()
    const missing = eksClient.send(new DescribeAccessEntryCommand({ clusterName: CLUSTER, principalArn: stranger.roleArn }))
    await expect(missing).rejects.toBeInstanceOf(ResourceNotFoundException)
    await expect(missing).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 }, message: expect.stringContaining('principalArn could not be found') })
    await expect(eksClient.send(new ListAccessEntriesCommand({ clusterName: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'No cluster found for name: nope.',
    })
    for (const command of [
      new ListAccessEntriesCommand({ clusterName: LEGACY_CLUSTER }),
      new DescribeAccessEntryCommand({ clusterName: LEGACY_CLUSTER, principalArn: dev.roleArn }),
      new ListAssociatedAccessPoliciesCommand({ clusterName: LEGACY_CLUSTER, principalArn: dev.roleArn }),
    ]) {
      const call = eksClient.send(command as ListAccessEntriesCommand)
      await expect(call).rejects.toBeInstanceOf(InvalidRequestException)
      await expect(call).rejects.toMatchObject({
        $metadata: { httpStatusCode: 400 },
        message: "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.",
      })
    }
  })
})

/** Runs a tool with a bounded time and a minimal environment; `missing` when it is not installed. */
function runTool(
  file: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; missing?: boolean }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', ...env }, timeout: KUBECTL_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code
        if (code === 'ENOENT') return resolve({ code: null, stdout, stderr, missing: true })
        resolve({ code: error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0, stdout, stderr })
      },
    )
  })
}
