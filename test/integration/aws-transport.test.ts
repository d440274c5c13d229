/**
 * The built CLI behind a corporate proxy, with the AWS settings of a real profile: a profile whose
 * endpoint_url and [services] section point at hosts only the proxy can reach (HTTP_PROXY), the
 * same profile under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (the SDK's own hosts, asked of a proxy
 * that records and refuses them), SSO credentials fetched through HTTPS_PROXY with the proxy's CA
 * in AWS_CA_BUNDLE by the token fast path, which loads no SDK client, and a refused connection
 * that is named as one. Endpoints live under `.invalid`, so nothing is resolved or dialled outside
 * the machine.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { startFakeEks, type FakeEks } from '../helpers/fake-eks.js'
import { findClosedPort } from '../helpers/fault-servers.js'
import { MOTO_ACCESS_KEY_ID, MOTO_SECRET_ACCESS_KEY, startMoto, type Moto } from '../helpers/moto.js'
import { createCa, createTempDir, issueServerCert, removeTempDir, type Ca } from '../helpers/pki.js'
import { cleanEnv, runCli } from '../helpers/run-cli.js'
import { nodeHasProxyEnv, startLoopbackProxy, startTlsFront, type LoopbackProxy, type TlsFront } from '../unit/aws/helpers/proxy.js'

const AWS_HOST = 'aws.proxy-only.invalid'
const EKS_HOST = 'eks.proxy-only.invalid'
const SSO_HOST = 'portal.sso.proxy-only.invalid'
const SSO_KEY = 'ASIASSOISSUEDKEY0001'

let dir: string
let ca: Ca
let caFile: string
let otherCaFile: string
let api: ApiServer
let moto: Moto
let eks: FakeEks
let sso: { server: Server; port: number; seen: { path: string; bearer?: string }[] }
let ssoFront: TlsFront
let plain: LoopbackProxy
let tunnels: LoopbackProxy

/** A profile whose endpoints are set in the file: endpoint_url for all, a [services] section for EKS. */
const CORP_CONFIG = [
  '[profile corp]',
  'region = eu-west-1',
  `endpoint_url = http://${AWS_HOST}`,
  'services = corp-endpoints',
  '',
  '[services corp-endpoints]',
  'eks =',
  `  endpoint_url = http://${EKS_HOST}`,
  '',
  '[profile sso-dev]',
  'sso_session = corp',
  'sso_account_id = 111122223333',
  'sso_role_name = EksDev',
  'region = eu-west-1',
  '',
  '[sso-session corp]',
  'sso_start_url = https://corp.awsapps.com/start',
  'sso_region = eu-west-1',
  'sso_registration_scopes = sso:account:access',
  '',
].join('\n')

