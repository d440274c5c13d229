/**
 * Behind a corporate proxy that is the only way out: every AWS call (the SDK's EKS, STS and IAM
 * clients and the EC2 Query client) goes through HTTPS_PROXY, trusts AWS_CA_BUNDLE, and names
 * the socket's own error when it cannot. The endpoints live under `.invalid`, reachable through
 * the loopback proxy only (it tunnels each host to a loopback TLS front of moto or the fake EKS),
 * so a call that ignored the proxy could not succeed and nothing is ever resolved or dialled
 * outside the machine.
 */
import { Agent as HttpAgent, get as httpGet } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAwsClients } from '../../../src/aws/clients.js'
import { httpHandlerOptions, widenNoProxy } from '../../../src/aws/transport.js'
import { startFakeEks, type FakeEks } from '../../helpers/fake-eks.js'
import { findClosedPort } from '../../helpers/fault-servers.js'
import { MOTO_ACCESS_KEY_ID, MOTO_SECRET_ACCESS_KEY, startMoto, type Moto } from '../../helpers/moto.js'
import { createCa, createTempDir, issueServerCert, removeTempDir, type Ca } from '../../helpers/pki.js'
import { nodeHasProxyEnv, startLoopbackProxy, startTlsFront, type LoopbackProxy, type TlsFront } from './helpers/proxy.js'

const HOSTS = { eks: 'eks.proxy-only.invalid', moto: 'aws.proxy-only.invalid' }
const NO_FILES = { homedir: '/nonexistent-home', readText: async () => undefined }
const call = { region: 'eu-west-1', timeoutMs: 8_000 }

let dir: string
let ca: Ca
let caFile: string
let moto: Moto
let eks: FakeEks
let eksFront: TlsFront
let motoFront: TlsFront
let proxy: LoopbackProxy
const saved = { ...process.env }

beforeAll(async () => {
  // Without Node's proxy support a call would try the .invalid names directly: stop before that.
  if (!nodeHasProxyEnv()) throw new Error(`Node ${process.version} has no built-in proxy support (needs 22.21+ or 24.5+)`)
  dir = createTempDir('eksdoctor-proxy-')
  ca = createCa(dir, 'Corp TLS Inspection CA')
  caFile = join(dir, 'corp-ca.pem')
  writeFileSync(caFile, ca.certPem)
  const leaf = issueServerCert(ca, { commonName: HOSTS.eks, dnsNames: [HOSTS.eks, HOSTS.moto], ipAddresses: [] })
  ;[moto, eks] = await Promise.all([startMoto(), startFakeEks([{ name: 'ledger-prod', endpoint: 'https://10.40.1.21', caPem: ca.certPem }])])
  ;[eksFront, motoFront] = await Promise.all([startTlsFront(leaf, Number(new URL(eks.url).port)), startTlsFront(leaf, moto.port)])
  proxy = await startLoopbackProxy((host) => (host === HOSTS.eks ? eksFront.port : host === HOSTS.moto ? motoFront.port : undefined))
  // The SDK's credential chain reads process.env; the clients' own settings come from the vars below.
  for (const name of Object.keys(process.env)) if (/^AWS_|_PROXY$|^NODE_EXTRA_CA_CERTS$/i.test(name)) delete process.env[name]
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: MOTO_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: MOTO_SECRET_ACCESS_KEY, AWS_EC2_METADATA_DISABLED: 'true' })
}, 60_000)

afterAll(async () => {
  process.env = saved
  await Promise.all([proxy?.close(), eksFront?.close(), motoFront?.close(), eks?.close(), moto?.stop()])
  removeTempDir(dir)
})

const behindProxy = (extra: Record<string, string> = {}) => ({
  AWS_ENDPOINT_URL_EKS: `https://${HOSTS.eks}`,
  AWS_ENDPOINT_URL: `https://${HOSTS.moto}`,
  HTTPS_PROXY: proxy.url,
  AWS_CA_BUNDLE: caFile,
  ...extra,
})

