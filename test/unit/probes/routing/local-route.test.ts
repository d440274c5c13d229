import { describe, expect, it } from 'vitest'
import type { Fix } from '../../../../src/engine/types.js'
import type { Platform } from '../../../../src/platform/env.js'
import { windowsFindNetRouteArgs } from '../../../../src/platform/parsers/route-windows.js'
import { localRouteProbe } from '../../../../src/probes/routing/local-route.js'
import type { ResolvedEndpoint } from '../../../../src/probes/dns/system.js'
import type { RouteVerdict } from '../../../../src/probes/routing/local-route.js'
import type { TailscaleState } from '../../../../src/probes/routing/tailscale.js'
import {
  fakeEnv,
  readCapture,
  readFixture,
  runProbe,
  tailscalePeer,
  tailscaleState,
  type ScriptedCall,
} from '../../../helpers/fake-env.js'

const HOST = '0a1b2c3d4e5f60718293a4b5c6d7e8f9.gr7.ap-northeast-2.eks.amazonaws.com'
const resolved = (...ips: string[]): ResolvedEndpoint => ({ host: HOST, port: 443, ips, isIpLiteral: false })

// ---- Linux: real `ip -j route get` captures (test/fixtures/ip-route, SOURCES.md) ----
const IP_ROUTE = (name: string) => readCapture(`ip-route/debian12-iproute2-6.1.0/${name}.json`)

/** A recorded `ip -j route get`, answered for `ip`. */
function linuxRoute(name: string, ip?: string): ScriptedCall {
  const capture = IP_ROUTE(name)
  const asked = capture.command.at(-1) as string
  // The default-route capture asked about 198.51.100.7; the same route answers any other
  // destination with only "dst" changed, which is how a private endpoint IP leaks to eth0.
  const stdout = ip ? capture.stdout.replaceAll(`"dst":"${asked}"`, `"dst":"${ip}"`) : capture.stdout
  return { file: 'ip', args: ['-j', 'route', 'get', ip ?? asked], stdout, stderr: capture.stderr, exitCode: capture.exitCode }
}

// ---- macOS: published `route -n get` outputs (test/fixtures/route-darwin, SOURCES.md) ----
function darwinRoute(ip: string, stdout: string, stderr = ''): ScriptedCall {
  return { file: '/sbin/route', args: ['-n', 'get', ip], stdout, stderr }
}
/** `route -n get 192.0.43.10` via en1's default gateway, asked for another address. */
const darwinDefault = (ip: string) => readFixture('route-darwin/real-world-systems-en1-default.txt').replace('192.0.43.10', ip)
// Constructed in print_getmsg()'s format (no published capture): a loopback host route.
const DARWIN_LOOPBACK = [
  '   route to: 127.0.0.1',
  'destination: 127.0.0.1',
  '  interface: lo0',
  '      flags: <UP,HOST,DONE,LOCAL>',
  ' recvpipe  sendpipe  ssthresh  rtt,msec    rttvar  hopcount      mtu     expire',
  '       0         0         0         0         0         0     16384         0',
  '',
].join('\n')

// ---- Windows: Find-NetRoute | Select-Object | ConvertTo-Json (test/fixtures/find-netroute) ----
const WINDOWS_DEFAULT = readFixture('find-netroute/windows-server-doc-example.derived.json')
/** The derived doc example with other route fields, for the kinds no published sample shows. */
const windowsRoute = (fields: Record<string, unknown>) => JSON.stringify({ ...(JSON.parse(WINDOWS_DEFAULT) as object), ...fields })
function winRoute(ip: string, stdout: string, exitCode = 0, stderr = ''): ScriptedCall {
  return { file: 'powershell', args: windowsFindNetRouteArgs(ip), stdout, exitCode, stderr }
}

function routesOf(data: unknown) {
  return (data as RouteVerdict[]).map((r) => ({ ip: r.ip, kind: r.kind }))
}

