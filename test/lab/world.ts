/**
 * One lab world: the operators' topology in Linux network namespaces, with the AWS side of the
 * same world in moto and the fake EKS, and fault toggles that break one link on both sides at once.
 *
 *   ws: the workstation                          vpn: the subnet router, in the VPN VPC
 *     tailscale0 <tailnet IP>/32 ───── veth ───── tsr <tailnet IP>/32: proxy_arp, ip_forward
 *       table 52 (rule 5270): the EKS CIDR         vpc0 <router IP>: Tailscale's SNAT ──┐
 *     eth0 <LAN>, default route ── inet: dead end,                                      │
 *       its gateway, and the "public endpoint" that drops 443                          │
 *     dnsmasq (its resolver), relay to moto and the fake EKS                            │
 *                                                  fab: the VPC routers                  │
 *                                                    vpnsn <VPN subnet .1> ──── veth ────┘
 *                                                    ekssn <EKS subnets .1> ─── veth ─── eks: eth0 <endpoint IPs>
 *                                                                               SG (iptables), relay :443 → API server
 *
 * The fab namespace plays the AWS VPC routers: one route table per subnet (policy routing by input
 * interface and source), the peering between the two VPCs (or the transit gateway that joins them
 * in the Transit Gateway world), the NACL of the endpoint subnets and EC2's source/dest check on
 * the router's ENI, all enforced on real packets.
 *
 * Servers run in the test process on the host's loopback: moto (behind a small front that answers
 * ExpiredToken for the lab's expired session), the fake EKS, the TLS API server (authenticating
 * through moto STS, authorising by the access entries) and an intercepting TLS server for the MITM
 * scenario. Lab namespaces reach them only through relays that join a TCP port inside the
 * namespace to a Unix socket file: no veth, route or address connects a lab namespace to the host.
 */
import {
  AcceptVpcPeeringConnectionCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateRouteCommand,
  CreateSecurityGroupCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteNetworkAclEntryCommand,
  DeleteVpcPeeringConnectionCommand,
  DisableTransitGatewayRouteTablePropagationCommand,
  EnableTransitGatewayRouteTablePropagationCommand,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ModifyTransitGatewayVpcAttachmentCommand,
  ModifyVpcPeeringConnectionOptionsCommand,
  ReplaceRouteCommand,
} from '@aws-sdk/client-ec2'
import { AssumeRoleCommand } from '@aws-sdk/client-sts'
import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, request as httpRequest, type Server as HttpServer } from 'node:http'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { join, resolve } from 'node:path'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { buildWorld, motoClients, NACL_DENY_RULE, type World } from '../helpers/aws-world.js'
import { authorizeAccessPolicies, createEksAuthenticator, mapAccessEntries } from '../helpers/eks-authenticator.js'
import { startFakeEks, type FakeAccessEntry, type FakeCluster, type FakeEks } from '../helpers/fake-eks.js'
import type { Moto } from '../helpers/moto.js'
import { createCa, issueServerCert, type Ca } from '../helpers/pki.js'
import { BIN, type CliRun } from '../helpers/run-cli.js'
import { joinByTransitGateway, type TgwLink } from '../helpers/tgw-world.js'
import { addNamespace, makeNetnsEtcDir, run, runIn, spawnIn, waitFor, RUN_PREFIX, type LabProcess } from './host.js'
import { buildTailscaleDnsStatus, buildTailscalePrefs, buildTailscaleStatus, TAILSCALE_VERSION, type TailscaleState } from './tailscale-state.js'
import type { LabParams } from './values.js'

/** Ports inside the workstation namespace where its relay serves moto and the fake EKS. */
const WS_AWS_PORT = 4566
const WS_EKS_PORT = 4599
/** Where the router's interception (MITM scenario) is redirected to, inside the router namespace. */
const MITM_PORT = 8443
/** Tailscale's policy-routing table and rule priority on Linux (formats.md §1.5). */
const TAILSCALE_TABLE = '52'
const TAILSCALE_RULE_PREF = '5270'
/** Tailscale's fwmark for packets that came in from the tailnet (what its SNAT rule matches). */
const TAILSCALE_SUBNET_MARK = '0x40000/0xff0000'
const FAB_TABLE_VPN = '200'
const FAB_TABLE_EKS = ['201', '202'] as const
const CLI_TIMEOUT_MS = 60_000
/** The WireGuard server's interface on the router (the workstation's is wg0). */
const WG_SERVER_IF = 'wgs0'
/** tailscale0's MTU, as tailscaled sets it. */
const WS_TAILSCALE_MTU = 1280
const RELAY = resolve(import.meta.dirname, 'relay.mjs')
const TAILSCALE_DOUBLE = resolve(import.meta.dirname, 'tailscale-double.sh')

/**
 * Where a connection to an endpoint IP is seen on its way, in path order: the SYN entering the
 * router from the tailnet, leaving the router into the VPN VPC, delivered into the EKS subnets;
 * the endpoint's SYN-ACK, routed back into the VPN VPC, and back into the tunnel.
 */
export const HOPS = ['syn:router', 'syn:vpn-vpc', 'syn:eks-subnet', 'synack:endpoint', 'synack:vpn-vpc', 'synack:router'] as const
export type Hop = (typeof HOPS)[number]

export const CLUSTER_ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'

/** AWS credentials as the CLI gets them from its environment. */
export interface LabCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
}

/** How the CLI run gets its AWS credentials. */
export type CredentialMode = 'session' | 'none' | 'expired'

export interface CheckOptions {
  creds?: CredentialMode
  env?: Record<string, string>
  timeoutMs?: number
}

/** A CLI run, with how long it took. */
export interface LabRun extends CliRun {
  ms: number
}

/** The namespaces of one world. */
export interface LabNamespaces {
  ws: string
  vpn: string
  fab: string
  eks: string
  inet: string
}

const HEALTHY_TAILSCALE: TailscaleState = { advertise: true, online: true, routeAll: true }

/** One world: `build()` it, break links with its toggles, `reset()` after each scenario, `close()` at the end. */
export class LabWorld {
  readonly ns: LabNamespaces
  aws!: World
  /** The current peering id (a restored peering is a new one); '' in the Transit Gateway world. */
  peeringId = ''
  /** The transit gateway that joins the VPCs in the Transit Gateway world. */
  tgw?: TgwLink
  creds!: LabCredentials
  expiredCreds!: LabCredentials
  ca!: Ca
  readonly entries: FakeAccessEntry[] = []
  eks!: FakeEks
  api!: ApiServer
  private inspector!: ApiServer
  private front!: HttpServer
  private readonly expiredTokens = new Set<string>()
  private readonly bridges: Server[] = []
  private readonly processes: LabProcess[] = []
  private dnsmasq!: LabProcess
  private readonly undo: (() => void | Promise<void>)[] = []
  private runs = 0
  /** The operator's own kubeconfig, written as `aws eks update-kubeconfig` would (eksdoctor as the token command). */
  private operatorKubeconfig = ''
  readonly dir: string
  readonly binDir: string
  readonly tailscaleDir: string
  readonly hostsFile: string
  readonly inboundHostsFile: string

