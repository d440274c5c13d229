import { describe, expect, it } from 'vitest'
import type { InstanceInfo, SecurityGroupInfo, SgRule } from '../../../../src/aws/ec2.js'
import { identifyRouter, vpnPortsOpen } from '../../../../src/probes/network/router.js'
import { tailscalePeer } from '../../../helpers/fake-env.js'

function instance(partial: Partial<InstanceInfo> & { id: string }): InstanceInfo {
  return { groupIds: [], state: 'running', sourceDestCheck: true, ...partial }
}
const rule = (partial: Partial<SgRule>): SgRule => ({ protocol: 'udp', cidrs: ['0.0.0.0/0'], ipv6Cidrs: [], prefixListIds: [], groups: [], ...partial })
const group = (id: string, ingress: SgRule[]): SecurityGroupInfo => ({ id, name: id, ingress })

const WORLDS = [
  {
    name: 'eu-west-1',
    router: instance({ id: 'i-0c1d2e3f4a5b60718', name: 'VPN Gateway (prod)', privateIp: '10.77.1.10', privateIps: ['10.77.1.10'], publicIp: '203.0.113.44', privateDnsName: 'ip-10-77-1-10.eu-west-1.compute.internal', groupIds: ['sg-0vpn000000000001'] }),
    others: [
      instance({ id: 'i-0aaaabbbbccccdddd', name: 'bastion', privateIp: '10.77.2.5', privateIps: ['10.77.2.5'], publicIp: '203.0.113.45', groupIds: ['sg-0ssh000000000001'] }),
      instance({ id: 'i-0eeeeffff00001111', name: 'ci-runner', privateIp: '10.77.3.9', privateIps: ['10.77.3.9'], groupIds: ['sg-0ssh000000000001'] }),
    ],
    groups: [group('sg-0vpn000000000001', [rule({ fromPort: 41641, toPort: 41641 })]), group('sg-0ssh000000000001', [rule({ protocol: 'tcp', fromPort: 22, toPort: 22 })])],
    host: 'vpn-gateway-prod',
  },
  {
    name: 'ap-northeast-2',
    router: instance({ id: 'i-09f8e7d6c5b4a3921', name: 'wg_edge-1', privateIp: '100.72.5.20', privateIps: ['100.72.5.20', '100.72.5.21'], publicIp: '198.51.100.80', privateDnsName: 'ip-100-72-5-20.ap-northeast-2.compute.internal', groupIds: ['sg-0wg0000000000001'] }),
    others: [instance({ id: 'i-0123401234012340a', name: 'app', privateIp: '100.72.6.7', privateIps: ['100.72.6.7'], groupIds: ['sg-0app000000000001'] })],
    groups: [group('sg-0wg0000000000001', [rule({ fromPort: 51820, toPort: 51820 })]), group('sg-0app000000000001', [])],
    host: 'wg-edge-1',
  },
]

describe('identifyRouter', () => {
  it.each(WORLDS)('$name: the Tailscale peer that carries the route, by the Name tag Tailscale makes its host name', ({ router, others, groups, host }) => {
    const peer = tailscalePeer({ hostName: host, tailscaleIPs: ['100.100.1.2'] })
    const choice = identifyRouter([...others, router], { peer, groups })
    expect(choice?.router.id).toBe(router.id)
    expect(choice?.how).toBe(`the Tailscale peer ${host} that carries the route (its Name tag "${router.name}")`)
  })

  it.each(WORLDS)('$name: by the private DNS name (the EC2 default host name)', ({ router, others, groups }) => {
    const peer = tailscalePeer({ hostName: router.privateDnsName!.split('.')[0]!, tailscaleIPs: ['100.100.1.2'] })
    expect(identifyRouter([...others, { ...router, name: undefined }], { peer, groups })?.how).toBe(
      `the Tailscale peer ${peer.hostName} that carries the route (its private DNS name ${router.privateDnsName})`,
    )
  })

  it.each(WORLDS)("$name: by the peer's endpoint, public or private, when its host name is its own", ({ router, others, groups }) => {
    for (const addr of [`${router.publicIp}:41641`, `${router.privateIps!.at(-1)}:41641`]) {
      const peer = tailscalePeer({ hostName: 'laptop-style-name', tailscaleIPs: ['100.100.1.2'], curAddr: addr })
      const choice = identifyRouter([...others, router], { peer, groups })
      expect(choice?.router.id).toBe(router.id)
      expect(choice?.how).toContain(`its endpoint ${addr.split(':')[0]} is the instance's`)
    }
    const viaAddrs = tailscalePeer({ hostName: 'x', tailscaleIPs: ['100.100.1.2'], addrs: ['192.0.2.9:3478', `${router.publicIp}:41641`] })
    expect(identifyRouter([...others, router], { peer: viaAddrs, groups })?.router.id).toBe(router.id)
  })

  it.each(WORLDS)('$name: without Tailscale, the only instance with source/dest check off', ({ router, others, groups }) => {
    const choice = identifyRouter([...others, { ...router, sourceDestCheck: false }], { groups: [] })
    expect(choice).toEqual({ router: { ...router, sourceDestCheck: false }, how: 'the only instance of the VPN VPC with source/dest check off' })
    void groups
  })

  it.each(WORLDS)('$name: of several with source/dest check off, the one that admits a VPN port', ({ router, others, groups }) => {
    const off = [...others.map((o) => ({ ...o, sourceDestCheck: false })), { ...router, sourceDestCheck: false }]
    expect(identifyRouter(off, { groups })?.router.id).toBe(router.id)
  })

  it.each(WORLDS)("$name: else the only instance whose groups admit a VPN's UDP port (a SNATing router keeps the check on)", ({ router, others, groups }) => {
    const choice = identifyRouter([...others, router], { groups })
    expect(choice?.router.id).toBe(router.id)
    expect(choice?.how).toMatch(/^the only instance of the VPN VPC whose security group admits UDP (41641 \(Tailscale\)|51820 \(WireGuard\))$/)
  })

  it('names nobody when the signals do not single one out, or a peer matches nothing', () => {
    const [w] = WORLDS
    const twoOpen = [w!.router, { ...w!.router, id: 'i-0second0000000000', name: 'spare' }]
    expect(identifyRouter(twoOpen, { groups: w!.groups })).toBeUndefined()
    expect(identifyRouter(w!.others, { groups: w!.groups, peer: tailscalePeer({ hostName: 'nobody', tailscaleIPs: ['100.100.9.9'] }) })).toBeUndefined()
    expect(identifyRouter([{ ...w!.router, state: 'terminated', sourceDestCheck: false }], { groups: [] })).toBeUndefined()
  })
})

describe('vpnPortsOpen', () => {
  it('reads UDP port ranges, all-traffic rules, and ignores TCP', () => {
    const i = instance({ id: 'i-1', groupIds: ['sg-a', 'sg-b'] })
    expect(vpnPortsOpen(i, [group('sg-a', [rule({ fromPort: 1000, toPort: 2000 })]), group('sg-b', [rule({ protocol: 'tcp', fromPort: 41641, toPort: 41641 })])])).toEqual(['UDP 1194 (OpenVPN)'])
    expect(vpnPortsOpen(i, [group('sg-a', [rule({ protocol: '-1' })])])).toEqual(['UDP 41641 (Tailscale)', 'UDP 51820 (WireGuard)', 'UDP 1194 (OpenVPN)'])
    expect(vpnPortsOpen(i, [group('sg-other', [rule({ fromPort: 41641, toPort: 41641 })])])).toEqual([])
  })
})
