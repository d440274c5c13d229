/**
 * routing.wireguard through the fake environment: `wg show all dump` answers (recorded format,
 * test/fixtures/wg and SOURCES.md), the route check's data, and the packet the check sends through
 * the tunnel before it calls a quiet peer dead.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import type { Platform } from '../../../../src/platform/env.js'
import type { ResolvedEndpoint } from '../../../../src/probes/dns/system.js'
import type { RouteVerdict } from '../../../../src/probes/routing/local-route.js'
import { wireguardProbe } from '../../../../src/probes/routing/wireguard.js'
import { fakeEnv, runProbe, type ScriptedCall } from '../../../helpers/fake-env.js'

const fixture = (name: string) => readFileSync(resolve(import.meta.dirname, '../../../fixtures/wg', name), 'utf8')
const DUMP: ScriptedCall['args'] = ['show', 'all', 'dump']
/** `ip -j addr show dev wg0` of a wg-quick client (Address = 10.250.0.2/32). */
const WG0_ADDR: ScriptedCall = {
  file: 'ip',
  args: ['-j', 'addr', 'show', 'dev', 'wg0'],
  stdout: '[{"ifindex":5,"ifname":"wg0","flags":["POINTOPOINT","NOARP","UP","LOWER_UP"],"mtu":1420,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"none","addr_info":[{"family":"inet","local":"10.250.0.2","prefixlen":32,"scope":"global","label":"wg0","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]\n',
}

const resolved = (ips: string[]): ResolvedEndpoint => ({ host: 'f00dface0000111122223333abcdef01.yl4.eu-west-1.eks.amazonaws.com', port: 443, ips, isIpLiteral: false })
const route = (ip: string, iface: string, kind: RouteVerdict['kind']): RouteVerdict => ({ ip, kind, lookup: { destination: ip, ok: true, interface: iface } })

/** A client's dump as wg prints it: the interface line, then its one peer (the server). */
function clientDump(o: { allowed: string; handshake: number; rx?: number; endpoint?: string }): string {
  return [
    'wg0\t(hidden)\tq3bQ1Xy5m2dYwzK8c0bJ7kVn4RtP6sLhA9fE1gU3iW0=\t39211\toff',
    `wg0\tYl2v5c8dKq0TnR7sW1xF4aB6eH9jM3pL0uZ2yV5tN8k=\t(none)\t${o.endpoint ?? '198.18.40.10:51820'}\t${o.allowed}\t${o.handshake}\t${o.rx ?? 0}\t5920\t25`,
    '',
  ].join('\n')
}

async function run(o: { ips: string[]; routes: RouteVerdict[]; exec: ScriptedCall[]; now: number; platform?: Platform; vpcCidrs?: string[]; net?: Record<string, 'ok' | 'TCP_TIMEOUT'> }) {
  const env = fakeEnv({ platform: o.platform ?? 'linux', which: { wg: '/usr/bin/wg' }, exec: o.exec, now: o.now, net: o.net })
  const outcome = await runProbe(wireguardProbe, {
    env,
    data: {
      'dns.system': resolved(o.ips),
      'routing.local-route': o.routes,
      ...(o.vpcCidrs ? { 'cluster.vpc': { vpcId: 'vpc-0e91551d9b13f461b', cidrs: o.vpcCidrs, enableDnsSupport: true, enableDnsHostnames: true } } : {}),
    },
  })
  return { outcome, env }
}

