import { describe, expect, it } from 'vitest'
import type { ProbeOutcome } from '../../../../src/engine/types.js'
import { proxyProbe, type ProxyUse } from '../../../../src/probes/env/proxy.js'
import { createRedactor, resolveForOutput } from '../../../../src/report/redact.js'
import { clusterInfo, fakeEnv, runProbe } from '../../../helpers/fake-env.js'

const SEOUL = 'https://0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.ap-northeast-2.eks.amazonaws.com'
const DUBLIN = 'https://F00DFACE0000111122223333ABCDEF01.yl4.eu-west-1.eks.amazonaws.com'
const host = (url: string) => new URL(url).hostname

/** The outcome as the report prints it without --redact. */
function printed(outcome: ProbeOutcome): string {
  const view = { detail: outcome.detail, evidence: outcome.evidence, fixes: outcome.fixes }
  return JSON.stringify(resolveForOutput(view, createRedactor(view, false), false))
}

describe('env.proxy', () => {
  it('passes when no proxy is set', async () => {
    const outcome = await runProbe(proxyProbe, { env: fakeEnv({ vars: { HOME: '/home/op' } }), target: { endpoint: SEOUL } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain('no HTTPS proxy is set')
    expect(outcome.evidence).toMatchObject({ HTTPS_PROXY: null, NO_PROXY: null, decision: 'no-proxy-set' })
    expect((outcome.data as ProxyUse).proxy).toBeUndefined()
  })

  it.each([
    { endpoint: SEOUL, proxy: 'http://proxy.corp.example:3128' },
    { endpoint: DUBLIN, proxy: 'http://10.20.30.40:8080' },
  ])('warns when $proxy takes the traffic for the endpoint and NO_PROXY is unset', async ({ endpoint, proxy }) => {
    const outcome = await runProbe(proxyProbe, { env: fakeEnv({ vars: { HTTPS_PROXY: proxy } }), target: { endpoint } })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain(host(endpoint))
    expect(outcome.detail).toContain(proxy)
    expect(outcome.detail).toContain('NO_PROXY is not set')
    expect(outcome.data).toMatchObject({ proxy, source: 'HTTPS_PROXY' })
    expect(outcome.evidence).toMatchObject({ HTTPS_PROXY: proxy, decision: 'proxied' })
  })

  it('says that NO_PROXY entries for the private IPs do not match the host name', async () => {
    const vars = { HTTPS_PROXY: 'http://proxy.corp.example:3128', NO_PROXY: 'localhost,127.0.0.1,10.0.0.0/8' }
    const outcome = await runProbe(proxyProbe, { env: fakeEnv({ vars }), target: { endpoint: DUBLIN } })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain(`NO_PROXY=localhost,127.0.0.1,10.0.0.0/8 does not match ${host(DUBLIN)}`)
    expect(outcome.evidence).toMatchObject({ NO_PROXY: 'localhost,127.0.0.1,10.0.0.0/8' })
  })

  it('passes when NO_PROXY sends the EKS suffix direct', async () => {
    const vars = { HTTPS_PROXY: 'http://proxy.corp.example:3128', NO_PROXY: 'localhost,.eks.amazonaws.com' }
    const outcome = await runProbe(proxyProbe, { env: fakeEnv({ vars }), target: { endpoint: SEOUL } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain('NO_PROXY entry ".eks.amazonaws.com"')
    expect(outcome.evidence).toMatchObject({ decision: 'no-proxy-match', bypassedBy: '.eks.amazonaws.com' })
    expect((outcome.data as ProxyUse).proxy).toBeUndefined()
  })

  it('reads lowercase https_proxy and adds the scheme Go would add', async () => {
    const outcome = await runProbe(proxyProbe, { env: fakeEnv({ vars: { https_proxy: 'squid.lan:3129' } }), target: { endpoint: SEOUL } })
    expect(outcome.status).toBe('warn')
    expect(outcome.data).toMatchObject({ proxy: 'http://squid.lan:3129', source: 'https_proxy' })
  })

  it('warns about a kubeconfig proxy-url whatever NO_PROXY says', async () => {
    const outcome = await runProbe(proxyProbe, {
      env: fakeEnv({ vars: { NO_PROXY: '.eks.amazonaws.com' } }),
      target: { endpoint: SEOUL, proxyUrl: 'socks5://127.0.0.1:1080' },
    })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain('proxy-url socks5://127.0.0.1:1080')
    expect(outcome.data).toMatchObject({ proxy: 'socks5://127.0.0.1:1080', source: 'kubeconfig proxy-url' })
  })

  it("judges DescribeCluster's endpoint over the one given on the command line", async () => {
    const vars = { HTTPS_PROXY: 'http://proxy.corp.example:3128', NO_PROXY: host(SEOUL) }
    const outcome = await runProbe(proxyProbe, {
      env: fakeEnv({ vars }),
      target: { endpoint: SEOUL },
      data: { 'cluster.describe': clusterInfo({ name: 'eks-dublin', endpoint: DUBLIN }) },
    })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain(host(DUBLIN))
  })

  it('never prints the password of a proxy URL', async () => {
    const proxy = 'http://alice:Sup3rS3cret@proxy.corp.example:3128'
    const outcome = await runProbe(proxyProbe, { env: fakeEnv({ vars: { HTTPS_PROXY: proxy } }), target: { endpoint: SEOUL } })
    expect(outcome.status).toBe('warn')
    expect(printed(outcome)).toContain('proxy.corp.example:3128')
    expect(printed(outcome)).not.toContain('Sup3rS3cret')
  })
})
