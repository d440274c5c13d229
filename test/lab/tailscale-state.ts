/**
 * What the `tailscale` double (tailscale-double.sh) answers in each scenario: `status --json`
 * (ipnstate.Status) and `debug prefs` (ipn.Prefs) of the lab's workstation, in the shapes and field
 * order of the real CLI (formats.md §1.2-1.4; recorded samples in test/fixtures/tailscale-status
 * and tailscale-prefs). The subnet router is a peer named by EC2's default host name, as the
 * router's OS reports it, so eksdoctor can find its instance by private IP.
 */
import type { LabParams } from './values.js'

/** What `tailscale status --json` and `debug prefs` say in the current scenario. */
export interface TailscaleState {
  /** The subnet router advertises (and control approved) the EKS VPC CIDR. */
  advertise: boolean
  online: boolean
  /** This node's --accept-routes. */
  routeAll: boolean
  /** The router's host name when its OS is not named by EC2's default (ip-a-b-c-d). */
  routerHost?: string
  /** This node's --accept-dns (CorpDNS); default on. */
  acceptDns?: boolean
  /** A split DNS route of the tailnet: queries under `domain` go to `resolver`. */
  splitDns?: { domain: string; resolver: string }
}

export const TAILSCALE_VERSION = '1.80.3-t9b1e2c4f5-g0123456789'
const ZERO_TIME = '0001-01-01T00:00:00Z'
const TAILNET_SUFFIX = 'tail4e1d7.ts.net'
const SELF_KEY = 'nodekey:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9'
const ROUTER_KEY = 'nodekey:f9e8d7c6b5a4938271605f4e3d2c1b0af9e8d7c6b5a4938271605f4e3d2c1b0a'
const LAPTOP_KEY = 'nodekey:5a5b5c5d5e5f60616263646566676869707172737475767778797a7b7c7d7e7f'
const OPERATOR_ID = 2222222222222222
const TAGGED_ID = 4444444444444444

/** EC2's default host name for a private IP, as the router's OS reports it to Tailscale. */
export function ec2HostName(ip: string): string {
  return `ip-${ip.replace(/\./g, '-')}`
}

/** `tailscale status --json` of this world (ipnstate.Status, field order as the real CLI prints it). */
export function buildTailscaleStatus(p: LabParams, s: TailscaleState): object {
  const routes = s.advertise ? [p.eksVpcCidr] : []
  const peer = (o: { key: string; id: string; nodeId: number; host: string; dns: string; user: number; ips: string[]; routes: string[]; tags?: string[]; online: boolean; relay: string; cur: string }) => ({
    ID: o.id,
    NodeID: o.nodeId,
    PublicKey: o.key,
    HostName: o.host,
    DNSName: `${o.dns}.${TAILNET_SUFFIX}.`,
    OS: 'linux',
    UserID: o.user,
    TailscaleIPs: o.ips,
    AllowedIPs: [`${o.ips[0]}/32`, `${o.ips[1]}/128`, ...o.routes],
    ...(o.tags ? { Tags: o.tags } : {}),
    ...(o.routes.length ? { PrimaryRoutes: o.routes } : {}),
    Addrs: o.online ? ['203.0.113.200:41641'] : null,
    CurAddr: o.online ? o.cur : '',
    Relay: o.relay,
    PeerRelay: '',
    RxBytes: o.online ? 184_220 : 0,
    TxBytes: o.online ? 96_512 : 0,
    Created: '2025-02-01T12:00:00Z',
    LastWrite: o.online ? '2026-11-29T02:40:00Z' : '2026-11-28T19:02:11Z',
    LastSeen: o.online ? ZERO_TIME : '2026-11-28T19:02:41Z',
    LastHandshake: o.online ? '2026-11-29T02:39:50Z' : '2026-11-28T19:01:58Z',
    Online: o.online,
    ExitNode: false,
    ExitNodeOption: false,
    Active: o.online,
    PeerAPIURL: [`http://${o.ips[0]}:45678`],
    TaildropTarget: 4,
    NoFileSharingReason: '',
    InNetworkMap: true,
    InMagicSock: true,
    InEngine: o.online,
  })
  const selfIps = [p.workstationTailnetIp, 'fd7a:115c:a1e0::1234:5678']
  return {
    Version: TAILSCALE_VERSION,
    TUN: true,
    BackendState: 'Running',
    HaveNodeKey: true,
    AuthURL: '',
    TailscaleIPs: selfIps,
    Self: {
      ID: 'nSelf123CNTRL',
      NodeID: 1111111111111111,
      PublicKey: SELF_KEY,
      HostName: 'ops-laptop',
      DNSName: `ops-laptop.${TAILNET_SUFFIX}.`,
      OS: 'linux',
      UserID: OPERATOR_ID,
      TailscaleIPs: selfIps,
      AllowedIPs: [`${selfIps[0]}/32`, `${selfIps[1]}/128`],
      Addrs: null,
      CurAddr: '',
      Relay: 'fra',
      PeerRelay: '',
      RxBytes: 0,
      TxBytes: 0,
      Created: '2025-01-10T09:00:00Z',
      LastWrite: ZERO_TIME,
      LastSeen: ZERO_TIME,
      LastHandshake: ZERO_TIME,
      Online: true,
      ExitNode: false,
      ExitNodeOption: false,
      Active: false,
      PeerAPIURL: [`http://${selfIps[0]}:12345`],
      TaildropTarget: 0,
      NoFileSharingReason: '',
      InNetworkMap: true,
      InMagicSock: false,
      InEngine: false,
      KeyExpiry: '2027-05-28T09:00:00Z',
    },
    // What tailscaled says when a peer offers routes this node does not take (formats.md §1.4).
    Health: s.advertise && !s.routeAll ? ['Some peers are advertising routes but --accept-routes is false'] : [],
    MagicDNSSuffix: TAILNET_SUFFIX,
    CurrentTailnet: { Name: 'example.com', MagicDNSSuffix: TAILNET_SUFFIX, MagicDNSEnabled: true },
    CertDomains: null,
    ExtraRecords: null,
    Peer: {
      [ROUTER_KEY]: peer({
        key: ROUTER_KEY,
        id: 'nRouter1CNTRL',
        nodeId: 3333333333333333,
        host: s.routerHost ?? ec2HostName(p.vpnRouterIp),
        dns: 'vpc-router',
        user: TAGGED_ID,
        ips: [p.routerTailnetIp, 'fd7a:115c:a1e0::aaaa:bbbb'],
        routes,
        tags: ['tag:subnet-router'],
        online: s.online,
        relay: 'fra',
        cur: '203.0.113.200:41641',
      }),
      [LAPTOP_KEY]: peer({
        key: LAPTOP_KEY,
        id: 'nLaptop2CNTRL',
        nodeId: 5555555555555555,
        host: 'colleague-laptop',
        dns: 'colleague-laptop',
        user: OPERATOR_ID,
        ips: ['100.70.71.72', 'fd7a:115c:a1e0::cccc:dddd'],
        routes: [],
        online: true,
        relay: 'ams',
        cur: '',
      }),
    },
    User: {
      [String(OPERATOR_ID)]: { ID: OPERATOR_ID, LoginName: 'ops@example.com', DisplayName: 'Ops User' },
      [String(TAGGED_ID)]: { ID: TAGGED_ID, LoginName: 'tagged-devices', DisplayName: 'Tagged Devices' },
    },
    ClientVersion: null,
  }
}