  constructor(
    readonly moto: Moto,
    readonly p: LabParams,
    labDir: string,
  ) {
    const base = `${RUN_PREFIX}${p.tag}`
    this.ns = { ws: `${base}-ws`, vpn: `${base}-vpn`, fab: `${base}-fab`, eks: `${base}-eks`, inet: `${base}-inet` }
    this.dir = join(labDir, p.tag)
    this.binDir = join(this.dir, 'bin')
    this.tailscaleDir = join(this.dir, 'tailscale')
    this.hostsFile = join(this.dir, 'dnsmasq.hosts')
    this.inboundHostsFile = join(this.dir, 'inbound-resolver.hosts')
  }

  get cluster(): FakeCluster {
    return this.eks.clusters.get(this.p.cluster) as FakeCluster
  }

  /** The endpoint URL DescribeCluster answers. */
  get endpoint(): string {
    return `https://${this.p.endpointHost}`
  }

  // ---------------------------------------------------------------- building

  async build(): Promise<void> {
    mkdirSync(this.binDir, { recursive: true })
    mkdirSync(this.tailscaleDir, { recursive: true })
    await this.buildAws()
    await this.startServers()
    this.buildNetwork()
    await this.startProcesses()
    this.operatorKubeconfig = this.writeKubeconfig('operator.yaml', { server: this.endpoint })
    await this.reset()
  }