describe('HTTPS_PROXY with a TLS-inspecting CA (AWS_CA_BUNDLE)', () => {
  it('EKS, STS, IAM (SDK clients) and EC2 (Query client) all reach endpoints only the proxy can reach', async () => {
    const before = { connects: proxy.connects.length, eks: eks.requests.length }
    const aws = createAwsClients(behindProxy(), NO_FILES)
    const [cluster, identity, vpcs, role] = await Promise.all([
      aws.describeCluster('ledger-prod', call),
      aws.getCallerIdentity(call),
      aws.describeVpcs([], call),
      aws.getRole('no-such-role', call),
    ])
    expect(cluster).toMatchObject({ ok: true, value: { name: 'ledger-prod', status: 'ACTIVE' } })
    expect(identity).toMatchObject({ ok: true, value: { account: '123456789012' } })
    expect(vpcs.ok && vpcs.value.length).toBeGreaterThan(0)
    // moto answers NoSuchEntity: the request went through, and its request id came back with the failure.
    expect(role).toMatchObject({ ok: false, code: 'AWS_ERROR', errorName: 'NoSuchEntityException' })
    expect(new Set(proxy.connects.slice(before.connects))).toEqual(new Set([`${HOSTS.eks}:443`, `${HOSTS.moto}:443`]))
    expect(eks.requests.slice(before.eks).map((r) => r.credentialScope?.split('/').slice(1, 3).join('/'))).toEqual(['eu-west-1/eks'])
    expect(motoFront.accepted).toBeGreaterThan(0)
  })

  it('keep-alive: a second call reuses the tunnel', async () => {
    const aws = createAwsClients(behindProxy(), NO_FILES)
    expect((await aws.describeCluster('ledger-prod', call)).ok).toBe(true)
    const tunnels = proxy.tunnels
    expect((await aws.describeCluster('ledger-prod', call)).ok).toBe(true)
    expect(proxy.tunnels).toBe(tunnels)
  })

  it('without the bundle the inspecting CA is unknown: the TLS code is kept, with what to set', async () => {
    const vars = behindProxy()
    delete (vars as Record<string, string | undefined>).AWS_CA_BUNDLE
    const result = await createAwsClients(vars, NO_FILES).describeCluster('ledger-prod', call)
    expect(result).toMatchObject({ ok: false, code: 'AWS_ERROR', action: 'eks:DescribeCluster' })
    if (result.ok) return
    expect(result.errorName).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/)
    expect(result.message).toContain(result.errorName)
    expect(result.message).toContain('AWS_CA_BUNDLE')
  })

  it('the profile ca_bundle does what AWS_CA_BUNDLE does', async () => {
    const files = { homedir: '/home/op', readText: async (path: string) => (path === '/home/op/.aws/config' ? `[default]\nca_bundle = ${caFile}\n` : undefined) }
    const vars = behindProxy()
    delete (vars as Record<string, string | undefined>).AWS_CA_BUNDLE
    expect((await createAwsClients(vars, files).describeCluster('ledger-prod', call)).ok).toBe(true)
  })

  it('an unreadable bundle is named, not a TLS mystery', async () => {
    const result = await createAwsClients(behindProxy({ AWS_CA_BUNDLE: join(dir, 'missing.pem') }), NO_FILES).describeCluster('ledger-prod', call)
    expect(result).toMatchObject({ ok: false, code: 'AWS_ERROR' })
    expect(!result.ok && result.message).toContain(`cannot read the CA bundle ${join(dir, 'missing.pem')}`)
  })

  it('a proxy that refuses the tunnel, and one that is not listening, keep their own errors', async () => {
    const refused = await createAwsClients(behindProxy({ AWS_ENDPOINT_URL_EKS: 'https://eks.refused.invalid', AWS_MAX_ATTEMPTS: '1' }), NO_FILES).describeCluster('x', call)
    expect(refused).toMatchObject({ ok: false, code: 'AWS_ERROR', errorName: 'ERR_PROXY_TUNNEL' })
    expect(!refused.ok && refused.message).toMatch(/eks\.refused\.invalid:443.*502/)
    const closed = await findClosedPort()
    const down = await createAwsClients(behindProxy({ HTTPS_PROXY: `http://127.0.0.1:${closed}`, AWS_MAX_ATTEMPTS: '1' }), NO_FILES).describeCluster('x', call)
    expect(down).toMatchObject({ ok: false, code: 'AWS_ERROR', errorName: 'ECONNREFUSED' })
    expect(!down.ok && down.message).toContain(`ECONNREFUSED 127.0.0.1:${closed}`)
  })
})

