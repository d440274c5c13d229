/**
 * The value sets the network lab runs with: two Tailscale worlds with different names, CIDRs,
 * regions, tailnet addresses and "internet" ranges, so that nothing in eksdoctor can depend on one
 * example, a WireGuard world and a Transit Gateway world with values of their own. "Public" addresses come from the
 * documentation ranges (RFC 5737, RFC 2544) and exist only inside lab namespaces.
 */
import type { WorldParams } from '../helpers/aws-world.js'

/** Everything one lab world is built from: the AWS side (WorldParams) and the network around it. */
export interface LabParams extends WorldParams {
  /** One letter, part of the namespace names (edl<pid><tag>-ws). */
  tag: string
  /** The private endpoint host name: `<32 hex>.<cell>.<region>.eks.amazonaws.com`. */
  endpointHost: string
  /** The endpoint of the cluster before it was recreated (the stale kubeconfig). */
  oldEndpointHost: string
  /** A name one typo away from `cluster`. */
  clusterTypo: string
  /** Inside the EKS VPC (subnet 0) but not an endpoint ENI: a stale DNS answer. */
  staleIp: string
  /** The "public endpoint" address in the dead-end internet namespace (203.0.113.0/24). */
  publicIp: string
  /** This workstation's tailnet address (on tailscale0). */
  workstationTailnetIp: string
  /** The subnet router's tailnet address. */
  routerTailnetIp: string
  /** The workstation's LAN toward the dead-end internet: its address, the gateway, the prefix length. */
  lan: { address: string; gateway: string; prefix: number }
  /** A proxy address on that LAN where nothing listens. */
  deadProxy: string
  /** The role session name of the operator's credentials. */
  sessionName: string
  /** A Route 53 Resolver inbound endpoint in the EKS VPC (subnet 0): the tailnet's split DNS server for the region. */
  inboundResolverIp: string
  /**
   * A world whose VPN is a WireGuard server on the router instead of a Tailscale subnet router: the
   * tunnel's addresses, and the server's "public" address, reached from the workstation's LAN.
   */
  wireguard?: { clientAddress: string; serverAddress: string; prefix: number; serverPublicIp: string; wanGateway: string; wanPrefix: number; port: number }
  /** A world whose two VPCs are joined by a transit gateway (its default route table, propagation from both attachments) instead of a peering. */
  transitGateway?: boolean
}

/** The Tailscale worlds, two value sets. */
export const VALUE_SETS: LabParams[] = [
  {
    tag: 'a',
    region: 'eu-west-1',
    cluster: 'ledger-prod',
    eksVpcCidr: '10.40.0.0/16',
    eksSubnetCidrs: ['10.40.1.0/24', '10.40.2.0/24'],
    vpnVpcCidr: '10.77.0.0/16',
    vpnSubnetCidr: '10.77.0.0/24',
    endpointIps: ['10.40.1.21', '10.40.2.34'],
    vpnRouterIp: '10.77.0.5',
    roleName: 'AWSReservedSSO_LabOps_0a1b2c3d4e5f6071',
    rolePath: '/aws-reserved/sso.amazonaws.com/eu-west-1/',
    endpointHost: '0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.eu-west-1.eks.amazonaws.com',
    oldEndpointHost: 'F9E8D7C6B5A4938271605F4E3D2C1B0A.gr7.eu-west-1.eks.amazonaws.com',
    clusterTypo: 'ledger-prd',
    staleIp: '10.40.1.99',
    publicIp: '203.0.113.10',
    workstationTailnetIp: '100.101.102.103',
    routerTailnetIp: '100.90.80.70',
    lan: { address: '192.0.2.2', gateway: '192.0.2.1', prefix: 24 },
    deadProxy: 'http://192.0.2.1:3128',
    sessionName: 'oncall-7f3a',
    inboundResolverIp: '10.40.1.53',
  },
  {
    tag: 'b',
    region: 'ap-northeast-2',
    cluster: 'inventory_stage-2',
    eksVpcCidr: '192.168.0.0/16',
    eksSubnetCidrs: ['192.168.64.0/20', '192.168.80.0/20'],
    // Inside 100.64.0.0/10 like the tailnet addresses, but not overlapping them: a real-world shape.
    vpnVpcCidr: '100.72.0.0/16',
    vpnSubnetCidr: '100.72.4.0/24',
    endpointIps: ['192.168.70.9', '192.168.85.200'],
    vpnRouterIp: '100.72.4.44',
    roleName: 'platform-break-glass-lab',
    rolePath: '/teams/platform/',
    endpointHost: '5F3C9A1E2B7D4C60A1B2C3D4E5F60718.sk1.ap-northeast-2.eks.amazonaws.com',
    oldEndpointHost: '11AA22BB33CC44DD55EE66FF77889900.sk1.ap-northeast-2.eks.amazonaws.com',
    clusterTypo: 'inventory-stage-2',
    staleIp: '192.168.71.5',
    publicIp: '203.0.113.77',
    workstationTailnetIp: '100.88.12.34',
    routerTailnetIp: '100.99.3.4',
    lan: { address: '198.51.100.20', gateway: '198.51.100.1', prefix: 24 },
    deadProxy: 'http://198.51.100.1:8080',
    sessionName: 'jdoe@example.com',
    inboundResolverIp: '192.168.66.10',
  },
]