  private async buildAws(): Promise<void> {
    const p = this.p
    this.aws = await buildWorld(this.moto, p)
    this.peeringId = this.aws.peeringId
    if (p.transitGateway) {
      this.tgw = await joinByTransitGateway(this.aws)
      this.peeringId = ''
    }
    const { sts } = motoClients(this.moto, p.region)
    const assume = async (session: string): Promise<LabCredentials> => {
      const out = await sts.send(new AssumeRoleCommand({ RoleArn: this.aws.roleArn, RoleSessionName: session }))
      const c = out.Credentials
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('moto AssumeRole returned no credentials')
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }
    }
    if (p.wireguard) {
      // The WireGuard server's own group admits its UDP port from anywhere, as its setup guides say.
      const { ec2 } = this.aws
      const group = await ec2.send(new CreateSecurityGroupCommand({ VpcId: this.aws.vpnVpcId, GroupName: `${p.cluster}-wireguard`, Description: 'WireGuard server' }))
      const GroupId = group.GroupId as string
      await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'udp', FromPort: p.wireguard.port, ToPort: p.wireguard.port, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }))
      await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: this.aws.routerInstanceId, Groups: [GroupId] }))
    }
    this.creds = await assume(p.sessionName)
    this.expiredCreds = await assume(`${p.sessionName.replace(/@.*/, '')}-yesterday`)
    this.expiredTokens.add(this.expiredCreds.sessionToken)
  }

  private async startServers(): Promise<void> {
    const p = this.p
    // RSA 2048 as EKS's: the certificate flight then needs more than one full-size packet, as it does there.
    this.ca = createCa(this.dir, 'kubernetes', 'rsa')
    const leaf = issueServerCert(this.ca, {
      keyType: 'rsa',
      commonName: 'kube-apiserver',
      dnsNames: [p.endpointHost, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
      ipAddresses: [...p.endpointIps],
    })
    // A TLS-inspecting box: its own CA, a certificate for the endpoint host.
    const inspectionCa = createCa(this.dir, 'Corp TLS Inspection CA')
    // A subject CN holds at most 64 characters; the host name is in the SAN, as browsers and Go require.
    const inspected = issueServerCert(inspectionCa, { commonName: `*.${p.region}.eks.amazonaws.com`, dnsNames: [p.endpointHost], ipAddresses: [] })
    const entries = this.entries
    const authenticate = createEksAuthenticator({
      cluster: p.cluster,
      stsUrl: this.moto.url,
      region: p.region,
      mapping: (identity) => mapAccessEntries(entries)(identity),
    })
    ;[this.api, this.inspector, this.eks, this.front] = await Promise.all([
      startApiServer({ cert: leaf.certPem, key: leaf.keyPem, auth: { authenticate, authorize: (user, a) => authorizeAccessPolicies(entries)(user, a) } }),
      startApiServer({ cert: inspected.certPem, key: inspected.keyPem }),
      startFakeEks([]),
      startAwsFront(this.moto.port, this.expiredTokens),
    ])
    this.eks.clusters.set(p.cluster, this.baselineCluster())
    const frontPort = (this.front.address() as AddressInfo).port
    const eksPort = Number(new URL(this.eks.url).port)
    for (const [name, port] of [['aws', frontPort], ['eks', eksPort], ['api', this.api.port], ['mitm', this.inspector.port]] as const) {
      this.bridges.push(await bridgeUnixToTcp(this.socket(name), port))
    }
  }

  private socket(name: string): string {
    return join(this.dir, `${name}.sock`)
  }

  private baselineCluster(): FakeCluster {
    const p = this.p
    return {
      name: p.cluster,
      arn: `arn:aws:eks:${p.region}:${this.aws.accountId}:cluster/${p.cluster}`,
      endpoint: this.endpoint,
      caPem: this.ca.certPem,
      endpointPublicAccess: false,
      endpointPrivateAccess: true,
      authenticationMode: 'API_AND_CONFIG_MAP',
      ...this.aws.clusterVpcConfig,
      accessEntries: this.entries,
    }
  }

  /** Creates the namespaces, links, addresses, routes and the baseline firewall rules. */
  private buildNetwork(): void {
    const p = this.p
    const { ws, vpn, fab, eks, inet } = this.ns
    for (const ns of [ws, vpn, fab, eks, inet]) addNamespace(ns)
    const ip = (ns: string, ...args: string[]) => run('ip', ['-n', ns, ...args])
    const sysctl = (ns: string, ...settings: string[]) => runIn(ns, 'sysctl', ['-q', '-w', ...settings])
    // veth pairs go straight from one lab namespace into another.
    const veth = (a: string, aName: string, b: string, bName: string) => {
      ip(a, 'link', 'add', aName, 'type', 'veth', 'peer', 'name', bName, 'netns', b)
      ip(a, 'link', 'set', aName, 'up')
      ip(b, 'link', 'set', bName, 'up')
    }

    // The workstation: eth0 toward the internet (default route); the tunnel toward the router.
    veth(ws, 'eth0', inet, 'lan0')
    veth(vpn, 'vpc0', fab, 'vpnsn')
    veth(fab, 'ekssn', eks, 'eth0')
    ip(ws, 'addr', 'add', `${p.lan.address}/${p.lan.prefix}`, 'dev', 'eth0')
    ip(ws, 'route', 'add', 'default', 'via', p.lan.gateway, 'dev', 'eth0')

    // The dead-end internet: the LAN gateway, and the public endpoint address that drops 443.
    ip(inet, 'addr', 'add', `${p.lan.gateway}/${p.lan.prefix}`, 'dev', 'lan0')
    ip(inet, 'addr', 'add', `${p.publicIp}/32`, 'dev', 'lo')
    this.iptables(inet, '-A', 'INPUT', '-p', 'tcp', '--dport', '443', '-j', 'DROP')

    ip(vpn, 'addr', 'add', `${p.vpnRouterIp}/${prefixOf(p.vpnSubnetCidr)}`, 'dev', 'vpc0')
    ip(vpn, 'route', 'add', 'default', 'via', hostIn(p.vpnSubnetCidr, 1), 'dev', 'vpc0')
    if (p.wireguard) {
      // The WireGuard server's public side, reached from the workstation's LAN across the "internet";
      // its wg0 comes up with wireguard-go in startProcesses.
      const wg = p.wireguard
      veth(vpn, 'wan0', inet, 'vpnwan')
      ip(inet, 'addr', 'add', `${wg.wanGateway}/${wg.wanPrefix}`, 'dev', 'vpnwan')
      sysctl(inet, 'net.ipv4.ip_forward=1')
      ip(vpn, 'addr', 'add', `${wg.serverPublicIp}/${wg.wanPrefix}`, 'dev', 'wan0')
      ip(vpn, 'route', 'add', networkOf(p.lan.address, p.lan.prefix), 'via', wg.wanGateway, 'dev', 'wan0')
      sysctl(vpn, 'net.ipv4.ip_forward=1', 'net.ipv4.tcp_synack_retries=0')
    } else {
      veth(ws, 'tailscale0', vpn, 'tsr')
      ip(ws, 'link', 'set', 'tailscale0', 'mtu', String(WS_TAILSCALE_MTU))
      ip(ws, 'addr', 'add', `${p.workstationTailnetIp}/32`, 'dev', 'tailscale0')
      // As tailscaled installs them: table 52, looked up by rule 5270, no gateway.
      ip(ws, 'route', 'add', `${p.routerTailnetIp}/32`, 'dev', 'tailscale0', 'table', TAILSCALE_TABLE)
      ip(ws, 'route', 'add', p.eksVpcCidr, 'dev', 'tailscale0', 'table', TAILSCALE_TABLE)
      ip(ws, 'rule', 'add', 'pref', TAILSCALE_RULE_PREF, 'lookup', TAILSCALE_TABLE)
      // The subnet router: tailnet side (answers ARP for the routes it carries, as a tun would take
      // every packet), VPC side, forwarding, and Tailscale's SNAT of what came from the tailnet.
      ip(vpn, 'addr', 'add', `${p.routerTailnetIp}/32`, 'dev', 'tsr')
      ip(vpn, 'route', 'add', `${p.workstationTailnetIp}/32`, 'dev', 'tsr')
      sysctl(vpn, 'net.ipv4.ip_forward=1', 'net.ipv4.conf.tsr.proxy_arp=1', 'net.ipv4.neigh.tsr.proxy_delay=0', 'net.ipv4.tcp_synack_retries=0')
      this.iptables(vpn, '-t', 'mangle', '-A', 'PREROUTING', '-i', 'tsr', '-j', 'MARK', '--set-xmark', TAILSCALE_SUBNET_MARK)
    }

    // The VPC routers: a gateway address per subnet, one route table per subnet.
    ip(fab, 'addr', 'add', `${hostIn(p.vpnSubnetCidr, 1)}/${prefixOf(p.vpnSubnetCidr)}`, 'dev', 'vpnsn')
    for (const cidr of p.eksSubnetCidrs) ip(fab, 'addr', 'add', `${hostIn(cidr, 1)}/${prefixOf(cidr)}`, 'dev', 'ekssn')
    sysctl(fab, 'net.ipv4.ip_forward=1')
    ip(fab, 'route', 'add', p.vpnVpcCidr, 'dev', 'vpnsn', 'table', FAB_TABLE_VPN)
    ip(fab, 'route', 'add', p.eksVpcCidr, 'dev', 'ekssn', 'table', FAB_TABLE_VPN)
    FAB_TABLE_EKS.forEach((table) => {
      ip(fab, 'route', 'add', p.eksVpcCidr, 'dev', 'ekssn', 'table', table)
      ip(fab, 'route', 'add', p.vpnVpcCidr, 'dev', 'vpnsn', 'table', table)
    })
    ip(fab, 'rule', 'add', 'pref', '1000', 'iif', 'vpnsn', 'lookup', FAB_TABLE_VPN)
    ip(fab, 'rule', 'add', 'pref', '1001', 'iif', 'vpnsn', 'blackhole')
    p.eksSubnetCidrs.forEach((cidr, i) => ip(fab, 'rule', 'add', 'pref', String(1010 + i), 'iif', 'ekssn', 'from', cidr, 'lookup', FAB_TABLE_EKS[i]!))
    // A route table without the route drops the packet: nothing falls through to another table.
    ip(fab, 'rule', 'add', 'pref', '1019', 'iif', 'ekssn', 'blackhole')

    // The endpoint ENIs and the cluster security group: 443 only from the VPN VPC CIDR.
    p.endpointIps.forEach((address, i) => ip(eks, 'addr', 'add', `${address}/${prefixOf(p.eksSubnetCidrs[i]!)}`, 'dev', 'eth0'))
    // A Route 53 Resolver inbound endpoint in subnet 0: it answers the private zone, as the VPC does.
    ip(eks, 'addr', 'add', `${p.inboundResolverIp}/${prefixOf(p.eksSubnetCidrs[0])}`, 'dev', 'eth0')
    ip(eks, 'route', 'add', 'default', 'via', hostIn(p.eksSubnetCidrs[0], 1), 'dev', 'eth0')
    // A SYN-ACK dropped on the way back is not retransmitted (the kernel would for a minute): the
    // CLI gives up after --connect-timeout anyway, and a late retransmission, delivered once the
    // next scenario has restored the route, would count in that scenario's packet trace.
    sysctl(eks, 'net.ipv4.tcp_synack_retries=0')
    this.iptables(eks, '-A', 'INPUT', '-p', 'tcp', '--dport', '443', '-j', 'DROP')

    // Baseline links that faults take away; `reset` puts back what a fault removed.
    this.iptables(vpn, '-t', 'nat', '-A', ...this.snatRule())
    this.iptables(eks, '-I', 'INPUT', '1', ...this.sgAllowRule())

    // Counting rules (no target: they only count), one per hop and endpoint IP.
    for (const address of p.endpointIps) {
      for (const [ns, chain, match] of this.hopRules(address)) this.iptables(ns, '-t', 'mangle', '-A', chain, ...match)
    }

    // The workstation's resolver is the lab's dnsmasq.
    const etc = makeNetnsEtcDir(ws)
    writeFileSync(join(etc, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n')
  }

  private hopRules(address: string): [ns: string, chain: string, match: string[]][] {
    const { vpn, fab, eks } = this.ns
    const syn = ['-p', 'tcp', '--dport', '443', '--syn', '-d', address]
    const synAck = ['-p', 'tcp', '--sport', '443', '--tcp-flags', 'SYN,ACK', 'SYN,ACK', '-s', address]
    const tag = (hop: Hop) => ['-m', 'comment', '--comment', `edl:${hop}:${address}`]
    return [
      [vpn, 'PREROUTING', ['-i', this.tunnelIf, ...syn, ...tag('syn:router')]],
      [fab, 'PREROUTING', ['-i', 'vpnsn', ...syn, ...tag('syn:vpn-vpc')]],
      [fab, 'POSTROUTING', ['-o', 'ekssn', ...syn, ...tag('syn:eks-subnet')]],
      [eks, 'OUTPUT', [...synAck, ...tag('synack:endpoint')]],
      [fab, 'POSTROUTING', ['-o', 'vpnsn', ...synAck, ...tag('synack:vpn-vpc')]],
      [vpn, 'POSTROUTING', ['-o', this.tunnelIf, ...synAck, ...tag('synack:router')]],
    ]
  }

  /** Zeroes the hop counters (done by `reset`, so each scenario counts its own packets). */
  zeroTrace(): void {
    for (const ns of [this.ns.vpn, this.ns.fab, this.ns.eks]) this.iptables(ns, '-t', 'mangle', '-Z')
  }

  /** Packets seen at each hop since the last reset, per endpoint IP. */
  trace(): Record<string, Record<Hop, number>> {
    const counts: Record<string, Record<Hop, number>> = {}
    for (const address of this.p.endpointIps) counts[address] = Object.fromEntries(HOPS.map((hop) => [hop, 0])) as Record<Hop, number>
    for (const ns of [this.ns.vpn, this.ns.fab, this.ns.eks]) {
      const listing = runIn(ns, 'iptables', ['-w', '5', '-t', 'mangle', '-L', '-v', '-x', '-n'])
      for (const line of listing.split('\n')) {
        const m = /^\s*(\d+)\s.*\/\* edl:([a-z]+:[a-z-]+):([\d.]+) \*\//.exec(line)
        if (m && counts[m[3]!]) counts[m[3]!]![m[2] as Hop] += Number(m[1])
      }
    }
    return counts
  }

  /** The furthest hop each endpoint IP's packets reached, in path order ('none' if not even the router). */
  lastHops(): Record<string, Hop | 'none'> {
    const trace = this.trace()
    return Object.fromEntries(
      Object.entries(trace).map(([address, hops]) => {
        const reached = HOPS.findIndex((hop) => hops[hop] === 0)
        return [address, reached === 0 ? 'none' : HOPS[(reached === -1 ? HOPS.length : reached) - 1]!]
      }),
    )
  }

  /** The router's source NAT toward the VPC: Tailscale's (by its mark), or a WireGuard server's MASQUERADE of the tunnel. */
  private snatRule(): string[] {
    const wg = this.p.wireguard
    return wg
      ? ['POSTROUTING', '-o', 'vpc0', '-s', networkOf(wg.serverAddress, wg.prefix), '-j', 'MASQUERADE']
      : ['POSTROUTING', '-o', 'vpc0', '-m', 'mark', '--mark', TAILSCALE_SUBNET_MARK, '-j', 'MASQUERADE']
  }

  /** The router's side of the tunnel, where the workstation's packets come in. */
  private get tunnelIf(): string {
    return this.p.wireguard ? WG_SERVER_IF : 'tsr'
  }

  private sgAllowRule(): string[] {
    return ['-p', 'tcp', '--dport', '443', '-s', this.p.vpnVpcCidr, '-j', 'ACCEPT']
  }

  private iptables(ns: string, ...args: string[]): void {
    runIn(ns, 'iptables', ['-w', '5', ...args])
  }

  private async startProcesses(): Promise<void> {
    const p = this.p
    const { ws, vpn, eks } = this.ns
    writeFileSync(this.hostsFile, '')
    this.dnsmasq = await spawnIn(ws, 'dnsmasq', [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--user=root',
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      '--no-negcache',
      '--cache-size=0',
      '--pid-file=',
      '--log-facility=-',
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--port=53',
      // Nothing under amazonaws.com is ever forwarded: a name the lab does not list is NXDOMAIN.
      '--local=/amazonaws.com/',
      `--addn-hosts=${this.hostsFile}`,
    ])
    this.processes.push(this.dnsmasq)
    writeFileSync(this.inboundHostsFile, p.endpointIps.map((address) => `${address} ${p.endpointHost}\n`).join(''))
    this.processes.push(
      await spawnIn(eks, 'dnsmasq', [
        '--keep-in-foreground',
        '--conf-file=/dev/null',
        '--user=root',
        '--no-resolv',
        '--no-hosts',
        '--no-poll',
        '--pid-file=',
        '--log-facility=-',
        `--listen-address=${p.inboundResolverIp}`,
        '--bind-interfaces',
        '--port=53',
        '--local=/amazonaws.com/',
        `--addn-hosts=${this.inboundHostsFile}`,
      ]),
    )
    const relay = (ns: string, maps: string[]) => spawnIn(ns, process.execPath, [RELAY, ...maps], { readyLine: 'ready', timeoutMs: 10_000 })
    this.processes.push(
      ...(await Promise.all([
        relay(ws, [`127.0.0.1:${WS_AWS_PORT}=${this.socket('aws')}`, `127.0.0.1:${WS_EKS_PORT}=${this.socket('eks')}`]),
        relay(eks, p.endpointIps.map((address) => `${address}:443=${this.socket('api')}`)),
        relay(vpn, [`0.0.0.0:${MITM_PORT}=${this.socket('mitm')}`]),
      ])),
    )
    const answers = await waitFor(() => this.dig(p.endpointHost) !== undefined, 10_000, 100)
    if (!answers) throw new Error(`dnsmasq in ${ws} does not answer: ${this.dnsmasq.stderr()}`)
    if (p.wireguard) {
      await this.startWireguard()
      return
    }
    // The tailscale double, on the PATH the CLI gets.
    copyFileSync(TAILSCALE_DOUBLE, join(this.binDir, 'tailscale'))
    chmodSync(join(this.binDir, 'tailscale'), 0o755)
  }

  /** The server's and the workstation's public keys, once startWireguard made them. */
  wgKeys = { server: '', client: '' }

  /**
   * A real WireGuard tunnel (wireguard-go, userspace: no kernel module needed): the server on the
   * router listening on its public address, the workstation as a wg-quick client would set it up
   * (its address, the peer with AllowedIPs, a route for the EKS VPC through wg0).
   */
  private async startWireguard(): Promise<void> {
    const p = this.p
    const wg = p.wireguard!
    const { ws, vpn } = this.ns
    const keyPair = (name: string) => {
      const { publicKey, privateKey } = generateKeyPairSync('x25519')
      const b64 = (jwk: string | undefined) => Buffer.from(jwk ?? '', 'base64url').toString('base64')
      const path = join(this.dir, `${name}.key`)
      writeFileSync(path, `${b64(privateKey.export({ format: 'jwk' }).d)}\n`, { mode: 0o600 })
      return { path, publicKey: b64(publicKey.export({ format: 'jwk' }).x) }
    }
    const server = keyPair('wg-server')
    const client = keyPair('wg-client')
    this.wgKeys = { server: server.publicKey, client: client.publicKey }
    // wireguard-go's control socket is /var/run/wireguard/<name>.sock, one directory for every
    // namespace: the server's interface needs a name of its own.
    for (const [ns, name] of [[ws, 'wg0'], [vpn, WG_SERVER_IF]] as const) {
      // wireguard-go declines to run on Linux (which has the kernel module) unless told to.
      this.processes.push(await spawnIn(ns, 'env', ['WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1', 'wireguard-go', '-f', name]))
      const up = await waitFor(() => runIn(ns, 'ip', ['link', 'show', name], { allowFail: true }) !== '', 5_000, 50)
      if (!up) throw new Error(`wireguard-go did not create ${name} in ${ns}`)
    }
    runIn(vpn, 'wg', ['set', WG_SERVER_IF, 'private-key', server.path, 'listen-port', String(wg.port), 'peer', client.publicKey, 'allowed-ips', `${wg.clientAddress}/32`])
    runIn(vpn, 'ip', ['addr', 'add', `${wg.serverAddress}/${wg.prefix}`, 'dev', WG_SERVER_IF])
    runIn(vpn, 'ip', ['link', 'set', WG_SERVER_IF, 'up'])
    runIn(ws, 'wg', ['set', 'wg0', 'private-key', client.path, ...this.wgClientPeer()])
    runIn(ws, 'ip', ['addr', 'add', `${wg.clientAddress}/${wg.prefix}`, 'dev', 'wg0'])
    runIn(ws, 'ip', ['link', 'set', 'wg0', 'up'])
    runIn(ws, 'ip', ['route', 'add', p.eksVpcCidr, 'dev', 'wg0'])
  }

  /** The workstation's peer: the server, its endpoint, and the AllowedIPs a correct config has. */
  private wgClientPeer(allowedIps = [`${this.p.wireguard!.serverAddress}/32`, this.p.eksVpcCidr]): string[] {
    const wg = this.p.wireguard!
    return ['peer', this.wgKeys.server, 'endpoint', `${wg.serverPublicIp}:${wg.port}`, 'allowed-ips', allowedIps.join(',')]
  }

  /** What the workstation's resolver answers for `host` (A records), undefined when it does not answer. */
  dig(host: string): string[] | undefined {
    const out = runIn(this.ns.ws, 'dig', ['+short', '+time=1', '+tries=1', '@127.0.0.1', host, 'A'], { allowFail: true })
    if (out.includes(';;')) return undefined
    return out.split('\n').filter(Boolean)
  }

  // ---------------------------------------------------------------- baseline and reset

  /** Undoes every fault (newest first) and puts the world back to healthy. */
  async reset(): Promise<void> {
    while (this.undo.length) await this.undo.pop()!()
    // A fresh WireGuard session, so initiations a fault left unanswered do not delay the next scenario's.
    if (this.p.wireguard && this.wgKeys.server) {
      runIn(this.ns.ws, 'wg', ['set', 'wg0', 'peer', this.wgKeys.server, 'remove'])
      this.restoreWorkstationTunnel()
    }
    await this.setDns([...this.p.endpointIps])
    this.setTailscale(HEALTHY_TAILSCALE)
    this.setAccessEntries([{ principalArn: this.aws.roleArn, policies: [{ policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: 'cluster' } }] }])
    const base = this.baselineCluster()
    Object.assign(this.cluster, { endpointPublicAccess: base.endpointPublicAccess, publicAccessCidrs: undefined })
    this.zeroTrace()
  }

  /** Makes the workstation's resolver answer `ips` for the endpoint host ([] → NXDOMAIN). */
  async setDns(ips: string[]): Promise<void> {
    writeFileSync(this.hostsFile, ips.map((address) => `${address} ${this.p.endpointHost}\n`).join(''))
    process.kill(this.dnsmasq.pid, 'SIGHUP')
    const want = [...ips].sort().join(',')
    const settled = await waitFor(() => (this.dig(this.p.endpointHost) ?? ['?']).sort().join(',') === want, 5_000, 50)
    if (!settled) throw new Error(`dnsmasq did not switch to [${want}] within 5 s`)
  }

  setTailscale(state: TailscaleState): void {
    writeFileSync(join(this.tailscaleDir, 'status.json'), `${JSON.stringify(buildTailscaleStatus(this.p, state), null, 2)}\n`)
    writeFileSync(join(this.tailscaleDir, 'prefs.json'), `${JSON.stringify(buildTailscalePrefs(state), null, '\t')}\n`)
    writeFileSync(join(this.tailscaleDir, 'dns-status.txt'), buildTailscaleDnsStatus(state))
    writeFileSync(join(this.tailscaleDir, 'version.txt'), `${TAILSCALE_VERSION.split('-')[0]}\n  tailscale commit: 9b1e2c4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d\n  other commit: 0123456789abcdef0123456789abcdef01234567\n  go version: go1.23.4\n`)
  }

  /** Replaces the cluster's access entries (the API server maps and authorises by the same list). */
  setAccessEntries(list: FakeAccessEntry[]): void {
    this.entries.splice(0, this.entries.length, ...list)
  }

  /** Registers how to undo a fault just applied; `reset` runs these newest first. */
  private onReset(undo: () => void | Promise<void>): void {
    this.undo.push(undo)
  }

  // ---------------------------------------------------------------- faults (network and AWS together)

  /** tailscaled has not installed the EKS route (no peer serves it, or accept-routes is off). */
  withdrawVpnRoute(): void {
    const route = [this.p.eksVpcCidr, 'dev', 'tailscale0', 'table', TAILSCALE_TABLE]
    run('ip', ['-n', this.ns.ws, 'route', 'del', ...route])
    this.onReset(() => void run('ip', ['-n', this.ns.ws, 'route', 'add', ...route]))
  }

  /** The subnet router is offline in the tailnet: nothing it used to carry arrives. */
  peerOffline(): void {
    this.setTailscale({ ...HEALTHY_TAILSCALE, online: false })
    const rules = [['INPUT', '-i', this.tunnelIf, '-j', 'DROP'], ['FORWARD', '-i', this.tunnelIf, '-j', 'DROP']]
    for (const rule of rules) this.iptables(this.ns.vpn, '-I', ...rule)
    this.onReset(() => rules.forEach((rule) => this.iptables(this.ns.vpn, '-D', ...rule)))
  }

  /** The route table of EKS subnet `i` lost its route back to the VPN VPC. */
  async removeEksReturnRoute(i: 0 | 1): Promise<void> {
    const route = [this.p.vpnVpcCidr, 'dev', 'vpnsn', 'table', FAB_TABLE_EKS[i]]
    run('ip', ['-n', this.ns.fab, 'route', 'del', ...route])
    await this.aws.removeEksRoute(i)
    this.onReset(async () => {
      run('ip', ['-n', this.ns.fab, 'route', 'add', ...route])
      await this.aws.ec2.send(new CreateRouteCommand({ RouteTableId: this.aws.eksRouteTableIds[i], DestinationCidrBlock: this.p.vpnVpcCidr, ...this.vpcRouteTarget() }))
    })
  }

  /**
   * Both EKS subnets route the VPN VPC into a blackhole: a peering that was deleted (AWS shows the
   * route `blackhole`; moto keeps `active`, so the dead pcx is what tells). Returns the dead pcx id.
   */
  async blackholeEksReturnRoutes(): Promise<string> {
    const { ec2 } = this.aws
    const created = await ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: this.aws.eksVpcId, PeerVpcId: this.aws.vpnVpcId }))
    const deadId = created.VpcPeeringConnection?.VpcPeeringConnectionId as string
    await ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: deadId }))
    await ec2.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: deadId }))
    for (const [i, table] of FAB_TABLE_EKS.entries()) {
      run('ip', ['-n', this.ns.fab, 'route', 'replace', 'blackhole', this.p.vpnVpcCidr, 'table', table])
      await ec2.send(new ReplaceRouteCommand({ RouteTableId: this.aws.eksRouteTableIds[i], DestinationCidrBlock: this.p.vpnVpcCidr, VpcPeeringConnectionId: deadId }))
    }
    this.onReset(async () => {
      for (const [i, table] of FAB_TABLE_EKS.entries()) {
        run('ip', ['-n', this.ns.fab, 'route', 'replace', this.p.vpnVpcCidr, 'dev', 'vpnsn', 'table', table])
        await ec2.send(new ReplaceRouteCommand({ RouteTableId: this.aws.eksRouteTableIds[i], DestinationCidrBlock: this.p.vpnVpcCidr, VpcPeeringConnectionId: this.peeringId }))
      }
    })
    return deadId
  }

  /** The VPN VPC's route table lost its route to the EKS VPC. */
  async removeVpnSideRoute(): Promise<void> {
    const route = [this.p.eksVpcCidr, 'dev', 'ekssn', 'table', FAB_TABLE_VPN]
    run('ip', ['-n', this.ns.fab, 'route', 'del', ...route])
    await this.aws.removeVpnReturnRoute()
    this.onReset(async () => {
      run('ip', ['-n', this.ns.fab, 'route', 'add', ...route])
      await this.aws.ec2.send(new CreateRouteCommand({ RouteTableId: this.aws.vpnRouteTableId, DestinationCidrBlock: this.p.eksVpcCidr, ...this.vpcRouteTarget() }))
    })
  }

  /** Where the VPC routes between the two VPCs go: the transit gateway, or the current peering. */
  private vpcRouteTarget(): { TransitGatewayId: string } | { VpcPeeringConnectionId: string } {
    return this.tgw ? { TransitGatewayId: this.tgw.tgwId } : { VpcPeeringConnectionId: this.peeringId }
  }

  /**
   * The TGW route table no longer carries the VPN VPC: its attachment stopped propagating there
   * (and no static route stands in). What the endpoints answer enters the gateway and is dropped.
   */
  async tgwStopsReturnPropagation(): Promise<void> {
    const tgw = this.tgw!
    const link = { TransitGatewayRouteTableId: tgw.routeTableId, TransitGatewayAttachmentId: tgw.vpnAttachmentId }
    const rule = ['FORWARD', '-i', 'ekssn', '-o', 'vpnsn', '-j', 'DROP']
    this.iptables(this.ns.fab, '-I', ...rule)
    await this.aws.ec2.send(new DisableTransitGatewayRouteTablePropagationCommand(link))
    this.onReset(async () => {
      this.iptables(this.ns.fab, '-D', ...rule)
      await this.aws.ec2.send(new EnableTransitGatewayRouteTablePropagationCommand(link))
    })
  }

  /**
   * The EKS VPC attachment lost its subnet in the zone of endpoint subnet `i`: the endpoint ENI
   * there can still be reached across the VPC, but what it answers cannot enter the gateway
   * from a zone the attachment is not in.
   */
  async tgwAttachmentLosesZone(i: 0 | 1): Promise<void> {
    const tgw = this.tgw!
    const subnet = this.aws.eksSubnetIds[i]
    const rule = ['FORWARD', '-i', 'ekssn', '-s', this.p.eksSubnetCidrs[i]!, '-o', 'vpnsn', '-j', 'DROP']
    this.iptables(this.ns.fab, '-I', ...rule)
    await this.aws.ec2.send(new ModifyTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: tgw.eksAttachmentId, RemoveSubnetIds: [subnet] }))
    this.onReset(async () => {
      this.iptables(this.ns.fab, '-D', ...rule)
      await this.aws.ec2.send(new ModifyTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: tgw.eksAttachmentId, AddSubnetIds: [subnet] }))
    })
  }

  /** The peering is deleted: nothing crosses between the two VPCs. Undone with a new peering. */
  async deactivatePeering(): Promise<string> {
    const deadId = this.peeringId
    const rules = [['FORWARD', '-i', 'vpnsn', '-o', 'ekssn', '-j', 'DROP'], ['FORWARD', '-i', 'ekssn', '-o', 'vpnsn', '-j', 'DROP']]
    for (const rule of rules) this.iptables(this.ns.fab, '-I', ...rule)
    await this.aws.deactivatePeering()
    this.onReset(async () => {
      rules.forEach((rule) => this.iptables(this.ns.fab, '-D', ...rule))
      await this.replacePeering()
    })
    return deadId
  }

  /** A new active peering (DNS resolution on both sides) and every route moved onto it. */
  private async replacePeering(): Promise<void> {
    const { ec2 } = this.aws
    const created = await ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: this.aws.eksVpcId, PeerVpcId: this.aws.vpnVpcId }))
    const id = created.VpcPeeringConnection?.VpcPeeringConnectionId as string
    await ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id }))
    const dnsOn = { AllowDnsResolutionFromRemoteVpc: true }
    await ec2.send(new ModifyVpcPeeringConnectionOptionsCommand({ VpcPeeringConnectionId: id, RequesterPeeringConnectionOptions: dnsOn, AccepterPeeringConnectionOptions: dnsOn }))
    const routes = [
      ...this.aws.eksRouteTableIds.map((RouteTableId) => ({ RouteTableId, DestinationCidrBlock: this.p.vpnVpcCidr })),
      { RouteTableId: this.aws.vpnRouteTableId, DestinationCidrBlock: this.p.eksVpcCidr },
    ]
    for (const route of routes) await ec2.send(new ReplaceRouteCommand({ ...route, VpcPeeringConnectionId: id }))
    this.peeringId = id
  }

  /** The cluster security group has no 443 rule from the VPN VPC CIDR. */
  async removeSgRule(): Promise<void> {
    this.iptables(this.ns.eks, '-D', 'INPUT', ...this.sgAllowRule())
    await this.aws.removeSgRule()
    this.onReset(async () => {
      this.iptables(this.ns.eks, '-I', 'INPUT', '1', ...this.sgAllowRule())
      await this.aws.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: this.aws.clusterSgId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: this.p.vpnVpcCidr, Description: 'VPN VPC to the EKS API' }] }],
        }),
      )
    })
  }

  /** The endpoint subnets' NACL denies TCP 443 from the VPN VPC (rule 50, before the allow at 100). */
  async denyNacl(): Promise<void> {
    const rule = ['FORWARD', '-o', 'ekssn', '-p', 'tcp', '--dport', '443', '-s', this.p.vpnVpcCidr, '-j', 'DROP']
    this.iptables(this.ns.fab, '-I', ...rule)
    await this.aws.denyNacl()
    this.onReset(async () => {
      this.iptables(this.ns.fab, '-D', ...rule)
      await this.aws.ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: this.aws.naclId, RuleNumber: NACL_DENY_RULE, Egress: false }))
    })
  }

  /** The subnet router forwards tailnet traffic without source NAT (--snat-subnet-routes=false). */
  snatOff(): void {
    const rule = this.snatRule()
    this.iptables(this.ns.vpn, '-t', 'nat', '-D', ...rule)
    this.onReset(() => this.iptables(this.ns.vpn, '-t', 'nat', '-A', ...rule))
  }

  /**
   * EC2's source/destination check on the router's ENI, enforced as AWS does: a packet from the ENI
   * must come from its address, a packet to it must be for its address.
   */
  async sourceDestCheckOn(): Promise<void> {
    const rules = [
      ['FORWARD', '-i', 'vpnsn', '!', '-s', this.p.vpnRouterIp, '-j', 'DROP'],
      ['FORWARD', '-o', 'vpnsn', '!', '-d', this.p.vpnRouterIp, '-j', 'DROP'],
    ]
    for (const rule of rules) this.iptables(this.ns.fab, '-I', ...rule)
    await this.setSourceDestCheck(true)
    this.onReset(async () => {
      rules.forEach((rule) => this.iptables(this.ns.fab, '-D', ...rule))
      await this.setSourceDestCheck(false)
    })
  }

  private async setSourceDestCheck(Value: boolean): Promise<void> {
    await Promise.all([
      this.aws.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: this.aws.routerInstanceId, SourceDestCheck: { Value } })),
      this.aws.ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: this.aws.routerEniId, SourceDestCheck: { Value } })),
    ])
  }

  /** A TLS-inspecting box on the router intercepts 443 and presents its own certificate. */
  mitm(): void {
    const rule = ['PREROUTING', '-i', this.tunnelIf, '-p', 'tcp', '--dport', '443', '-j', 'REDIRECT', '--to-ports', String(MITM_PORT)]
    this.iptables(this.ns.vpn, '-t', 'nat', '-I', ...rule)
    this.onReset(() => this.iptables(this.ns.vpn, '-t', 'nat', '-D', ...rule))
  }

  /**
   * The router drops TCP packets of the API connections longer than `bytes` in one direction, and
   * sends no ICMP "fragmentation needed": a path MTU black hole (toward the workstation), or a
   * path or middlebox that drops large packets toward the server.
   */
  dropPacketsOver(bytes: number, direction: 'to-workstation' | 'to-server', o: { tlsHandshakeOnly?: boolean } = {}): void {
    const size = ['-m', 'length', '--length', `${bytes + 1}:65535`]
    // A box that reads TLS: only segments that begin a handshake record (content type 22), as a ClientHello does.
    const handshakeOnly = o.tlsHandshakeOnly ? ['-m', 'u32', '--u32', '0>>22&0x3C@12>>26&0x3C@0>>24=0x16'] : []
    const rule =
      direction === 'to-workstation'
        ? ['FORWARD', '-o', this.tunnelIf, '-p', 'tcp', '--sport', '443', ...size, ...handshakeOnly, '-j', 'DROP']
        : ['FORWARD', '-i', this.tunnelIf, '-p', 'tcp', '--dport', '443', ...size, ...handshakeOnly, '-j', 'DROP']
    this.iptables(this.ns.vpn, '-I', ...rule)
    this.onReset(() => this.iptables(this.ns.vpn, '-D', ...rule))
  }

  /** Runs a fix's command in the workstation namespace as root (sudo dropped); the workstation's links are put back on reset. */
  applyWorkstationFix(command: string): void {
    runIn(this.ns.ws, 'sh', ['-c', command.replace(/(^|&& )sudo /g, '$1')])
    this.onReset(() => this.restoreWorkstationTunnel())
  }

  /** Runs a fix's command on the router (sudo and the trailing `# on ...` dropped); an iptables rule it appends is deleted on reset. */
  applyRouterFix(command: string): void {
    const line = command.replace(/\s+#.*$/, '').replace(/^sudo /, '')
    runIn(this.ns.vpn, 'sh', ['-c', line])
    if (/^iptables .* -A /.test(line)) this.onReset(() => void runIn(this.ns.vpn, 'sh', ['-c', line.replace(' -A ', ' -D ')]))
  }

  private restoreWorkstationTunnel(): void {
    if (!this.p.wireguard) {
      run('ip', ['-n', this.ns.ws, 'link', 'set', 'tailscale0', 'mtu', String(WS_TAILSCALE_MTU)])
      return
    }
    runIn(this.ns.ws, 'wg', ['set', 'wg0', ...this.wgClientPeer()])
    runIn(this.ns.ws, 'ip', ['route', 'replace', this.p.eksVpcCidr, 'dev', 'wg0'])
  }

  /** The workstation's WireGuard config lacks the EKS CIDR in AllowedIPs, so wg-quick installed no route for it. */
  wgWithoutEksCidr(): void {
    runIn(this.ns.ws, 'wg', ['set', 'wg0', ...this.wgClientPeer([`${this.p.wireguard!.serverAddress}/32`])])
    runIn(this.ns.ws, 'ip', ['route', 'del', this.p.eksVpcCidr, 'dev', 'wg0'])
    this.onReset(() => this.restoreWorkstationTunnel())
  }

  /**
   * The WireGuard server is unreachable (down, or UDP to it blocked), and the workstation's session
   * is gone (a laptop back from sleep): its peer shows no handshake.
   */
  wgServerUnreachable(): void {
    const wg = this.p.wireguard!
    const rule = ['INPUT', '-i', 'wan0', '-p', 'udp', '--dport', String(wg.port), '-j', 'DROP']
    this.iptables(this.ns.vpn, '-I', ...rule)
    runIn(this.ns.ws, 'wg', ['set', 'wg0', 'peer', this.wgKeys.server, 'remove'])
    runIn(this.ns.ws, 'wg', ['set', 'wg0', ...this.wgClientPeer()])
    this.onReset(() => this.iptables(this.ns.vpn, '-D', ...rule))
  }

  /** Runs the real kubectl in the workstation with the operator's kubeconfig (and `env` on top). */
  kubectl(args: string[], env: Record<string, string> = {}): Promise<LabRun> {
    return this.spawnInWorkstation('kubectl', args, { env: { ...this.env(), ...env }, timeoutMs: 30_000 })
  }

  /** The public endpoint is on as well, open to `publicAccessCidrs` (the lab's public address drops 443: nobody is admitted from here). */
  enablePublicEndpoint(publicAccessCidrs = ['0.0.0.0/0']): void {
    Object.assign(this.cluster, { endpointPublicAccess: true, publicAccessCidrs })
  }

  // ---------------------------------------------------------------- running the CLI

  /** A kubeconfig in the style `aws eks update-kubeconfig` writes, with eksdoctor as the token command. */
  writeKubeconfig(name: string, o: { server: string; execApiVersion?: string }): string {
    const p = this.p
    const path = join(this.dir, name)
    const arn = this.cluster.arn as string
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        `current-context: ${arn}`,
        'clusters:',
        `- name: ${arn}`,
        '  cluster:',
        `    server: ${o.server}`,
        `    certificate-authority-data: ${Buffer.from(this.ca.certPem).toString('base64')}`,
        'contexts:',
        `- name: ${arn}`,
        `  context: {cluster: "${arn}", user: "${arn}"}`,
        'users:',
        `- name: ${arn}`,
        '  user:',
        '    exec:',
        `      apiVersion: ${o.execApiVersion ?? 'client.authentication.k8s.io/v1beta1'}`,
        `      command: ${BIN}`,
        `      args: [token, --cluster, ${p.cluster}, --region, ${p.region}]`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    )
    return path
  }

  /** The environment of an operator's shell on the workstation: a fresh HOME, the lab's AWS endpoints. */
  env(o: CheckOptions = {}): Record<string, string> {
    const home = join(this.dir, `home-${++this.runs}`)
    mkdirSync(home, { recursive: true })
    const creds = o.creds ?? 'session'
    const c = creds === 'expired' ? this.expiredCreds : this.creds
    return {
      // No pyenv shims: the workstation has kubectl, dig, ip and tailscale, not the aws CLI.
      PATH: [this.binDir, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':'),
      HOME: home,
      LANG: 'C.UTF-8',
      CI: '1',
      NO_COLOR: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(home, '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
      AWS_ENDPOINT_URL_EC2: `http://127.0.0.1:${WS_AWS_PORT}`,
      AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${WS_AWS_PORT}`,
      AWS_ENDPOINT_URL_IAM: `http://127.0.0.1:${WS_AWS_PORT}`,
      AWS_ENDPOINT_URL_EKS: `http://127.0.0.1:${WS_EKS_PORT}`,
      EKSDOCTOR_LAB_TAILSCALE_STATE: this.tailscaleDir,
      KUBECONFIG: this.operatorKubeconfig,
      ...(creds === 'none' ? {} : { AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_SESSION_TOKEN: c.sessionToken }),
      ...o.env,
    }
  }

  /** Runs the built CLI inside the workstation namespace. */
  cli(args: string[], o: CheckOptions = {}): Promise<LabRun> {
    return this.spawnInWorkstation(process.execPath, [BIN, ...args], { env: this.env(o), timeoutMs: o.timeoutMs ?? CLI_TIMEOUT_MS })
  }

  private spawnInWorkstation(file: string, args: string[], o: { env: Record<string, string>; timeoutMs: number }): Promise<LabRun> {
    const { env, timeoutMs } = o
    const started = Date.now()
    return new Promise((done, fail) => {
      const child = spawn('ip', ['netns', 'exec', this.ns.ws, file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.stderr.on('data', (chunk) => (stderr += chunk))
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        fail(new Error(`${file} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`))
      }, timeoutMs)
      child.on('error', fail)
      child.on('close', (exitCode) => {
        clearTimeout(timer)
        let json: unknown
        try {
          json = JSON.parse(stdout)
        } catch {
          json = undefined
        }
        done({ exitCode, stdout, stderr, json, ms: Date.now() - started })
      })
    })
  }

  /** `eksdoctor check --cluster … --region … --connect-timeout 1 --json` in the workstation. */
  check(extraArgs: string[] = [], o: CheckOptions = {}): Promise<LabRun> {
    return this.cli(['check', '--cluster', this.p.cluster, '--region', this.p.region, '--connect-timeout', '1', '--json', ...extraArgs], o)
  }

  /** Every secret the CLI could leak: both sessions' secret keys and tokens. */
  secrets(): string[] {
    return [this.creds.secretAccessKey, this.creds.sessionToken, this.expiredCreds.secretAccessKey, this.expiredCreds.sessionToken]
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((proc) => proc.stop()))
    await Promise.all([
      ...this.bridges.map((server) => closeServer(server)),
      this.front ? closeServer(this.front) : undefined,
      this.api?.close(),
      this.inspector?.close(),
      this.eks?.close(),
    ])
  }
}

