import { describe, expect, it } from 'vitest'
import type { Platform } from '../../../../src/platform/env.js'
import { vpnPeerProbe } from '../../../../src/probes/routing/vpn-peer.js'
import type { RouteVerdict } from '../../../../src/probes/routing/local-route.js'
import type { TailscaleState } from '../../../../src/probes/routing/tailscale.js'
import { fakeEnv, runProbe, tailscalePeer, tailscaleState } from '../../../helpers/fake-env.js'

function route(ip: string, iface: string, kind: RouteVerdict['kind'] = 'vpn'): RouteVerdict {
  return { ip, kind, lookup: { destination: ip, ok: true, interface: iface, type: 'unicast' } }
}

function router(o: { host: string; ip: string; routes: string[]; online?: boolean; curAddr?: string; relay?: string }) {
  return tailscalePeer({
    hostName: o.host,
    tailscaleIPs: [o.ip],
    online: o.online ?? true,
    primaryRoutes: o.routes,
    allowedIPs: [`${o.ip}/32`, ...o.routes],
    ...(o.curAddr ? { curAddr: o.curAddr } : {}),
    ...(o.relay ? { relay: o.relay } : {}),
  })
}

async function run(o: { platform?: Platform; routes: RouteVerdict[]; tailscale?: TailscaleState; vpcCidr?: string }) {
  return runProbe(vpnPeerProbe, {
    env: fakeEnv({ platform: o.platform ?? 'linux' }),
    data: {
      'routing.local-route': o.routes,
      ...(o.tailscale ? { 'routing.tailscale': o.tailscale } : {}),
      ...(o.vpcCidr ? { 'cluster.vpc': { cidrs: [o.vpcCidr] } } : {}),
    },
  })
}

describe('routing.vpn-peer', () => {
  it.each([
    { platform: 'linux' as const, iface: 'tailscale0', ip: '10.0.12.34', host: 'vpn-router-apne2', route: '10.0.0.0/16' },
    { platform: 'darwin' as const, iface: 'utun4', ip: '172.20.3.4', host: 'subnet-router-euw1', route: '172.20.0.0/16' },
  ])('passes on $platform when $host carries $ip and is online', async ({ platform, iface, ip, host, route: cidr }) => {
    const peer = router({ host, ip: '100.88.1.2', routes: [cidr], curAddr: '203.0.113.9:41641' })
    const outcome = await run({ platform, routes: [route(ip, iface)], tailscale: tailscaleState({ peers: [peer] }) })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`carried by ${host} (${cidr}), online`)
    expect(outcome.evidence?.peers).toEqual([{ ip, peer: host, route: cidr, online: true, path: 'direct' }])
  })

  it.each([
    { ip: '10.0.12.34', host: 'vpn-router-apne2', peerIp: '100.88.1.2', route: '10.0.0.0/16' },
    { ip: '172.20.3.4', host: 'subnet-router-euw1', peerIp: '100.101.7.9', route: '172.20.0.0/18' },
  ])('fails VPN_PEER_OFFLINE when $host, which serves $route, is offline', async ({ ip, host, peerIp, route: cidr }) => {
    const peer = router({ host, ip: peerIp, routes: [cidr], online: false, relay: 'tok' })
    const outcome = await run({ routes: [route(ip, 'tailscale0')], tailscale: tailscaleState({ peers: [peer] }) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'VPN_PEER_OFFLINE', category: 'routing' })
    expect(outcome.detail).toBe(`the subnet router ${host} that serves ${cidr} is offline`)
    expect(outcome.evidence?.peers).toEqual([{ ip, peer: host, route: cidr, online: false, path: 'relay tok' }])
    const fix = outcome.fixes?.[0]
    expect(fix?.commands[0]).toBe(`tailscale ping ${peerIp}`)
    expect(fix?.commands[1]).toContain(`# on ${host}`)
    expect(fix?.why).toContain(cidr)
  })

  it('prefers the most specific covering route (a subnet router over an exit node)', async () => {
    const exitNode = tailscalePeer({ hostName: 'exit-node', tailscaleIPs: ['100.64.0.9'], online: false, exitNode: true, allowedIPs: ['100.64.0.9/32', '0.0.0.0/0', '::/0'] })
    const subnet = router({ host: 'vpn-router-apne2', ip: '100.88.1.2', routes: ['10.0.0.0/16'] })
    const outcome = await run({ routes: [route('10.0.12.34', 'tailscale0')], tailscale: tailscaleState({ peers: [exitNode, subnet] }) })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain('vpn-router-apne2 (10.0.0.0/16)')
  })

  it.each([
    { ip: '10.0.12.34', cidr: '10.0.0.0/16' },
    { ip: '172.20.3.4', cidr: '172.20.0.0/16' },
  ])('fails ROUTE_NOT_VPN when no peer serves $ip, advertising $cidr', async ({ ip, cidr }) => {
    const other = router({ host: 'home-router', ip: '100.77.0.1', routes: ['192.168.50.0/24'] })
    const outcome = await run({ routes: [route(ip, 'tailscale0')], tailscale: tailscaleState({ peers: [other] }), vpcCidr: cidr })
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_NOT_VPN', category: 'routing' })
    expect(outcome.detail).toContain(`${ip} goes into Tailscale but no peer serves a route covering it`)
    expect(outcome.fixes?.[0]?.commands[0]).toContain(`--advertise-routes=${cidr}`)
  })

  it('skips when no endpoint IP is routed into a VPN', async () => {
    const outcome = await run({ routes: [route('10.0.12.34', 'eth0', 'default')], tailscale: tailscaleState({}) })
    expect(outcome.status).toBe('skip')
    expect(outcome.detail).toContain('no endpoint IP is routed into a VPN interface')
  })

  it('skips a VPN that is not Tailscale', async () => {
    const outcome = await run({ routes: [route('10.0.12.34', 'wg0')], tailscale: tailscaleState({}) })
    expect(outcome.status).toBe('skip')
    expect(outcome.detail).toContain('the route goes into wg0, not Tailscale')
  })

  it('skips a macOS utun route when Tailscale state is unknown', async () => {
    const outcome = await run({ platform: 'darwin', routes: [route('10.94.0.3', 'utun4')] })
    expect(outcome.status).toBe('skip')
    expect(outcome.detail).toContain('utun4')
  })
})
