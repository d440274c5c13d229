import { describe, expect, it } from 'vitest'
import { readyzProbe } from '../../../../src/probes/apiserver/readyz.js'
import type { ResolvedEndpoint } from '../../../../src/probes/dns/system.js'
import { clusterInfo, fakeEnv, runProbe, type FakeEnvOptions } from '../../../helpers/fake-env.js'

const SEOUL = 'https://0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.ap-northeast-2.eks.amazonaws.com'
const DUBLIN = 'https://F00DFACE0000111122223333ABCDEF01.yl4.eu-west-1.eks.amazonaws.com'
const CLUSTER_CA = '-----BEGIN CERTIFICATE-----\nCLUSTER-CA\n-----END CERTIFICATE-----\n'

const UNAUTHORIZED_BODY = '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}\n'
const FORBIDDEN_BODY =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \\"system:anonymous\\" cannot get path \\"/readyz\\"","reason":"Forbidden","details":{},"code":403}\n'
const NOT_READY_BODY = (failing: string) =>
  ['[+]ping ok', '[+]log ok', `[-]${failing} failed: reason withheld`, '[+]poststarthook/start-apiserver-admission-initializer ok', 'readyz check failed', ''].join('\n')

function resolvedFor(endpoint: string, ips: string[]): ResolvedEndpoint {
  const url = new URL(endpoint)
  return { host: url.hostname, port: Number(url.port || 443), ips, isIpLiteral: false }
}

async function run(o: { endpoint: string; ips: string[]; answers: NonNullable<FakeEnvOptions['http']>; describe?: boolean; cluster?: string }) {
  const env = fakeEnv({ http: o.answers })
  const outcome = await runProbe(readyzProbe, {
    env,
    target: { endpoint: o.endpoint },
    data: {
      'dns.system': resolvedFor(o.endpoint, o.ips),
      ...(o.describe ? { 'cluster.describe': clusterInfo({ name: o.cluster ?? 'c', endpoint: o.endpoint, caData: Buffer.from(CLUSTER_CA).toString('base64') }) } : {}),
    },
  })
  return { outcome, env }
}

const readyz = (endpoint: string) => `${new URL('/readyz', endpoint)}`

describe('apiserver.readyz', () => {
  it.each([
    { endpoint: SEOUL, ips: ['10.0.10.239', '10.0.11.17'] },
    { endpoint: DUBLIN, ips: ['172.20.3.4'] },
  ])('passes on 200 ok from every endpoint IP ($ips)', async ({ endpoint, ips }) => {
    const url = readyz(endpoint)
    const { outcome, env } = await run({ endpoint, ips, describe: true, answers: Object.fromEntries(ips.map((ip) => [`${url} @${ip}`, { ok: true, status: 200, body: 'ok' }])) })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`GET /readyz → ${ips.map((ip) => `200 ok from ${ip}`).join(', ')}`)
    expect(outcome.evidence).toMatchObject({ url, responses: ips.map((ip) => ({ ip, status: 200, body: 'ok', error: null })) })
    // Each IP dialled directly, the cluster CA pinned, bounded.
    expect(env.record.requests).toEqual(ips.map((ip) => expect.objectContaining({ url, ip, caPem: CLUSTER_CA, insecure: false })))
    for (const r of env.record.requests) expect(r.timeoutMs).toBeGreaterThan(0)
  })

  it.each([
    { status: 401, body: UNAUTHORIZED_BODY },
    { status: 403, body: FORBIDDEN_BODY },
  ])('passes on $status: the API server answers, anonymous requests are off', async ({ status, body }) => {
    const url = readyz(DUBLIN)
    const { outcome, env } = await run({ endpoint: DUBLIN, ips: ['172.20.3.4'], answers: { [`${url} @172.20.3.4`]: { ok: true, status, body } } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain(`${status} from 172.20.3.4`)
    expect(outcome.detail).toContain('anonymous requests are not allowed')
    // Without a CA the tls check already judged the certificate.
    expect(env.record.requests[0]).toMatchObject({ insecure: true })
  })

  it.each([
    { endpoint: SEOUL, ip: '10.0.10.239', failing: 'etcd' },
    { endpoint: DUBLIN, ip: '172.20.3.4', failing: 'informer-sync' },
  ])('fails HTTP_5XX (cluster) on 500 from $ip and names the failing check', async ({ endpoint, ip, failing }) => {
    const url = readyz(endpoint)
    const { outcome } = await run({ endpoint, ips: [ip], describe: true, answers: { [`${url} @${ip}`]: { ok: true, status: 500, body: NOT_READY_BODY(failing) } } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'HTTP_5XX', category: 'cluster' })
    expect(outcome.detail).toBe(`the API server at ${ip} is reachable but not ready: /readyz → 500 (failing: ${failing})`)
  })

  it('fails (cluster, unconfirmed, MTU as an alternative) when /readyz gets no answer', async () => {
    const url = readyz(SEOUL)
    const { outcome } = await run({
      endpoint: SEOUL,
      ips: ['10.0.10.239', '10.0.11.17'],
      describe: true,
      answers: {
        [`${url} @10.0.10.239`]: { ok: true, status: 200, body: 'ok' },
        [`${url} @10.0.11.17`]: { ok: false, code: 'HTTP_TIMEOUT', message: 'Headers Timeout Error' },
      },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'HTTP_TIMEOUT', category: 'cluster', confirmed: false })
    expect(outcome.alternatives).toEqual([expect.objectContaining({ category: 'routing' })])
    expect(outcome.detail).toContain('TLS to 10.0.11.17 works but GET /readyz got no answer: Headers Timeout Error')
    expect((outcome.evidence?.responses as { error: string | null }[])[1]?.error).toBe('HTTP_TIMEOUT: Headers Timeout Error')
  })

  it('fails on 404: whatever answers is not a Kubernetes API server', async () => {
    const url = readyz(SEOUL)
    const { outcome } = await run({ endpoint: SEOUL, ips: ['10.0.10.239'], answers: { [`${url} @10.0.10.239`]: { ok: true, status: 404, body: '404 page not found' } } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'HTTP_UNEXPECTED', category: 'dns', confirmed: false })
    expect(outcome.detail).toContain('10.0.10.239 answers 404')
  })

  it('keeps a non-default port in the URL', async () => {
    const endpoint = 'https://api.k8s.corp.example:6443'
    const { outcome, env } = await run({
      endpoint,
      ips: ['10.40.0.10'],
      answers: { 'https://api.k8s.corp.example:6443/readyz @10.40.0.10': { ok: true, status: 200, body: 'ok' } },
    })
    expect(outcome.status).toBe('pass')
    expect(env.record.requests[0]?.url).toBe('https://api.k8s.corp.example:6443/readyz')
  })
})
