import { describe, expect, it } from 'vitest'
import { systemResolverProbe } from '../../../../src/probes/dns/system.js'
import type { ResolvedEndpoint } from '../../../../src/probes/dns/system.js'
import { isSensitive } from '../../../../src/engine/sensitive.js'
import { clusterInfo, fakeEnv, runProbe } from '../../../helpers/fake-env.js'

const SEOUL = 'https://0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.ap-northeast-2.eks.amazonaws.com'
const DUBLIN = 'https://F00DFACE0000111122223333ABCDEF01.yl4.eu-west-1.eks.amazonaws.com'
const host = (url: string) => new URL(url).hostname

const privateOnly = (name: string, endpoint: string) => clusterInfo({ name, endpoint })

describe('dns.system', () => {
  it.each([
    { endpoint: SEOUL, ips: ['10.0.10.239', '10.0.11.17'] },
    { endpoint: DUBLIN, ips: ['172.20.3.4'] },
  ])('passes and hands on every address of $endpoint', async ({ endpoint, ips }) => {
    const env = fakeEnv({ dns: { lookup: { [host(endpoint)]: ips } } })
    const outcome = await runProbe(systemResolverProbe, { env, target: { endpoint } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${host(endpoint)} → ${ips.join(', ')}`)
    expect(outcome.data).toEqual({ host: host(endpoint), port: 443, ips, isIpLiteral: false })
    expect(outcome.evidence?.answers).toEqual(ips.map((ip) => ({ ip, class: 'private' })))
    // The EKS host is marked for --redact where it is recorded.
    expect(isSensitive(outcome.evidence?.host)).toBe(true)
    expect(env.record.lookups[0]?.timeoutMs).toBeGreaterThan(0)
  })

  it('classifies answers that are the endpoint ENIs', async () => {
    const env = fakeEnv({ dns: { lookup: { [host(SEOUL)]: ['10.0.10.239', '10.0.11.17'] } } })
    const outcome = await runProbe(systemResolverProbe, {
      env,
      target: { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2' },
      data: {
        'cluster.describe': privateOnly('eks-secure-infra-dev', SEOUL),
        'cluster.endpoint-enis': { ips: ['10.0.10.239', '10.0.11.17'] },
      },
    })
    expect(outcome.status).toBe('pass')
    expect(outcome.evidence?.answers).toEqual([
      { ip: '10.0.10.239', class: 'endpoint-eni' },
      { ip: '10.0.11.17', class: 'endpoint-eni' },
    ])
  })

  it.each([
    { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2', endpoint: SEOUL },
    { cluster: 'payments-prod', region: 'eu-west-1', endpoint: DUBLIN },
  ])('fails with the resolver code when $cluster does not resolve', async ({ cluster, region, endpoint }) => {
    const env = fakeEnv({
      dns: { lookup: { [host(endpoint)]: { ok: false, code: 'DNS_NXDOMAIN', message: `getaddrinfo ENOTFOUND ${host(endpoint)}`, ms: 12 } } },
    })
    const outcome = await runProbe(systemResolverProbe, {
      env,
      target: { cluster, region },
      data: { 'cluster.describe': privateOnly(cluster, endpoint) },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'DNS_NXDOMAIN', category: 'dns' })
    expect(outcome.detail).toContain(`${host(endpoint)} does not resolve`)
    expect(outcome.data).toBeUndefined()
    const fix = outcome.fixes?.[0]
    expect(fix?.category).toBe('dns')
    expect(fix?.title).toContain(host(endpoint))
    expect(fix?.commands).toContain(`aws eks describe-cluster --name ${cluster} --region ${region} --query cluster.endpoint --output text`)
  })

  it('fails DNS_NO_ANSWER on an empty answer', async () => {
    const env = fakeEnv({ dns: { lookup: { [host(DUBLIN)]: [] } } })
    const outcome = await runProbe(systemResolverProbe, { env, target: { endpoint: DUBLIN } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'DNS_NO_ANSWER', category: 'dns' })
    expect(outcome.detail).toContain('an empty answer')
  })

  it.each([
    { cluster: 'eks-secure-infra-dev', endpoint: SEOUL, publicIps: ['203.0.113.10', '203.0.113.77'] },
    { cluster: 'payments-prod', endpoint: DUBLIN, publicIps: ['198.51.100.42'] },
  ])('fails DNS_PUBLIC_ANSWER when private-only $cluster resolves to public addresses', async ({ cluster, endpoint, publicIps }) => {
    const env = fakeEnv({ dns: { lookup: { [host(endpoint)]: publicIps } } })
    const outcome = await runProbe(systemResolverProbe, {
      env,
      target: { cluster, region: 'x-region-1' },
      data: { 'cluster.describe': privateOnly(cluster, endpoint) },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'DNS_PUBLIC_ANSWER', category: 'dns' })
    expect(outcome.detail).toContain(`resolves to public ${publicIps.join(', ')} but the cluster is private-only`)
    expect((outcome.evidence?.answers as { class: string }[]).map((a) => a.class)).toEqual(publicIps.map(() => 'public'))
    const fix = outcome.fixes?.[0]
    expect(fix?.title).toContain(host(endpoint))
    expect(fix?.why).toContain(publicIps.join(', '))
    expect(fix?.commands.some((c) => c.includes('flush'))).toBe(true)
  })

  it('blames the /etc/hosts line for a public answer when there is one, and names the host in the fix', async () => {
    const hosts = `127.0.0.1 localhost\n203.0.113.10 ${host(DUBLIN)}  # old public endpoint\n`
    const env = fakeEnv({ dns: { lookup: { [host(DUBLIN)]: ['203.0.113.10'] } }, files: { '/etc/hosts': hosts } })
    const outcome = await runProbe(systemResolverProbe, {
      env,
      target: { cluster: 'payments-prod', region: 'eu-west-1' },
      data: { 'cluster.describe': privateOnly('payments-prod', DUBLIN) },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'DNS_PUBLIC_ANSWER' })
    expect(outcome.evidence?.hostsFile).toEqual([`203.0.113.10 ${host(DUBLIN)}`])
    expect(outcome.fixes?.[0]?.commands).toEqual([`sudo sed -i.bak '/${host(DUBLIN).replace(/\./g, '\\.')}/d' /etc/hosts`])
  })

  it('warns DNS_PUBLIC_ANSWER on a public answer when AWS said nothing about the cluster', async () => {
    const env = fakeEnv({ dns: { lookup: { [host(SEOUL)]: ['203.0.113.10'] } } })
    const outcome = await runProbe(systemResolverProbe, { env, target: { endpoint: SEOUL } })
    expect(outcome).toMatchObject({ status: 'warn', code: 'DNS_PUBLIC_ANSWER' })
    expect(outcome.detail).toContain('203.0.113.10')
    expect(outcome.detail).toContain('not the VPN')
    expect((outcome.data as ResolvedEndpoint).ips).toEqual(['203.0.113.10'])
  })

  it.each([
    { endpoint: SEOUL, answer: ['10.0.99.5', '10.0.10.239'], enis: ['10.0.10.239', '10.0.11.17'], stale: ['10.0.99.5'] },
    { endpoint: DUBLIN, answer: ['172.20.9.9', '172.20.9.10'], enis: ['172.20.3.4', '172.20.4.4'], stale: ['172.20.9.9', '172.20.9.10'] },
  ])('fails DNS_STALE_ANSWER for private answers that are not the endpoint ENIs ($stale)', async ({ endpoint, answer, enis, stale }) => {
    const env = fakeEnv({ dns: { lookup: { [host(endpoint)]: answer } } })
    const outcome = await runProbe(systemResolverProbe, { env, target: { endpoint }, data: { 'cluster.endpoint-enis': { ips: enis } } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'DNS_STALE_ANSWER', category: 'dns' })
    expect(outcome.detail).toContain(`resolves to ${stale.join(', ')}`)
    expect(outcome.detail).toContain(enis.join(', '))
    const fix = outcome.fixes?.[0]
    expect(fix?.why).toContain(stale.join(', '))
    expect(fix?.why).toContain(enis.join(', '))
    expect(fix?.commands[0]).toBe(`grep -n '${host(endpoint)}' /etc/hosts`)
  })

  it.each([
    { endpoint: 'https://10.0.10.239', ip: '10.0.10.239', port: 443 },
    { endpoint: 'https://[fd00:ec2::23]:6443', ip: 'fd00:ec2::23', port: 6443 },
  ])('passes an IP-literal endpoint $endpoint without asking DNS', async ({ endpoint, ip, port }) => {
    const env = fakeEnv()
    const outcome = await runProbe(systemResolverProbe, { env, target: { endpoint } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain(`the endpoint is the address ${ip}`)
    expect(outcome.data).toEqual({ host: ip, port, ips: [ip], isIpLiteral: true })
    expect(env.record.lookups).toEqual([])
  })

  it('skips when AWS gave no endpoint and nothing else did', async () => {
    const env = fakeEnv()
    const outcome = await runProbe(systemResolverProbe, { env, target: { cluster: 'blue', region: 'eu-west-1' } })
    expect(outcome.status).toBe('skip')
    expect(outcome.detail).toContain('no endpoint known')
  })

  it('does not apply without an endpoint or a cluster', async () => {
    const outcome = await runProbe(systemResolverProbe, { env: fakeEnv(), target: {} })
    expect(outcome).toEqual({ status: 'skip', detail: 'no endpoint to resolve' })
  })

  it('reads the Windows hosts file on win32', async () => {
    const hostsPath = 'C:\\Windows\\System32\\drivers\\etc\\hosts'
    const env = fakeEnv({
      platform: 'win32',
      dns: { lookup: { [host(SEOUL)]: ['10.0.10.239'] } },
      files: { [hostsPath]: `10.0.10.239\t${host(SEOUL)}\r\n` },
    })
    const outcome = await runProbe(systemResolverProbe, { env, target: { endpoint: SEOUL } })
    expect(outcome.status).toBe('pass')
    expect(env.record.reads).toEqual([hostsPath])
    expect(outcome.evidence?.hostsFile).toEqual([`10.0.10.239\t${host(SEOUL)}`])
  })
})
