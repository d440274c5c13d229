/** Fixes for the workstation's route and the VPN client, from the route and Tailscale evidence. */
import type { Fix } from '../engine/types.js'
import type { Platform } from '../platform/env.js'
import type { TailscalePeer } from '../platform/parsers/tailscale-status.js'
import type { WgPeer } from '../platform/parsers/wg-dump.js'

export function buildConnectVpnFix(ips: string[], iface: string | undefined): Fix {
  return {
    category: 'routing',
    title: 'Connect the VPN that carries the EKS VPC',
    why: `The route to ${ips.join(', ')} leaves through ${iface ?? 'the default gateway'}, not a VPN interface, so the packets go to your local network or the internet, where no private EKS endpoint answers.`,
    commands: [],
  }
}

export function buildTailscaleUpFix(state: string): Fix {
  return {
    category: 'routing',
    title: 'Start Tailscale on this workstation',
    why: `Tailscale is ${state}; the route to the EKS VPC exists only while it runs.`,
    commands: ['tailscale up', 'tailscale status'],
  }
}

export function buildAcceptRoutesFix(peer: TailscalePeer, cidr: string, platform: Platform): Fix {
  return {
    category: 'routing',
    title: 'Accept the subnet routes your tailnet offers',
    why:
      `${peer.hostName} serves ${cidr}, but this node does not accept subnet routes (--accept-routes is off; ` +
      `it defaults to off for tailscaled on Linux and macOS, on for the GUI apps).`,
    commands: [platform === 'win32' ? 'tailscale set --accept-routes=true' : 'sudo tailscale set --accept-routes=true'],
  }
}

export function buildAdvertiseRouteFix(ips: string[], cidr: string | undefined, routerHint: string | undefined): Fix {
  // Without AWS the VPC CIDR is unknown: the endpoint IPs themselves are routes that work (until the ENIs move).
  const route = cidr ?? ips.map((ip) => `${ip}/${ip.includes(':') ? 128 : 32}`).join(',')
  return {
    category: 'routing',
    title: `Advertise ${route} from the subnet router, then approve it`,
    why: `No node in the tailnet serves a route covering ${ips.join(', ')}. The subnet router in the VPN VPC must advertise the EKS VPC CIDR (with SNAT, so the cluster sees the router's VPC address), and the route must be approved in the admin console.`,
    commands: [`sudo tailscale set --advertise-routes=${route} --snat-subnet-routes=true   # on ${routerHint ?? 'the subnet router'}`],
    docs: 'https://tailscale.com/kb/1019/subnets (approve the route: admin console, Machines, the router, Edit route settings)',
  }
}

export function buildPeerOfflineFix(peer: TailscalePeer, cidr: string): Fix {
  return {
    category: 'routing',
    title: `Bring the subnet router ${peer.hostName} back online`,
    why: `${peer.hostName} (${peer.dnsName}) serves ${cidr} but is offline in the tailnet: the instance is stopped, tailscaled is down, or its node key expired.`,
    commands: [
      `tailscale ping ${peer.tailscaleIPs[0] ?? peer.hostName}`,
      `sudo systemctl restart tailscaled && sudo tailscale status   # on ${peer.hostName}`,
    ],
  }
}

export function buildOverlapFix(ip: string, iface: string, matched: string | undefined, vpnIface: string | undefined): Fix {
  return {
    category: 'routing',
    title: `Your local network ${matched ?? ''} overlaps the EKS VPC`.replace('  ', ' '),
    why: `${ip} falls inside a network attached to ${iface}; that more specific route wins over the VPN's.`,
    commands: vpnIface
      ? [`sudo ip route add ${ip}/32 dev ${vpnIface}   # Linux`, `sudo route -n add -host ${ip} -interface ${vpnIface}   # macOS`]
      : [],
  }
}

/** Add the cluster's CIDR to a WireGuard peer's allowed IPs, and the route wg-quick installs for each. */
export function buildWireguardAllowedIpsFix(o: { iface: string; peer: WgPeer; cidr: string; platform: Platform }): Fix {
  const allowed = [...o.peer.allowedIps, o.cidr].join(',')
  const set = `wg set ${o.iface} peer ${o.peer.publicKey} allowed-ips ${allowed}`
  const route =
    o.platform === 'darwin'
      ? `sudo route -q -n add -inet ${o.cidr} -interface ${o.iface}`
      : o.platform === 'win32'
        ? `New-NetRoute -DestinationPrefix ${o.cidr} -InterfaceAlias '${o.iface}'`
        : `sudo ip route add ${o.cidr} dev ${o.iface}`
  return {
    category: 'routing',
    title: `Send ${o.cidr} through the WireGuard tunnel ${o.iface}`,
    why:
      `WireGuard routes an address into the tunnel only when a peer's AllowedIPs cover it (wg-quick installs a route for each). ` +
      `The peer${o.peer.endpoint ? ` at ${o.peer.endpoint}` : ''} allows ${o.peer.allowedIps.join(', ') || 'nothing'}, so ${o.cidr} goes out of the default route instead.`,
    commands: [
      `${o.platform === 'win32' ? '' : 'sudo '}${set}`,
      route,
      `# to keep it: AllowedIPs = ${o.peer.allowedIps.join(', ')}${o.peer.allowedIps.length ? ', ' : ''}${o.cidr} in the [Peer] of ${o.iface}'s configuration`,
    ],
  }
}

/** A WireGuard peer that does not answer: where its server is, and what to look at there. */
export function buildWireguardPeerDownFix(o: { iface: string; peer: WgPeer }): Fix {
  const endpoint = o.peer.endpoint
  const host = endpoint?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  const port = endpoint?.replace(/^.*:/, '')
  return {
    category: 'routing',
    title: `Bring the WireGuard server${endpoint ? ` at ${endpoint}` : ''} back`,
    why:
      'A peer that is up answers a handshake within a round trip. No answer means the server is down, its wg interface lost this peer, ' +
      `or UDP ${port ?? 'to its port'} does not reach it (its security group, a firewall on the way).`,
    commands: [
      `sudo wg show ${o.iface} latest-handshakes   # 0 or an old time: no answer`,
      ...(host && isIpv4(host)
        ? [`aws ec2 describe-instances --filters Name=ip-address,Values=${host} --query 'Reservations[].Instances[].[InstanceId,State.Name,SecurityGroups[].GroupId]' --output text   # the server, and the groups that must admit UDP ${port}`]
        : []),
      `sudo wg show   # on the server: this peer (${o.peer.publicKey.slice(0, 8)}…) listed, with a recent handshake once the tunnel is up`,
    ],
  }
}

function isIpv4(text: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(text)
}
