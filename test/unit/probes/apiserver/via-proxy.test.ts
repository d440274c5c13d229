import { describe, expect, it } from 'vitest'
import type { ProbeOutcome } from '../../../../src/engine/types.js'
import { viaProxyProbe } from '../../../../src/probes/apiserver/via-proxy.js'
import type { ProxyUse } from '../../../../src/probes/env/proxy.js'
import { createRedactor, resolveForOutput } from '../../../../src/report/redact.js'
import { clusterInfo, fakeEnv, runProbe, type FakeEnvOptions } from '../../../helpers/fake-env.js'

const SEOUL = 'https://0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.ap-northeast-2.eks.amazonaws.com'
const CORP = 'https://api.k8s.corp.example'
const CLUSTER_CA = '-----BEGIN CERTIFICATE-----\nCLUSTER-CA\n-----END CERTIFICATE-----\n'

const viaEnv = (proxy: string, variable = 'HTTPS_PROXY'): ProxyUse => ({ proxy, source: variable, decision: { proxy, variable, reason: 'proxied' } })
const viaKubeconfig = (proxy: string): ProxyUse => ({ proxy, source: 'kubeconfig proxy-url', decision: { reason: 'no-proxy-set' } })

async function run(o: { endpoint: string; use: ProxyUse; answers?: NonNullable<FakeEnvOptions['http']>; describe?: boolean }) {
  const env = fakeEnv({ http: o.answers ?? {} })
  const outcome = await runProbe(viaProxyProbe, {
    env,
    target: { endpoint: o.endpoint },
    data: {
      'env.proxy': o.use,
      ...(o.describe ? { 'cluster.describe': clusterInfo({ name: 'c', endpoint: o.endpoint, caData: Buffer.from(CLUSTER_CA).toString('base64') }) } : {}),
    },
  })
  return { outcome, env }
}

const readyz = (endpoint: string) => `${new URL('/readyz', endpoint)}`

function printed(outcome: ProbeOutcome): string {
  const view = { detail: outcome.detail, evidence: outcome.evidence, fixes: outcome.fixes }
  return JSON.stringify(resolveForOutput(view, createRedactor(view, false), false))
}

describe('apiserver.via-proxy', () => {
  it('skips when kubectl connects directly', async () => {
    const { outcome, env } = await run({ endpoint: SEOUL, use: { decision: { reason: 'no-proxy-match', bypassedBy: '.eks.amazonaws.com' } } })
    expect(outcome.status).toBe('skip')
    expect(outcome.detail).toContain('no proxy in its path')
    expect(env.record.requests).toEqual([])
  })

  it.each([
    { proxy: 'http://proxy.corp.example:3128', status: 200 },
    { proxy: 'http://10.20.30.40:8080', status: 401 },
  ])('passes when $proxy reaches the API server ($status)', async ({ proxy, status }) => {
    const url = readyz(SEOUL)
    const { outcome, env } = await run({ endpoint: SEOUL, describe: true, use: viaEnv(proxy), answers: { [`${url} via ${proxy}`]: { ok: true, status, body: 'ok' } } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`through ${proxy}, GET /readyz → ${status}: the proxy reaches the API server`)
    expect(outcome.evidence).toMatchObject({ proxy, source: 'HTTPS_PROXY', status })
    expect(env.record.requests).toEqual([expect.objectContaining({ url, proxy, caPem: CLUSTER_CA, insecure: false })])
    expect(env.record.requests[0]?.ip).toBeUndefined()
  })

  it.each([
    { endpoint: SEOUL, proxy: 'http://proxy.corp.example:3128', noProxy: '.eks.amazonaws.com', code: 'PROXY_UNREACHABLE' as const, message: 'Proxy response (502) !== 200 when HTTP Tunneling' },
    { endpoint: CORP, proxy: 'http://10.20.30.40:8080', noProxy: 'api.k8s.corp.example', code: 'PROXY_REFUSED_CONNECT' as const, message: 'Proxy response (403) !== 200 when HTTP Tunneling' },
  ])('fails as proxy when $proxy cannot reach $endpoint, with a NO_PROXY fix for the host', async ({ endpoint, proxy, noProxy, code, message }) => {
    const host = new URL(endpoint).hostname
    const url = readyz(endpoint)
    const { outcome } = await run({ endpoint, use: viaEnv(proxy), answers: { [`${url} via ${proxy}`]: { ok: false, code, message } } })
    expect(outcome).toMatchObject({ status: 'fail', code, category: 'proxy' })
    expect(outcome.detail).toBe(`kubectl's path goes through ${proxy} (HTTPS_PROXY) and fails there: ${message}`)
    const fix = outcome.fixes?.[0]
    expect(fix?.category).toBe('proxy')
    expect(fix?.title).toBe(`Send ${host} direct, not through ${proxy}`)
    expect(fix?.commands[0]).toBe(`export NO_PROXY="\${NO_PROXY:+$NO_PROXY,}${noProxy}"`)
    expect(fix?.commands[1]).toBe('export no_proxy="$NO_PROXY"')
  })

  it('fails HTTP_5XX (proxy) when the proxy answers 503', async () => {
    const url = readyz(SEOUL)
    const proxy = 'http://proxy.corp.example:3128'
    const { outcome } = await run({ endpoint: SEOUL, use: viaEnv(proxy, 'https_proxy'), answers: { [`${url} via ${proxy}`]: { ok: true, status: 503, body: 'Service Unavailable' } } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'HTTP_5XX', category: 'proxy' })
    expect(outcome.detail).toContain('(https_proxy)')
    expect(outcome.detail).toContain('HTTP 503')
  })

  it('points at the kubeconfig when the proxy comes from its proxy-url', async () => {
    const url = readyz(SEOUL)
    const proxy = 'socks5://127.0.0.1:1080'
    const { outcome } = await run({ endpoint: SEOUL, use: viaKubeconfig(proxy), answers: { [`${url} via ${proxy}`]: { ok: false, code: 'PROXY_UNREACHABLE', message: 'connect ECONNREFUSED 127.0.0.1:1080' } } })
    expect(outcome).toMatchObject({ status: 'fail', category: 'proxy' })
    expect(outcome.fixes?.[0]?.title).toContain(proxy)
    expect(outcome.fixes?.[0]?.commands[0]).toContain('kubectl config view --minify')
  })

  it('never prints the password of the proxy', async () => {
    const url = readyz(SEOUL)
    const proxy = 'http://alice:Sup3rS3cret@proxy.corp.example:3128'
    const { outcome } = await run({
      endpoint: SEOUL,
      use: viaEnv(proxy),
      answers: { [`${url} via ${proxy}`]: { ok: false, code: 'PROXY_UNREACHABLE', message: `connect ETIMEDOUT via ${proxy}` } },
    })
    expect(outcome.status).toBe('fail')
    expect(printed(outcome)).toContain('proxy.corp.example:3128')
    expect(printed(outcome)).not.toContain('Sup3rS3cret')
  })
})