/** The WireGuard world: a wg-quick client on the workstation, a WireGuard server on the router. */
export const WIREGUARD_WORLD: LabParams = {
  tag: 'w',
  region: 'us-east-2',
  cluster: 'orders-wg',
  eksVpcCidr: '10.60.0.0/16',
  eksSubnetCidrs: ['10.60.10.0/24', '10.60.20.0/24'],
  vpnVpcCidr: '172.22.0.0/16',
  vpnSubnetCidr: '172.22.1.0/24',
  endpointIps: ['10.60.10.15', '10.60.20.40'],
  vpnRouterIp: '172.22.1.9',
  roleName: 'orders-oncall',
  rolePath: '/',
  endpointHost: '7C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F.sk2.us-east-2.eks.amazonaws.com',
  oldEndpointHost: '0F1E2D3C4B5A69788796A5B4C3D2E1F0.sk2.us-east-2.eks.amazonaws.com',
  clusterTypo: 'orders-wq',
  staleIp: '10.60.10.99',
  publicIp: '203.0.113.30',
  workstationTailnetIp: '100.64.9.2',
  routerTailnetIp: '100.64.9.3',
  lan: { address: '192.0.2.50', gateway: '192.0.2.49', prefix: 28 },
  deadProxy: 'http://192.0.2.49:3128',
  sessionName: 'wg-oncall',
  inboundResolverIp: '10.60.10.53',
  // Benchmark addresses (RFC 2544) for the server's "public" side: they exist only in the lab.
  wireguard: { clientAddress: '10.250.0.2', serverAddress: '10.250.0.1', prefix: 24, serverPublicIp: '198.18.7.1', wanGateway: '198.18.7.254', wanPrefix: 24, port: 51820 },
}

/** The Transit Gateway world: a Tailscale subnet router in a VPN VPC attached, with the EKS VPC, to one transit gateway. */
export const TGW_WORLD: LabParams = {
  tag: 't',
  region: 'sa-east-1',
  cluster: 'search_platform-TGW',
  eksVpcCidr: '172.31.0.0/16',
  eksSubnetCidrs: ['172.31.32.0/20', '172.31.48.0/20'],
  vpnVpcCidr: '10.8.0.0/20',
  vpnSubnetCidr: '10.8.3.0/24',
  endpointIps: ['172.31.40.77', '172.31.61.3'],
  vpnRouterIp: '10.8.3.250',
  roleName: 'search-sre',
  rolePath: '/sre/',
  endpointHost: '3E4F5A6B7C8D9E0F1A2B3C4D5E6F7A8B.yl4.sa-east-1.eks.amazonaws.com',
  oldEndpointHost: 'B8A7F6E5D4C3B2A1F0E9D8C7B6A5F4E3.yl4.sa-east-1.eks.amazonaws.com',
  clusterTypo: 'search_platfrom-TGW',
  staleIp: '172.31.33.33',
  publicIp: '203.0.113.201',
  workstationTailnetIp: '100.115.92.7',
  routerTailnetIp: '100.100.4.250',
  lan: { address: '198.51.100.130', gateway: '198.51.100.129', prefix: 26 },
  deadProxy: 'http://198.51.100.129:3128',
  sessionName: 'sre-pager',
  inboundResolverIp: '172.31.32.2',
  transitGateway: true,
}
