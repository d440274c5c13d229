import { describe, expect, it } from 'vitest'
import { resolversProbe } from '../../../../src/probes/dns/resolvers.js'
import type { ResolvedEndpoint } from '../../../../src/probes/dns/system.js'
import { fakeEnv, readCapture, readFixture, runProbe, type ScriptedCall } from '../../../helpers/fake-env.js'

const SEOUL_HOST = '0a1b2c3d4e5f60718293a4b5c6d7e8f9.gr7.ap-northeast-2.eks.amazonaws.com'
const DUBLIN_HOST = 'f00dface0000111122223333abcdef01.yl4.eu-west-1.eks.amazonaws.com'

/** Real `dig +short` outputs recorded against dnsmasq (test/fixtures/dig, SOURCES.md). */
const DIG = (name: string) => readCapture(`dig/debian12-bind-9.18.49/${name}.json`)
const TWO_RECORDS = DIG('a-two-records') // 10.0.12.34, 10.0.45.67
const CNAME = DIG('a-cname') // internal-lb.name.example. then 10.0.3.4
const NODATA = DIG('aaaa-nodata')
const NXDOMAIN = DIG('a-nxdomain')
const NO_REPLY = DIG('a-no-reply')
const REFUSED = DIG('a-connection-refused')

const resolved = (host: string, ips: string[]): ResolvedEndpoint => ({ host, port: 443, ips, isIpLiteral: false })

/** The two dig runs the probe makes for one server, answered by recorded captures. */
function digFor(server: string, host: string, a: { stdout: string; exitCode: number }, aaaa = NODATA, time = 2): ScriptedCall[] {
  const base = ['+short', `+time=${time}`, '+tries=1', `@${server}`, host]
  return [
    { file: 'dig', args: [...base, 'A'], stdout: a.stdout, exitCode: a.exitCode },
    { file: 'dig', args: [...base, 'AAAA'], stdout: aaaa.stdout, exitCode: aaaa.exitCode },
  ]
}