describe('routing.local-route: route kinds per OS', () => {
  const cases: {
    name: string
    platform: Platform
    ip: string
    call: ScriptedCall
    kind: RouteVerdict['kind']
    status: 'pass' | 'fail'
    code?: string
    evidence: Record<string, unknown>
    /** Calls after the route lookup (the tunnel's owner). */
    extra?: ScriptedCall[]
  }[] = [
    // Linux
    {
      name: 'linux: subnet route into tailscale0 (table 52)',
      platform: 'linux',
      ip: '10.0.12.34',
      call: linuxRoute('tailscale-subnet'),
      kind: 'vpn',
      status: 'pass',
      evidence: { interface: 'tailscale0', table: '52', gateway: null },
    },
    {
      name: 'linux: IPv6 tailnet route into tailscale0',
      platform: 'linux',
      ip: 'fd7a:115c:a1e0::aaaa:bbbb',
      call: linuxRoute('tailscale-ipv6'),
      kind: 'vpn',
      status: 'pass',
      evidence: { interface: 'tailscale0', table: '52' },
    },
    {
      name: 'linux: private endpoint IP out of eth0 via the default gateway',
      platform: 'linux',
      ip: '10.0.12.34',
      call: linuxRoute('default-gateway', '10.0.12.34'),
      kind: 'default',
      status: 'fail',
      code: 'ROUTE_NOT_VPN',
      evidence: { interface: 'eth0', gateway: '192.0.2.1' },
    },
    {
      name: 'linux: a public endpoint IP is meant to use the default route',
      platform: 'linux',
      ip: '198.51.100.7',
      call: linuxRoute('default-gateway'),
      kind: 'default',
      status: 'pass',
      evidence: { interface: 'eth0', gateway: '192.0.2.1' },
    },
    {
      name: 'linux: local',
      platform: 'linux',
      ip: '127.0.0.1',
      call: linuxRoute('local'),
      kind: 'local',
      status: 'pass',
      evidence: { interface: 'lo', table: 'local' },
    },
    {
      name: 'linux: unreachable route',
      platform: 'linux',
      ip: '10.20.1.1',
      call: linuxRoute('unreachable'),
      kind: 'unreachable',
      status: 'fail',
      code: 'ROUTE_UNREACHABLE',
      evidence: { interface: null, error: 'RTNETLINK answers: No route to host' },
    },
    {
      name: 'linux: blackhole route',
      platform: 'linux',
      ip: '10.30.1.1',
      call: linuxRoute('blackhole'),
      kind: 'unreachable',
      status: 'fail',
      code: 'ROUTE_UNREACHABLE',
      evidence: { error: 'RTNETLINK answers: Invalid argument' },
    },
    {
      name: 'linux: no route at all',
      platform: 'linux',
      ip: '198.51.100.7',
      call: linuxRoute('no-route'),
      kind: 'unreachable',
      status: 'fail',
      code: 'ROUTE_UNREACHABLE',
      evidence: { error: 'RTNETLINK answers: Network is unreachable' },
    },
    // macOS
    {
      name: 'darwin: subnet route into utun4',
      platform: 'darwin',
      ip: '10.94.0.0',
      call: darwinRoute('10.94.0.0', readFixture('route-darwin/mugvpn-utun4-subnet.txt')),
      // The Network Extension VPN service that owns utun4, as `ifconfig -v` names it.
      extra: [{ file: 'ifconfig', args: ['-v', 'utun4'], stdout: readFixture('interface-mtu/darwin-15.3-teleport-ifconfig-v-utun4.txt') }],
      kind: 'vpn',
      status: 'pass',
      evidence: { interface: 'utun4', matched: '10.94.0.0/24', owner: 'VPN: foobar' },
    },
    {
      name: 'darwin: private endpoint IP out of en1 via the default gateway',
      platform: 'darwin',
      ip: '10.0.45.67',
      call: darwinRoute('10.0.45.67', darwinDefault('10.0.45.67')),
      kind: 'default',
      status: 'fail',
      code: 'ROUTE_NOT_VPN',
      evidence: { interface: 'en1', gateway: '192.168.1.1', matched: '0.0.0.0/0' },
    },
    {
      name: 'darwin: local',
      platform: 'darwin',
      ip: '127.0.0.1',
      call: darwinRoute('127.0.0.1', DARWIN_LOOPBACK),
      kind: 'local',
      status: 'pass',
      evidence: { interface: 'lo0' },
    },
    {
      name: 'darwin: not in table',
      platform: 'darwin',
      ip: '10.77.0.5',
      call: darwinRoute('10.77.0.5', '', readFixture('route-darwin/not-in-table.stderr.txt')),
      kind: 'unreachable',
      status: 'fail',
      code: 'ROUTE_UNREACHABLE',
      evidence: { error: 'route: writing to routing socket: not in table' },
    },
    // Windows
    {
      name: 'win32: the Tailscale adapter',
      platform: 'win32',
      ip: '10.79.197.200',
      call: winRoute('10.79.197.200', windowsRoute({ DestinationPrefix: '10.79.0.0/16', NextHop: '0.0.0.0', InterfaceAlias: 'Tailscale', InterfaceIndex: 17 })),
      kind: 'vpn',
      status: 'pass',
      evidence: { interface: 'Tailscale', matched: '10.79.0.0/16', gateway: null },
    },
    {
      name: 'win32: private endpoint IP out of Ethernet via the default gateway (doc example)',
      platform: 'win32',
      ip: '10.79.197.200',
      call: winRoute('10.79.197.200', WINDOWS_DEFAULT),
      kind: 'default',
      status: 'fail',
      code: 'ROUTE_NOT_VPN',
      evidence: { interface: 'Ethernet', gateway: '172.31.232.1', matched: '0.0.0.0/0' },
    },
    {
      name: 'win32: local',
      platform: 'win32',
      ip: '127.0.0.1',
      call: winRoute('127.0.0.1', windowsRoute({ DestinationPrefix: '127.0.0.0/8', NextHop: '0.0.0.0', InterfaceAlias: 'Loopback Pseudo-Interface 1', InterfaceIndex: 1 })),
      kind: 'local',
      status: 'pass',
      evidence: { interface: 'Loopback Pseudo-Interface 1' },
    },
    {
      name: 'win32: Find-NetRoute finds no route',
      platform: 'win32',
      ip: '10.88.0.9',
      call: winRoute('10.88.0.9', '', 1, 'Find-NetRoute : The network location cannot be reached.\r\n'),
      kind: 'unreachable',
      status: 'fail',
      code: 'ROUTE_UNREACHABLE',
      evidence: { error: 'Find-NetRoute : The network location cannot be reached.' },
    },
  ]

  it.each(cases)('$name → $kind, $status', async ({ platform, ip, call, kind, status, code, evidence, extra }) => {
    const env = fakeEnv({ platform, which: platform === 'linux' ? { ip: '/usr/sbin/ip' } : {}, exec: [call, ...(extra ?? [])] })
    const outcome = await runProbe(localRouteProbe, { env, data: { 'dns.system': resolved(ip) } })
    expect(outcome.status).toBe(status)
    expect(outcome.code).toBe(code)
    expect(routesOf(outcome.data)).toEqual([{ ip, kind }])
    expect((outcome.evidence?.routes as unknown[])[0]).toMatchObject({ ip, kind, ...evidence })
    if (status === 'fail') {
      expect(outcome.category).toBe('routing')
      expect(outcome.detail).toContain(ip)
      expect(outcome.fixes).toHaveLength(1)
    }
    for (const c of env.script.calls) expect(c.options.timeoutMs).toBeGreaterThan(0)
  })

  it('names the process that holds a tun interface (an OpenVPN client), from its fdinfo', async () => {
    // The recorded subnet route, as an OpenVPN client's tun0 would carry it.
    const viaTun = { ...linuxRoute('tailscale-subnet'), stdout: linuxRoute('tailscale-subnet').stdout!.replaceAll('tailscale0', 'tun0') }
    const env = fakeEnv({
      which: { ip: '/usr/sbin/ip' },
      exec: [viaTun, { file: 'sh', args: ['-c', "grep -lsE '^iff:[[:space:]]+tun0$' /proc/[0-9]*/fdinfo/* | head -n 1"], stdout: '/proc/812/fdinfo/7\n' }],
      files: { '/proc/812/comm': 'openvpn\n' },
    })
    const outcome = await runProbe(localRouteProbe, { env, data: { 'dns.system': resolved('10.0.12.34') } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe('10.0.12.34 via tun0 (openvpn (pid 812))')
    expect((outcome.evidence?.routes as unknown[])[0]).toMatchObject({ interface: 'tun0', owner: 'openvpn (pid 812)' })
  })

  it('names the interface and gateway the private IP leaks through', async () => {
    const env = fakeEnv({ which: { ip: '/usr/sbin/ip' }, exec: [linuxRoute('default-gateway', '172.20.3.4')] })
    const outcome = await runProbe(localRouteProbe, { env, data: { 'dns.system': resolved('172.20.3.4') } })
    expect(outcome.detail).toBe('172.20.3.4 leaves through eth0, not a VPN: 172.20.3.4 via eth0 (gateway 192.0.2.1)')
  })

  it('checks every endpoint IP on its own and says when only some miss the VPN', async () => {
    const env = fakeEnv({
      which: { ip: '/usr/sbin/ip' },
      exec: [linuxRoute('tailscale-subnet'), linuxRoute('default-gateway', '10.0.45.67')],
    })
    const outcome = await runProbe(localRouteProbe, { env, data: { 'dns.system': resolved('10.0.12.34', '10.0.45.67') } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_NOT_VPN' })
    expect(outcome.detail).toContain('10.0.45.67 leaves through eth0, not a VPN (1 of 2 endpoint IPs)')
    expect(outcome.detail).not.toContain('10.0.12.34 via')
    expect(routesOf(outcome.data)).toEqual([
      { ip: '10.0.12.34', kind: 'vpn' },
      { ip: '10.0.45.67', kind: 'default' },
    ])
  })

  it('falls back to /sbin/ip when `ip` is not on PATH, and reports a missing iproute2', async () => {
    const env = fakeEnv({ exec: [{ file: '/sbin/ip', args: ['-j', 'route', 'get', '10.0.12.34'], notFound: true }] })
    const outcome = await runProbe(localRouteProbe, { env, data: { 'dns.system': resolved('10.0.12.34') } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_UNREACHABLE' })
    expect((outcome.evidence?.routes as unknown[])[0]).toMatchObject({ error: 'ip (iproute2) not found' })
  })
})

describe('routing.local-route: the fix follows what Tailscale says', () => {
  /** Runs the probe on Linux for one private IP that leaves via eth0's default gateway. */
  async function fixFor(ip: string, data: { tailscale?: TailscaleState; vpcCidr?: string }, platform: Platform = 'linux'): Promise<Fix> {
    const call =
      platform === 'linux'
        ? linuxRoute('default-gateway', ip)
        : platform === 'darwin'
          ? darwinRoute(ip, darwinDefault(ip))
          : winRoute(ip, WINDOWS_DEFAULT)
    const env = fakeEnv({ platform, which: { ip: '/usr/sbin/ip' }, exec: [call] })
    const outcome = await runProbe(localRouteProbe, {
      env,
      data: {
        'dns.system': resolved(ip),
        ...(data.tailscale ? { 'routing.tailscale': data.tailscale } : {}),
        ...(data.vpcCidr ? { 'cluster.vpc': { cidrs: [data.vpcCidr] } } : {}),
      },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_NOT_VPN', category: 'routing' })
    expect(outcome.fixes).toHaveLength(1)
    return outcome.fixes?.[0] as Fix
  }

  const router = (o: { online?: boolean; routes: string[]; host?: string; ip?: string }) =>
    tailscalePeer({
      hostName: o.host ?? 'vpn-router-apne2',
      tailscaleIPs: [o.ip ?? '100.88.1.2'],
      online: o.online ?? true,
      primaryRoutes: o.routes,
      allowedIPs: [`${o.ip ?? '100.88.1.2'}/32`, ...o.routes],
    })

  it.each(['Stopped', 'NeedsLogin'])('Tailscale %s → start it with tailscale up', async (backendState) => {
    const fix = await fixFor('10.0.12.34', { tailscale: tailscaleState({ backendState }) })
    expect(fix.commands).toContain('tailscale up')
    expect(fix.why).toContain(backendState)
  })

  it('tailscaled not answering → tailscale up', async () => {
    const fix = await fixFor('10.0.12.34', { tailscale: { path: '/usr/bin/tailscale', error: 'failed to connect to local tailscaled' } })
    expect(fix.commands).toContain('tailscale up')
    expect(fix.why).toContain('not answering')
  })

  it.each([
    { ip: '10.0.12.34', cidr: '10.0.0.0/16' },
    { ip: '172.20.3.4', cidr: '172.20.0.0/16' },
  ])('no peer covers $ip → advertise $cidr from the subnet router', async ({ ip, cidr }) => {
    const unrelated = router({ routes: ['192.168.50.0/24'], host: 'home-router', ip: '100.77.0.1' })
    const fix = await fixFor(ip, { tailscale: tailscaleState({ peers: [unrelated], routeAll: true }), vpcCidr: cidr })
    expect(fix.commands[0]).toContain(`--advertise-routes=${cidr}`)
    expect(fix.commands[0]).toContain('--snat-subnet-routes=true')
    expect(fix.why).toContain(ip)
  })

  it.each([
    { ip: '10.0.12.34', host: 'vpn-router-apne2', peerIp: '100.88.1.2', route: '10.0.0.0/16' },
    { ip: '172.20.3.4', host: 'subnet-router-euw1', peerIp: '100.101.7.9', route: '172.20.0.0/18' },
  ])('the covering peer $host is offline → bring it back', async ({ ip, host, peerIp, route }) => {
    const peer = router({ online: false, routes: [route], host, ip: peerIp })
    const fix = await fixFor(ip, { tailscale: tailscaleState({ peers: [peer], routeAll: true }) })
    expect(fix.title).toContain(host)
    expect(fix.why).toContain(route)
    expect(fix.commands[0]).toBe(`tailscale ping ${peerIp}`)
    expect(fix.commands[1]).toContain(`# on ${host}`)
  })

  it.each([
    { platform: 'linux' as const, ip: '10.0.12.34', route: '10.0.0.0/16', command: 'sudo tailscale set --accept-routes=true' },
    { platform: 'darwin' as const, ip: '172.20.3.4', route: '172.20.0.0/16', command: 'sudo tailscale set --accept-routes=true' },
    { platform: 'win32' as const, ip: '10.79.197.200', route: '10.79.0.0/16', command: 'tailscale set --accept-routes=true' },
  ])('accept-routes off on $platform → $command', async ({ platform, ip, route, command }) => {
    const peer = router({ routes: [route], host: 'vpn-router' })
    const fix = await fixFor(ip, { tailscale: tailscaleState({ peers: [peer], routeAll: false }) }, platform)
    expect(fix.commands).toEqual([command])
    expect(fix.why).toContain(route)
    expect(fix.why).toContain('vpn-router')
  })

  it('accept-routes off known only from the health warning → tailscale set --accept-routes', async () => {
    const peer = router({ routes: ['10.0.0.0/16'] })
    const fix = await fixFor('10.0.12.34', { tailscale: tailscaleState({ peers: [peer], acceptRoutesHealthWarning: true }) })
    expect(fix.commands[0]).toContain('tailscale set --accept-routes')
  })

  it('without Tailscale, asks to connect the VPN and names the interface the IP leaks through', async () => {
    const fix = await fixFor('10.0.12.34', {})
    expect(fix.title).toContain('Connect the VPN')
    expect(fix.why).toContain('10.0.12.34')
    expect(fix.why).toContain('eth0')
  })

  it('an on-link LAN route overlapping the VPC → a host route into tailscale0', async () => {
    // The tailscale-subnet capture with the route moved to eth0 and out of table 52: an on-link LAN prefix.
    const capture = IP_ROUTE('tailscale-subnet')
    const stdout = capture.stdout.replace('"dev":"tailscale0","table":"52",', '"dev":"eth0",')
    const env = fakeEnv({ which: { ip: '/usr/sbin/ip' }, exec: [{ file: 'ip', args: ['-j', 'route', 'get', '10.0.12.34'], stdout }] })
    const outcome = await runProbe(localRouteProbe, {
      env,
      data: { 'dns.system': resolved('10.0.12.34'), 'routing.tailscale': tailscaleState({ routeAll: true }) },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_NOT_VPN' })
    expect(routesOf(outcome.data)).toEqual([{ ip: '10.0.12.34', kind: 'lan' }])
    expect(outcome.fixes?.[0]?.commands[0]).toBe('sudo ip route add 10.0.12.34/32 dev tailscale0   # Linux')
  })
})