describe('HTTP_PROXY and NO_PROXY', () => {
  it('an http:// endpoint goes through HTTP_PROXY as an absolute URI', async () => {
    const plain = await startLoopbackProxy((host) => (host === HOSTS.eks ? Number(new URL(eks.url).port) : undefined))
    try {
      const result = await createAwsClients({ AWS_ENDPOINT_URL_EKS: `http://${HOSTS.eks}`, HTTP_PROXY: plain.url }, NO_FILES).describeCluster('ledger-prod', call)
      expect(result.ok).toBe(true)
      expect(plain.requests).toEqual([`GET http://${HOSTS.eks}/clusters/ledger-prod`])
    } finally {
      await plain.close()
    }
  })

  it('NO_PROXY sends a loopback endpoint direct; without it the same endpoint is proxied', async () => {
    const plain = await startLoopbackProxy((host) => (host === '127.0.0.1' ? Number(new URL(eks.url).port) : undefined))
    try {
      const direct = await createAwsClients({ AWS_ENDPOINT_URL_EKS: eks.url, HTTP_PROXY: plain.url, NO_PROXY: 'localhost,127.0.0.1' }, NO_FILES).describeCluster('ledger-prod', call)
      expect(direct.ok).toBe(true)
      expect(plain.forwards).toBe(0)
      const proxied = await createAwsClients({ AWS_ENDPOINT_URL_EKS: eks.url, HTTP_PROXY: plain.url }, NO_FILES).describeCluster('ledger-prod', call)
      expect(proxied.ok).toBe(true)
      expect(plain.forwards).toBe(1)
    } finally {
      await plain.close()
    }
  })

  it.each([
    { noProxy: 'proxy-only.invalid', host: HOSTS.eks, route: 'direct' },
    { noProxy: '.proxy-only.invalid', host: HOSTS.eks, route: 'direct' },
    { noProxy: 'PROXY-ONLY.invalid', host: HOSTS.eks, route: 'direct' },
    { noProxy: 'eks.proxy-only.invalid:80', host: HOSTS.eks, route: 'direct' },
    { noProxy: 'only.invalid', host: HOSTS.eks, route: 'proxied' },
    { noProxy: '.only.invalid', host: HOSTS.eks, route: 'proxied' },
    { noProxy: 'eks.proxy-only.invalid', host: HOSTS.eks, route: 'direct' },
    { noProxy: 'other.invalid, *', host: HOSTS.eks, route: 'direct' },
    { noProxy: 'eks.proxy-only.invalid:8080', host: HOSTS.eks, route: 'proxied' },
  ])('NO_PROXY=$noProxy: $host goes $route (a bare domain covers its subdomains, as in the aws CLI)', async ({ noProxy, host, route }) => {
    const plain = await startLoopbackProxy(() => Number(new URL(eks.url).port))
    try {
      const options = await httpHandlerOptions({ vars: { HTTP_PROXY: plain.url, NO_PROXY: noProxy } })
      const agent = new HttpAgent(options.httpAgent)
      let resolved = false
      // A direct attempt asks this lookup (which never resolves anything); a proxied one never does.
      await new Promise<void>((done) => {
        httpGet({ host, port: 80, path: '/clusters/ledger-prod', agent, lookup: (_h, _o, cb) => ((resolved = true), cb(new Error('no DNS in tests'), '', 4)) }, (res) => {
          res.resume()
          done()
        }).on('error', () => done())
      })
      agent.destroy()
      expect(resolved ? 'direct' : 'proxied').toBe(route)
      expect(plain.forwards).toBe(route === 'proxied' ? 1 : 0)
    } finally {
      await plain.close()
    }
  })

  it('widenNoProxy gives each name its subdomain form and leaves the rest as written', () => {
    expect(widenNoProxy('amazonaws.com, .example.org,*.corp.internal,10.0.0.1,::1,host:8443,*')).toBe(
      'amazonaws.com,*.amazonaws.com,example.org,*.example.org,*.corp.internal,10.0.0.1,::1,host:8443,*',
    )
  })
})