describe('dns.resolvers', () => {
  it('passes when the resolv.conf nameserver agrees with the system answer (dig)', async () => {
    const env = fakeEnv({
      which: { dig: '/usr/bin/dig' },
      files: { '/etc/resolv.conf': readFixture('resolv-conf/debian12-container.conf') },
      exec: digFor('10.255.255.53', SEOUL_HOST, TWO_RECORDS),
    })
    const outcome = await runProbe(resolversProbe, { env, data: { 'dns.system': resolved(SEOUL_HOST, ['10.0.45.67', '10.0.12.34']) } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe('1 nameserver agrees with the system resolver')
    expect(outcome.evidence).toMatchObject({
      tool: 'dig',
      resolvers: [{ server: '10.255.255.53', source: 'system', ok: true, ips: ['10.0.12.34', '10.0.45.67'], error: null }],
    })
    for (const call of env.script.calls) expect(call.options.timeoutMs).toBe(3500)
  })

  it('warns naming the --resolver that answers differently, with its answer', async () => {
    const env = fakeEnv({
      which: { dig: '/usr/bin/dig' },
      files: { '/etc/resolv.conf': readFixture('resolv-conf/ubuntu-systemd-resolved-stub-tailscale.conf') },
      exec: [...digFor('127.0.0.53', DUBLIN_HOST, TWO_RECORDS, NODATA, 4), ...digFor('10.1.0.2', DUBLIN_HOST, CNAME, NODATA, 4)],
    })
    const outcome = await runProbe(resolversProbe, {
      env,
      target: { resolvers: ['10.1.0.2'] },
      options: { connectTimeoutMs: 3500 },
      data: { 'dns.system': resolved(DUBLIN_HOST, ['10.0.12.34', '10.0.45.67']) },
    })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain('resolvers disagree with the system answer (10.0.12.34, 10.0.45.67)')
    expect(outcome.detail).toContain('10.1.0.2 (--resolver) says 10.0.3.4')
    expect(outcome.detail).not.toContain('127.0.0.53')
  })

  it.each([
    { name: 'no reply', capture: NO_REPLY, error: /^DNS_NO_REPLY: communications error to 127\.0\.0\.1#53532: timed out/ },
    { name: 'connection refused', capture: REFUSED, error: /^DNS_REFUSED: communications error to 127\.0\.0\.1#53533: connection refused/ },
  ])('warns when a nameserver gives $name', async ({ capture, error }) => {
    const env = fakeEnv({
      which: { dig: '/usr/local/bin/dig' },
      files: { '/etc/resolv.conf': readFixture('resolv-conf/rhel7-networkmanager-domain-search.conf') },
      exec: digFor('172.25.254.254', SEOUL_HOST, capture, capture),
    })
    const outcome = await runProbe(resolversProbe, { env, data: { 'dns.system': resolved(SEOUL_HOST, ['10.0.10.239']) } })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain('172.25.254.254 (system) fails:')
    const row = (outcome.evidence?.resolvers as { error: string }[])[0]
    expect(row?.error).toMatch(error)
  })

  it('warns when a nameserver has no answer at all (NXDOMAIN or a filtered private answer)', async () => {
    const env = fakeEnv({
      which: { dig: '/usr/bin/dig' },
      files: { '/etc/resolv.conf': 'nameserver 192.168.1.1\n' },
      exec: digFor('192.168.1.1', SEOUL_HOST, NXDOMAIN),
    })
    const outcome = await runProbe(resolversProbe, { env, data: { 'dns.system': resolved(SEOUL_HOST, ['10.0.10.239']) } })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain('192.168.1.1 (system) has no answer')
  })

  it("asks with Node's resolver when dig is missing, and says so", async () => {
    const env = fakeEnv({
      files: { '/etc/resolv.conf': 'nameserver 10.255.255.53\n' },
      dns: {
        resolve: {
          '10.255.255.53': { [DUBLIN_HOST]: ['172.20.3.4'] },
          '172.20.0.2': { [DUBLIN_HOST]: ['172.20.3.4'] },
        },
      },
    })
    const outcome = await runProbe(resolversProbe, {
      env,
      target: { resolvers: ['172.20.0.2'] },
      data: { 'dns.system': resolved(DUBLIN_HOST, ['172.20.3.4']) },
    })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain("2 nameservers agree with the system resolver (dig not found: asked with Node's resolver)")
    expect(outcome.evidence).toMatchObject({ tool: 'node resolver (dig not found)' })
    expect(env.record.resolves.map((r) => r.server).sort()).toEqual(['10.255.255.53', '172.20.0.2'])
  })

  it('on Windows asks only the --resolver servers, without reading resolv.conf', async () => {
    const env = fakeEnv({
      platform: 'win32',
      dns: { resolve: { '10.0.0.2': { [SEOUL_HOST]: { ok: false, code: 'DNS_NO_REPLY', message: 'queryA ETIMEOUT', ms: 2000 } } } },
    })
    const outcome = await runProbe(resolversProbe, {
      env,
      target: { resolvers: ['10.0.0.2'] },
      data: { 'dns.system': resolved(SEOUL_HOST, ['10.0.10.239']) },
    })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain('10.0.0.2 (--resolver) fails: DNS_NO_REPLY: queryA ETIMEOUT')
    expect(env.record.reads).toEqual([])
  })

  it('on macOS says that resolv.conf is not the whole story', async () => {
    const env = fakeEnv({
      platform: 'darwin',
      which: { dig: '/usr/bin/dig' },
      files: { '/etc/resolv.conf': readFixture('resolv-conf/macos-scoped-ipv6-nameserver.conf') },
      exec: [
        ...digFor('fe80::729f:2dff:fe9a:baae%en0', SEOUL_HOST, TWO_RECORDS),
        ...digFor('192.168.2.254', SEOUL_HOST, NXDOMAIN),
      ],
    })
    const outcome = await runProbe(resolversProbe, { env, data: { 'dns.system': resolved(SEOUL_HOST, ['10.0.12.34', '10.0.45.67']) } })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain('192.168.2.254 (system) has no answer')
    expect(outcome.detail).toContain('/etc/resolver/*')
  })

  it('skips an IP-literal endpoint', async () => {
    const env = fakeEnv()
    const outcome = await runProbe(resolversProbe, { env, data: { 'dns.system': { host: '10.0.10.239', port: 443, ips: ['10.0.10.239'], isIpLiteral: true } } })
    expect(outcome.status).toBe('skip')
    expect(outcome.detail).toContain('no DNS involved')
    expect(env.record.reads).toEqual([])
  })

  it('skips when there is no nameserver to ask', async () => {
    const env = fakeEnv({ which: { dig: '/usr/bin/dig' } })
    const outcome = await runProbe(resolversProbe, { env, data: { 'dns.system': resolved(SEOUL_HOST, ['10.0.10.239']) } })
    expect(outcome.status).toBe('skip')
    expect(outcome.detail).toContain('no nameserver in /etc/resolv.conf and no --resolver given')
  })
})

describe('dns.resolvers when the system resolver failed', () => {
  it('still asks each --resolver, so the one that answers is on record', async () => {
    const env = fakeEnv({
      which: { dig: '/usr/bin/dig' },
      files: {},
      exec: digFor('10.40.0.2', SEOUL_HOST, TWO_RECORDS),
    })
    const outcome = await runProbe(resolversProbe, {
      env,
      target: { endpoint: `https://${SEOUL_HOST}`, resolvers: ['10.40.0.2'] },
      data: {},
    })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain('(none)')
    expect(outcome.detail).toContain('10.40.0.2 (--resolver) says 10.0.12.34, 10.0.45.67')
  })
})