function homeEnv(extra: Record<string, string>): Record<string, string> {
  const env = cleanEnv({ AWS_MAX_ATTEMPTS: '1', ...extra })
  const home = env.HOME as string
  mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true })
  writeFileSync(join(home, '.aws', 'config'), CORP_CONFIG)
  writeFileSync(join(home, '.aws', 'credentials'), `[corp]\naws_access_key_id = ${MOTO_ACCESS_KEY_ID}\naws_secret_access_key = ${MOTO_SECRET_ACCESS_KEY}\n`)
  // An SSO session that `aws sso login` left valid for an hour: the SDK uses it without a refresh.
  const token = { accessToken: 'sso-access-token-loopback', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), region: 'eu-west-1', startUrl: 'https://corp.awsapps.com/start' }
  writeFileSync(join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update('corp').digest('hex')}.json`), JSON.stringify(token))
  return env
}

const check = (name: string, run: { json?: { checks?: { id: string; status: string; detail?: string }[] } }) => run.json?.checks?.find((c) => c.id === name)

beforeAll(async () => {
  if (!nodeHasProxyEnv()) throw new Error(`Node ${process.version} has no built-in proxy support (needs 22.21+ or 24.5+): these runs would go direct`)
  dir = createTempDir('eksdoctor-transport-')
  ca = createCa(dir, 'Corp TLS Inspection CA')
  caFile = join(dir, 'corp-ca.pem')
  writeFileSync(caFile, ca.certPem)
  otherCaFile = join(dir, 'other-ca.pem')
  writeFileSync(otherCaFile, createCa(dir, 'Some Other CA').certPem)
  const apiLeaf = issueServerCert(ca, { commonName: 'kube-apiserver', dnsNames: ['kubernetes'], ipAddresses: ['127.0.0.1'] })
  const ssoLeaf = issueServerCert(ca, { commonName: SSO_HOST, dnsNames: [SSO_HOST], ipAddresses: [] })
  ;[api, moto] = await Promise.all([startApiServer({ cert: apiLeaf.certPem, key: apiLeaf.keyPem }), startMoto()])
  eks = await startFakeEks([{ name: 'ledger-prod', endpoint: api.url, caPem: ca.certPem }])
  // The SSO portal's GetRoleCredentials, as the SDK's SSO client calls it.
  const seen: { path: string; bearer?: string }[] = []
  const server = createServer((req, res) => {
    req.resume()
    seen.push({ path: req.url ?? '', bearer: req.headers['x-amz-sso_bearer_token'] as string | undefined })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ roleCredentials: { accessKeyId: SSO_KEY, secretAccessKey: 'sso-issued-secret', sessionToken: 'sso-issued-session', expiration: Date.now() + 3_600_000 } }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  sso = { server, port: (server.address() as AddressInfo).port, seen }
  ssoFront = await startTlsFront(ssoLeaf, sso.port)
  const ports: Record<string, number> = { [AWS_HOST]: moto.port, [EKS_HOST]: Number(new URL(eks.url).port) }
  plain = await startLoopbackProxy((host) => ports[host])
  tunnels = await startLoopbackProxy((host) => (host === SSO_HOST ? ssoFront.port : undefined))
}, 60_000)

afterAll(async () => {
  await Promise.all([plain?.close(), tunnels?.close(), ssoFront?.close(), eks?.close(), api?.close(), moto?.stop()])
  await new Promise((resolve) => sso?.server.close(resolve))
  removeTempDir(dir)
})

describe('a profile with endpoint_url and a [services] section, reachable only through HTTP_PROXY', () => {
  it('check --profile corp: STS at the profile endpoint, EKS at its [services] endpoint, both through the proxy', async () => {
    const run = await runCli(['check', '--cluster', 'ledger-prod', '--profile', 'corp', '--json'], { env: homeEnv({ HTTP_PROXY: plain.url }) })
    expect(check('credentials.identity', run), run.stderr).toMatchObject({ status: 'pass' })
    expect(check('cluster.describe', run)).toMatchObject({ status: 'pass' })
    expect(run.json.target).toMatchObject({ region: 'eu-west-1', profile: 'corp' })
    expect(plain.requests).toContain(`POST http://${AWS_HOST}/`)
    expect(plain.requests).toContain(`GET http://${EKS_HOST}/clusters/ledger-prod`)
  })

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true: the SDK own hosts instead, asked of HTTPS_PROXY', async () => {
    const before = plain.requests.length
    const refusing = await startLoopbackProxy(() => undefined)
    try {
      const run = await runCli(['check', '--cluster', 'ledger-prod', '--profile', 'corp', '--json'], {
        env: homeEnv({ HTTP_PROXY: plain.url, HTTPS_PROXY: refusing.url, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }),
      })
      expect(check('credentials.identity', run)).toMatchObject({ status: 'fail' })
      expect(refusing.connects).toContain('sts.eu-west-1.amazonaws.com:443')
      expect(plain.requests.length).toBe(before)
    } finally {
      await refusing.close()
    }
  })
})

