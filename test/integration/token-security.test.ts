/**
 * The EKS bearer token is never sent over TLS that was not verified. A loopback API server
 * presents a certificate from a CA the CLI does not know; the real CLI signs a token (fake keys, a
 * loopback STS and EKS) and reaches authn.whoami. Every request the API server gets is recorded:
 * none may carry an Authorization header, unless its certificate was verified (the control case).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { startFakeEks, type FakeEks } from '../helpers/fake-eks.js'
import { createCa, createTempDir, issueServerCert, removeTempDir, type Ca } from '../helpers/pki.js'
import { cleanEnv, runCli, type CliRun } from '../helpers/run-cli.js'

const REGION = 'eu-west-1'
const KEY_ID = 'AKIDLOOPBACKONLY0000'
const SECRET = 'fakeSecretKeyForLoopbackOnly/0123456789abcdef'
const CALLER = 'arn:aws:iam::111122223333:user/oncall'

let dir: string
let unknownCa: Ca
let otherCa: Ca
let api: ApiServer
let eks: FakeEks
let sts: Server
let stsUrl: string

/** STS on loopback: GetCallerIdentity answers; any other AWS call fails at once instead of leaving the machine. */
async function startLoopbackSts(): Promise<Server> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      if (new URLSearchParams(body).get('Action') === 'GetCallerIdentity') {
        res.writeHead(200, { 'content-type': 'text/xml', date: new Date().toUTCString() })
        return res.end(
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${CALLER}</Arn><UserId>AIDALOOPBACK0000</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        )
      }
      res.writeHead(400, { 'content-type': 'text/xml' })
      res.end('<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>not served on loopback</Message></Error></ErrorResponse>')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

beforeAll(async () => {
  dir = createTempDir('eksdoctor-token-security-')
  unknownCa = createCa(dir, 'kubernetes')
  otherCa = createCa(dir, 'kubernetes')
  const leaf = issueServerCert(unknownCa, { commonName: 'kube-apiserver', dnsNames: ['kubernetes', 'kubernetes.default.svc'], ipAddresses: ['127.0.0.1'] })
  api = await startApiServer({ cert: leaf.certPem, key: leaf.keyPem })
  sts = await startLoopbackSts()
  stsUrl = `http://127.0.0.1:${(sts.address() as AddressInfo).port}`
  eks = await startFakeEks([
    // DescribeCluster gives no CA (caPem '' is an empty certificateAuthority.data).
    { name: 'no-ca', endpoint: api.url, caPem: '' },
    { name: 'wrong-ca', endpoint: api.url, caPem: otherCa.certPem },
    { name: 'right-ca', endpoint: api.url, caPem: unknownCa.certPem },
  ])
}, 60_000)

afterAll(async () => {
  await Promise.all([api?.close(), eks?.close(), new Promise((resolve) => (sts ? sts.close(resolve) : resolve(undefined)))])
  if (dir) removeTempDir(dir)
})

function env(): Record<string, string> {
  return cleanEnv({ AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_ENDPOINT_URL: stsUrl, AWS_ENDPOINT_URL_EKS: eks.url })
}

/** Runs check, and returns it with every request the API server got during the run. */
async function check(args: string[]) {
  const seen = api.requests.length
  const run = await runCli(['check', ...args, '--region', REGION, '--json'], { env: env(), timeoutMs: 60_000 })
  return { run, requests: api.requests.slice(seen) }
}

function result(run: CliRun, id: string): { status: string; detail?: string; code?: string } {
  const found = run.json?.checks?.find((c: { id: string }) => c.id === id)
  expect(found, `${id} in ${run.stdout.slice(0, 400)}${run.stderr.slice(0, 400)}`).toBeDefined()
  return found
}

describe('the EKS token and unverified TLS', () => {
  it('--endpoint without --ca-file: verified against the default trusted CAs, so the token never reaches a server they do not trust', async () => {
    const { run, requests } = await check(['--endpoint', api.url, '--cluster', 'no-ca'])
    // The path up to the API server works and a token is signed: authn.whoami does try.
    expect(result(run, 'apiserver.readyz').status).toBe('pass')
    expect(result(run, 'authn.token').status).toBe('pass')
    expect(requests.some((r) => r.path === '/readyz')).toBe(true)
    // Before: SelfSubjectReview was POSTed with the token, verification off.
    expect(requests.filter((r) => r.hasAuthorization)).toEqual([])
    expect(requests.filter((r) => r.method === 'POST')).toEqual([])
    const whoami = result(run, 'authn.whoami')
    expect(whoami).toMatchObject({ status: 'fail', code: 'TLS_UNKNOWN_CA' })
    expect(whoami.detail).toContain('the token was not sent')
    expect(whoami.detail).toContain('--ca-file')
    expect(run.stdout).not.toContain('k8s-aws-v1.')
  })

  it('no CA from AWS or the user and no bare --endpoint: the token is not sent, and authn.whoami says why', async () => {
    const { run, requests } = await check(['--cluster', 'no-ca'])
    expect(result(run, 'authn.token').status).toBe('pass')
    expect(requests.some((r) => r.path === '/readyz')).toBe(true)
    expect(requests.filter((r) => r.hasAuthorization)).toEqual([])
    const whoami = result(run, 'authn.whoami')
    expect(whoami.status).toBe('skip')
    expect(whoami.detail).toContain('the token is never sent over unverified TLS')
    expect(result(run, 'authz.access-review').status).toBe('skip')
    expect(run.stdout).not.toContain('k8s-aws-v1.')
  })

  it('a cluster CA that did not sign the certificate: nothing authenticated reaches the server', async () => {
    const { run, requests } = await check(['--endpoint', api.url, '--cluster', 'wrong-ca'])
    expect(result(run, 'tls.handshake').status).toBe('fail')
    expect(requests.filter((r) => r.hasAuthorization)).toEqual([])
  })

  it('control: with the CA that signed it, the token does reach the server (so the cases above prove something)', async () => {
    const { run, requests } = await check(['--endpoint', api.url, '--cluster', 'right-ca'])
    expect(result(run, 'tls.handshake').status).toBe('pass')
    expect(requests.filter((r) => r.hasAuthorization).map((r) => `${r.method} ${r.path}`)).toContain('POST /apis/authentication.k8s.io/v1/selfsubjectreviews')
    expect(run.stdout).not.toContain('k8s-aws-v1.')
  })
})
