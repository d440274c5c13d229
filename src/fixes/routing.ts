/** Fixes for the workstation's route and the VPN client, from the route and Tailscale evidence. */
import type { Fix } from '../engine/types.js'
import type { Platform } from '../platform/env.js'
import type { TailscalePeer } from '../platform/parsers/tailscale-status.js'

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