describe('SSO credentials through HTTPS_PROXY and AWS_CA_BUNDLE, on the token fast path', () => {
  it('eksdoctor token --profile sso-dev signs with the role credentials the SSO portal gave through the proxy, loading no SDK client', async () => {
    const hook = join(dir, 'packages.cjs')
    const loaded = join(dir, 'packages.txt')
    writeFileSync(
      hook,
      `const M=require('module');const seen=new Set();const load=M._load;M._load=function(r,p,m){const x=load.apply(this,arguments);try{const f=M._resolveFilename(r,p,m);const k=/node_modules\\/((?:@[^/]+\\/)?[^/]+(?:\\/dist-cjs\\/submodules\\/[^/]+)?)/.exec(f);if(k)seen.add(k[1])}catch{}return x};process.on('exit',()=>require('fs').writeFileSync(${JSON.stringify(loaded)},[...seen].join('\\n')))`,
    )
    const env = homeEnv({ HTTPS_PROXY: tunnels.url, AWS_CA_BUNDLE: caFile, AWS_ENDPOINT_URL_SSO: `https://${SSO_HOST}`, NODE_OPTIONS: `--require ${hook}` })
    const run = await runCli(['token', '--cluster', 'ledger-prod', '--region', 'eu-west-1', '--profile', 'sso-dev'], { env })
    expect(run.exitCode, run.stderr).toBe(0)
    const token = run.json.status.token as string
    const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'))
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com')
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`^${SSO_KEY}/\\d{8}/eu-west-1/sts/aws4_request$`))
    expect(tunnels.connects).toEqual([`${SSO_HOST}:443`])
    expect(sso.seen).toEqual([{ path: '/federation/credentials?account_id=111122223333&role_name=EksDev', bearer: 'sso-access-token-loopback' }])
    const packages = readFileSync(loaded, 'utf8').split('\n')
    expect(packages.filter((p) => p.startsWith('@aws-sdk/client-'))).toEqual([])
    expect(packages).not.toContain('@oclif/core')
  })

  it.each([
    { how: 'NODE_EXTRA_CA_CERTS alone', vars: () => ({ NODE_EXTRA_CA_CERTS: caFile }) },
    { how: 'NODE_EXTRA_CA_CERTS beside an AWS_CA_BUNDLE of another CA', vars: () => ({ NODE_EXTRA_CA_CERTS: caFile, AWS_CA_BUNDLE: otherCaFile }) },
  ])('the proxy CA from $how is trusted too', async ({ vars }) => {
    const before = sso.seen.length
    const env = homeEnv({ HTTPS_PROXY: tunnels.url, AWS_ENDPOINT_URL_SSO: `https://${SSO_HOST}`, ...vars() })
    const run = await runCli(['token', '--cluster', 'ledger-prod', '--region', 'eu-west-1', '--profile', 'sso-dev'], { env })
    expect(run.exitCode, run.stderr).toBe(0)
    expect(sso.seen.length).toBe(before + 1)
  })

  it('without the proxy CA the SSO call fails on the certificate, and says so', async () => {
    const env = homeEnv({ HTTPS_PROXY: tunnels.url, AWS_ENDPOINT_URL_SSO: `https://${SSO_HOST}`, AWS_CA_BUNDLE: otherCaFile })
    const run = await runCli(['token', '--cluster', 'ledger-prod', '--region', 'eu-west-1', '--profile', 'sso-dev'], { env })
    expect(run.exitCode).toBe(10)
    expect(run.stderr).toMatch(/certificate|UNABLE_TO|SELF_SIGNED/i)
  })

  it('with keys in the environment the fast path loads neither an SDK client nor a nested one', async () => {
    const hook = join(dir, 'packages.cjs')
    const loaded = join(dir, 'packages.txt')
    const env = cleanEnv({ AWS_ACCESS_KEY_ID: MOTO_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: MOTO_SECRET_ACCESS_KEY, NODE_OPTIONS: `--require ${hook}` })
    const run = await runCli(['token', '--cluster', 'ledger-prod', '--region', 'us-iso-east-1'], { env })
    expect(run.exitCode, run.stderr).toBe(0)
    const url = new URL(Buffer.from((run.json.status.token as string).slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'))
    // The token's STS host comes from the SDK's partition table: us-iso is c2s.ic.gov.
    expect(url.host).toBe('sts.us-iso-east-1.c2s.ic.gov')
    const packages = readFileSync(loaded, 'utf8').split('\n')
    expect(packages.filter((p) => /^@aws-sdk\/(client-|nested-clients)|^@smithy\/node-http-handler/.test(p))).toEqual([])
  })
})

describe('a refused connection is named', () => {
  it('check --cluster with EKS on a closed port: the summary says ECONNREFUSED and where', async () => {
    const port = await findClosedPort()
    const env = cleanEnv({ AWS_ACCESS_KEY_ID: MOTO_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: MOTO_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_STS: moto.url, AWS_ENDPOINT_URL_EKS: `http://127.0.0.1:${port}`, AWS_MAX_ATTEMPTS: '1' })
    const run = await runCli(['check', '--cluster', 'ledger-prod', '--region', 'eu-west-1', '--json'], { env })
    expect(check('cluster.describe', run)?.status).toBe('fail')
    expect(JSON.stringify(run.json.checks)).toContain(`connect ECONNREFUSED 127.0.0.1:${port}`)
  })
})