/**
 * `tailscale dns status` of the workstation, in the text layout of Tailscale 1.80 (the
 * recorded samples in test/fixtures/tailscale-dns): the accept-dns state, the tailnet's split DNS
 * routes (ts.net always), and the system configuration Tailscale believes in.
 */
export function buildTailscaleDnsStatus(s: TailscaleState): string {
  const on = s.acceptDns ?? true
  const routes = [...(s.splitDns ? [[`${s.splitDns.domain}.`, s.splitDns.resolver]] : []), ['ts.net.', '199.247.155.53']]
  return [
    '',
    "=== 'Use Tailscale DNS' status ===",
    '',
    `Tailscale DNS: ${on ? 'enabled' : 'disabled'}.`,
    '',
    on
      ? "Tailscale is configured to handle DNS queries on this device.\nRun 'tailscale set --accept-dns=false' to revert to your system default DNS resolver."
      : "(Run 'tailscale set --accept-dns=true' to start sending DNS queries to the Tailscale DNS resolver)",
    '',
    '=== MagicDNS configuration ===',
    '',
    'This is the DNS configuration provided by the coordination server to this device.',
    '',
    `MagicDNS: enabled tailnet-wide (suffix = ${TAILNET_SUFFIX})`,
    '',
    `Other devices in your tailnet can reach this device at ops-laptop.${TAILNET_SUFFIX}.`,
    '',
    'Resolvers (in preference order):',
    "  (no resolvers configured, system default will be used: see 'System DNS configuration' below)",
    '',
    'Split DNS Routes:',
    // Go's "%-30s -> %s": a longer domain pushes the arrow right.
    ...routes.map(([domain, resolver]) => `  - ${domain!.padEnd(30)} -> ${resolver}`),
    '',
    'Search Domains:',
    `  - ${TAILNET_SUFFIX}`,
    '',
    '=== System DNS configuration ===',
    '',
    'This is the DNS configuration that Tailscale believes your operating system is using.',
    "Tailscale may use this configuration if 'Override Local DNS' is disabled in the admin console,",
    'or if no resolvers are provided by the coordination server.',
    '',
    'Nameservers:',
    '  - 127.0.0.1',
    '',
    'Search domains:',
    '  (no search domains found)',
    '',
    'Match domains:',
    '  (no match domains found)',
    '',
    '[this is a preliminary version of this command; the output format may change in the future]',
    '',
  ].join('\n')
}

/** `tailscale debug prefs` of the workstation (ipn.Prefs, tab-indented; private keys stripped). */
export function buildTailscalePrefs(s: TailscaleState): object {
  return {
    ControlURL: 'https://controlplane.tailscale.com',
    RouteAll: s.routeAll,
    ExitNodeID: '',
    ExitNodeIP: '',
    ExitNodeAllowLANAccess: false,
    CorpDNS: s.acceptDns ?? true,
    RunSSH: false,
    RunWebClient: false,
    WantRunning: true,
    LoggedOut: false,
    ShieldsUp: false,
    AdvertiseTags: null,
    Hostname: '',
    NotepadURLs: false,
    AdvertiseRoutes: null,
    NoSNAT: false,
    NoStatefulFiltering: true,
    NetfilterMode: 2,
    OperatorUser: 'ops',
    AutoUpdate: { Check: true, Apply: false },
    AppConnector: { Advertise: false },
    PostureChecking: false,
  }
}