// ---------------------------------------------------------------- helpers

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0)
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

function prefixOf(cidr: string): string {
  return cidr.split('/')[1] ?? '32'
}

/** The network an address with that prefix length is in, as a CIDR. */
function networkOf(address: string, prefix: number): string {
  const size = 2 ** (32 - prefix)
  return `${intToIp(Math.floor(ipToInt(address) / size) * size)}/${prefix}`
}

/** The n-th address of a CIDR (1 is the VPC router's, as in AWS). */
function hostIn(cidr: string, n: number): string {
  return intToIp(ipToInt(cidr.split('/')[0] ?? '') + n)
}

/** A Unix socket server in the test process that pipes each connection to 127.0.0.1:port. */
async function bridgeUnixToTcp(path: string, port: number): Promise<Server> {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    }
    const close = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', close)
    upstream.on('error', close)
    client.on('close', close)
    upstream.on('close', close)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  ;(server as Server & { labSockets?: Set<Socket> }).labSockets = sockets
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(path, () => resolveListen())
  })
  return server
}

function closeServer(server: Server | HttpServer): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose())
    for (const socket of (server as Server & { labSockets?: Set<Socket> }).labSockets ?? []) socket.destroy()
    if ('closeAllConnections' in server) server.closeAllConnections()
    // Bound the wait (a keep-alive socket can hold close() open), without keeping the process alive.
    setTimeout(resolveClose, 2_000).unref()
  })
}

/**
 * The lab's AWS front door, before moto: passes every request through, except that a request
 * signed with a session token the lab marked expired gets the answer AWS gives (moto never expires
 * a session).
 */
async function startAwsFront(motoPort: number, expiredTokens: ReadonlySet<string>): Promise<HttpServer> {
  const server = createHttpServer((req, res) => {
    const token = req.headers['x-amz-security-token']
    if (typeof token === 'string' && expiredTokens.has(token)) {
      req.resume()
      res.writeHead(403, { 'content-type': 'text/xml', 'x-amzn-requestid': 'c6104cbe-af31-11e0-8154-cbc7ccf896c7' })
      res.end(
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <Error>\n    <Type>Sender</Type>\n    <Code>ExpiredToken</Code>\n' +
          '    <Message>The security token included in the request is expired</Message>\n  </Error>\n  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n</ErrorResponse>\n',
      )
      return
    }
    const upstream = httpRequest({ host: '127.0.0.1', port: motoPort, method: req.method, path: req.url, headers: req.headers, timeout: 30_000 }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('timeout', () => upstream.destroy(new Error('moto did not answer within 30 s')))
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end(`lab AWS front: ${error.message}`)
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', () => resolveListen()))
  return server
}