describe('routing.wireguard', () => {
  it('passes for a peer whose allowed IPs cover the endpoint and that answered a minute ago (a recorded full-tunnel client)', async () => {
    const { outcome } = await run({
      ips: ['10.40.1.21'],
      routes: [route('10.40.1.21', 'wg0', 'vpn')],
      exec: [{ file: 'wg', args: DUMP, stdout: fixture('sysreseval-all-dump-full-tunnel.txt') }, WG0_ADDR],
      now: (1791300279 + 64) * 1000,
    })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe('10.40.1.21 via wg0 peer TEK9K2pf… (the latest handshake was 64 s ago)')
    expect(outcome.evidence).toMatchObject({ peers: [{ ip: '10.40.1.21', interface: 'wg0', endpoint: '172.18.0.2:51820', allowedIps: ['0.0.0.0/0'], handshakeAgeSeconds: 64 }] })
    // The dump prints keys in clear: the evidence keeps only a short public-key prefix.
    expect(JSON.stringify(outcome.evidence)).not.toContain('TEK9K2pfGbgbx9OXXwrG9t4DB9bMc4P+qyA4DTsXJ1A=')
  })

  it('a quiet tunnel (last handshake an hour ago) that answers when the check sends through it passes', async () => {
    const now = 1_796_000_000_000
    const old = now / 1000 - 3600
    const { outcome, env } = await run({
      ips: ['10.40.1.21'],
      routes: [route('10.40.1.21', 'wg0', 'vpn')],
      exec: [
        { file: 'wg', args: DUMP, stdout: clientDump({ allowed: '10.40.0.0/16', handshake: old }) },
        WG0_ADDR,
        { file: 'wg', args: DUMP, stdout: clientDump({ allowed: '10.40.0.0/16', handshake: now / 1000 - 1, rx: 92 }) },
      ],
      net: { '10.40.1.21:443': 'ok' },
      now,
    })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe('10.40.1.21 via wg0 peer Yl2v5c8d… (handshake renewed now)')
    expect(outcome.data).toMatchObject({ carriers: [{ ip: '10.40.1.21', iface: 'wg0', endpoint: '198.18.40.10:51820' }], tunnelAddresses: { wg0: '10.250.0.2/32' } })
    expect(env.record.connects).toEqual([{ ip: '10.40.1.21', port: 443, timeoutMs: 2000 }])
  })

  it.each([
    { handshake: 0, said: 'no handshake ever completed' },
    { handshake: 1_796_000_000 - 5400, said: 'the latest handshake was 90 min ago' },
  ])('fails WG_HANDSHAKE_STALE when the peer answers no handshake after the check sends through it ($said)', async ({ handshake, said }) => {
    const now = 1_796_000_000_000
    const dump = clientDump({ allowed: '192.168.0.0/16', handshake, endpoint: '203.0.113.77:51820' })
    // WireGuard re-sends an initiation at most every 5 s: the check waits 5.5 s (here on fake timers), reading the dump every 250 ms.
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    const pending = run({
      ips: ['192.168.70.9', '192.168.85.200'],
      routes: [route('192.168.70.9', 'wg0', 'vpn'), route('192.168.85.200', 'wg0', 'vpn')],
      exec: [...Array.from({ length: 1 + 22 }, () => ({ file: 'wg', args: DUMP, stdout: dump })), WG0_ADDR],
      net: { '192.168.70.9:443': 'TCP_TIMEOUT' },
      now,
    })
    await vi.advanceTimersByTimeAsync(6000)
    const { outcome } = await pending.finally(() => vi.useRealTimers())
    expect(outcome).toMatchObject({ status: 'fail', code: 'WG_HANDSHAKE_STALE', category: 'routing' })
    expect(outcome.detail).toBe(
      `wg0's peer Yl2v5c8d… at 203.0.113.77:51820 carries 192.168.70.9, 192.168.85.200, but ${said} and none completed within 5.5 s of sending through it: the tunnel is down (the server does not answer on UDP 51820)`,
    )
    expect(outcome.fixes?.[0]?.commands).toEqual([
      'sudo wg show wg0 latest-handshakes   # 0 or an old time: no answer',
      "aws ec2 describe-instances --filters Name=ip-address,Values=203.0.113.77 --query 'Reservations[].Instances[].[InstanceId,State.Name,SecurityGroups[].GroupId]' --output text   # the server, and the groups that must admit UDP 51820",
      'sudo wg show   # on the server: this peer (Yl2v5c8d…) listed, with a recent handshake once the tunnel is up',
    ])
  })

  it.each([
    {
      platform: 'linux' as const,
      route: 'sudo ip route add 10.40.0.0/16 dev wg0',
      set: 'sudo wg set wg0 peer Yl2v5c8dKq0TnR7sW1xF4aB6eH9jM3pL0uZ2yV5tN8k= allowed-ips 10.77.0.0/16,10.40.0.0/16',
    },
    {
      platform: 'darwin' as const,
      route: 'sudo route -q -n add -inet 10.40.0.0/16 -interface wg0',
      set: 'sudo wg set wg0 peer Yl2v5c8dKq0TnR7sW1xF4aB6eH9jM3pL0uZ2yV5tN8k= allowed-ips 10.77.0.0/16,10.40.0.0/16',
    },
  ])('fails WG_ALLOWED_IPS_MISSING on $platform, explaining the route that misses the VPN, with the peer, the CIDR and the route', async ({ platform, route: routeCommand, set }) => {
    const now = 1_796_000_000_000
    const { outcome } = await run({
      ips: ['10.40.1.21', '10.40.2.34'],
      routes: [route('10.40.1.21', 'eth0', 'default'), route('10.40.2.34', 'eth0', 'default')],
      exec: [{ file: 'wg', args: DUMP, stdout: clientDump({ allowed: '10.77.0.0/16', handshake: now / 1000 - 20 }) }],
      vpcCidrs: ['10.40.0.0/16'],
      platform,
      now,
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'WG_ALLOWED_IPS_MISSING', category: 'routing', refines: 'routing.local-route' })
    expect(outcome.detail).toBe('wg0 is up, but its peer Yl2v5c8d… at 198.18.40.10:51820 carries only 10.77.0.0/16, not 10.40.0.0/16: no route sends 10.40.1.21, 10.40.2.34 into the tunnel')
    expect(outcome.fixes?.[0]?.commands).toEqual([set, routeCommand, "# to keep it: AllowedIPs = 10.77.0.0/16, 10.40.0.0/16 in the [Peer] of wg0's configuration"])
  })

  it('a WireGuard tunnel that does not carry the endpoint, while another VPN does, is not judged', async () => {
    const { outcome } = await run({
      ips: ['10.40.1.21'],
      routes: [route('10.40.1.21', 'tailscale0', 'vpn')],
      exec: [{ file: 'wg', args: DUMP, stdout: clientDump({ allowed: '10.77.0.0/16', handshake: 1_795_999_990 }) }],
      now: 1_796_000_000_000,
    })
    expect(outcome).toMatchObject({ status: 'pass', detail: 'no WireGuard peer carries 10.40.1.21: this path does not use wg0' })
  })

  it('without root, says that reading the peers needs it, and judges nothing', async () => {
    const { outcome } = await run({
      ips: ['10.40.1.21'],
      routes: [route('10.40.1.21', 'wg0', 'vpn')],
      exec: [{ file: 'wg', args: DUMP, exitCode: 1, stderr: 'Unable to access interface: Operation not permitted\n' }],
      now: 1_796_000_000_000,
    })
    expect(outcome).toMatchObject({ status: 'skip', detail: 'wg show all dump: Unable to access interface: Operation not permitted (reading WireGuard peers needs root: run with sudo to check them)' })
  })

  it('skips when wg is not installed', async () => {
    const env = fakeEnv({ which: {} })
    const outcome = await runProbe(wireguardProbe, { env, data: { 'dns.system': resolved(['10.40.1.21']) } })
    expect(outcome).toMatchObject({ status: 'skip', detail: 'wg (wireguard-tools) is not installed: no WireGuard tunnel to read' })
  })
})
