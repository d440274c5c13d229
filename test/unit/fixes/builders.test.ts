/**
 * Every fix builder, run over two worlds with different values: no command carries a placeholder
 * (`<...>`, TODO, XXX), an empty or undefined value, or another world's ids; every Terraform
 * snippet passes `terraform fmt -check`. A builder added to src/fixes without a case here fails.
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import type { Fix } from '../../../src/engine/types.js'
import * as access from '../../../src/fixes/access.js'
import * as awsNetwork from '../../../src/fixes/aws-network.js'
import * as clientVpn from '../../../src/fixes/client-vpn.js'
import * as cluster from '../../../src/fixes/cluster.js'
import * as credentials from '../../../src/fixes/credentials.js'
import * as dns from '../../../src/fixes/dns.js'
import * as kubeconfig from '../../../src/fixes/kubeconfig.js'
import * as network from '../../../src/fixes/network.js'
import * as proxy from '../../../src/fixes/proxy.js'
import * as routing from '../../../src/fixes/routing.js'
import * as tls from '../../../src/fixes/tls.js'
import * as transitGateway from '../../../src/fixes/transit-gateway.js'
import { tailscalePeer } from '../../helpers/fake-env.js'

const WORLDS = [
  {
    name: 'ledger-prod',
    region: 'eu-west-1',
    account: '210987654321',
    host: '0a1b2c3d4e5f60718293a4b5c6d7e8f9.gr7.eu-west-1.eks.amazonaws.com',
    vpc: 'vpc-0e91551d9b13f461b',
    vpcCidr: '10.40.0.0/16',
    vpnVpc: 'vpc-0a77c6e824909bb87',
    vpnCidr: '10.77.0.0/16',
    eniIps: ['10.40.1.21', '10.40.2.34'],
    sg: 'sg-0188476a529ad8804',
    rtb: 'rtb-0ce2af6e67ecaf85a',
    pcx: 'pcx-0c6e824909bb87c7a',
    tgw: 'tgw-0a1b2c3d4e5f60718',
    nacl: 'acl-02d8797db3832323f',
    router: 'i-0c1d2e3f4a5b60718',
    routerIp: '10.77.1.10',
    profile: 'ledger-admin',
    role: 'arn:aws:iam::210987654321:role/platform/ledger-operators',
  },
  {
    name: 'inventory_stage-2',
    region: 'ap-northeast-2',
    account: '123456789012',
    host: '5f3c9a1e2b7d4c60a1b2c3d4e5f60718.sk1.ap-northeast-2.eks.amazonaws.com',
    vpc: 'vpc-08a451888f6ca8c21',
    vpcCidr: '192.168.0.0/16',
    vpnVpc: 'vpc-0c8ee1ac8646efef5',
    vpnCidr: '100.72.0.0/16',
    eniIps: ['192.168.70.9', '192.168.85.200'],
    sg: 'sg-011cbd9ac6c7cc375',
    rtb: 'rtb-03743723f8369dce2',
    pcx: 'pcx-054e030c6cc322fa8',
    tgw: 'tgw-0ffeeddccbbaa9988',
    nacl: 'acl-0114e9840a04ce24c',
    router: 'i-09f8e7d6c5b4a3921',
    routerIp: '100.72.5.20',
    profile: 'inv',
    role: 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Admin_0123456789abcdef',
  },
]
type World = (typeof WORLDS)[number]

/** The Client VPN builders, with ids made from the world's own (an endpoint, its subnets and groups). */
function clientVpnBuilders(w: World): Record<string, () => Fix | Fix[]> {
  const endpointId = `cvpn-endpoint-${w.pcx.slice(4)}`
  const replacement = `cvpn-endpoint-${w.tgw.slice(4)}`
  const subnets = [`subnet-${w.rtb.slice(4)}`, `subnet-${w.nacl.slice(4)}`]
  const cvpnSg = `sg-${w.router.slice(2)}`
  const assocCidr = w.vpnCidr.replace(/\.0\.0\/16$/, '.10.0/24')
  const group = `${w.name}-operators`
  return {
    buildClientVpnAssociateFix: () => [
      clientVpn.buildClientVpnAssociateFix({ endpointId, subnetIds: subnets, region: w.region, vpcId: w.vpnVpc }),
      clientVpn.buildClientVpnAssociateFix({ endpointId, subnetIds: [subnets[0]!], region: w.region, vpcId: w.vpc, failed: { associationId: `cvpn-assoc-${w.tgw.slice(4)}`, status: 'association-failed' } }),
    ],
    buildClientVpnRouteFix: () => [
      clientVpn.buildClientVpnRouteFix({ endpointId, cidr: w.vpcCidr, subnetIds: subnets, region: w.region, splitTunnel: true }),
      clientVpn.buildClientVpnRouteFix({ endpointId, cidr: w.vpcCidr, subnetIds: [subnets[1]!], region: w.region, splitTunnel: false, failed: 'failed' }),
    ],
    buildClientVpnAuthorizeFix: () => [
      clientVpn.buildClientVpnAuthorizeFix({ endpointId, cidr: w.vpcCidr, region: w.region, groupId: group, why: `No rule covers ${w.eniIps[0]}.` }),
      clientVpn.buildClientVpnAuthorizeFix({ endpointId, cidr: w.vpcCidr, region: w.region, why: 'With certificate authentication only, a rule for a group admits nobody.' }),
    ],
    buildClientVpnGroupCheckFix: () => clientVpn.buildClientVpnGroupCheckFix({ endpointId, cidr: w.vpcCidr, groups: [group, `${w.name}-admins`], region: w.region }),
    buildClientVpnIngressFix: () => [
      clientVpn.buildClientVpnIngressFix({ groupId: w.sg, region: w.region, endpointId, sourceGroupId: cvpnSg }),
      clientVpn.buildClientVpnIngressFix({ groupId: w.sg, region: w.region, endpointId, cidr: assocCidr }),
    ],
    buildClientVpnConnectFix: () => [
      clientVpn.buildClientVpnConnectFix({ endpointId, region: w.region, platform: 'darwin', federated: false, reconnect: true }),
      clientVpn.buildClientVpnConnectFix({ endpointId, region: w.region, platform: 'linux', federated: true, reconnect: false }),
      clientVpn.buildClientVpnConnectFix({ endpointId, region: w.region, platform: 'win32', federated: true, reconnect: false }),
    ],
    buildClientVpnEndpointFix: () => [
      clientVpn.buildClientVpnEndpointFix({ endpointId, status: 'deleted', region: w.region, platform: 'linux' }),
      clientVpn.buildClientVpnEndpointFix({ endpointId, status: 'deleting', region: w.region, platform: 'darwin', replacement, federated: true }),
    ],
  }
}

/** The Transit Gateway builders, with attachment, table and subnet ids made from the world's own. */
function transitGatewayBuilders(w: World): Record<string, () => Fix | Fix[]> {
  const eksAttach = `tgw-attach-${w.tgw.slice(4)}a`
  const vpnAttach = `tgw-attach-${w.pcx.slice(4)}b`
  const tgwRtb = `tgw-rtb-${w.rtb.slice(4)}`
  const subnets = [`subnet-${w.rtb.slice(4)}`, `subnet-${w.nacl.slice(4)}`]
  const eks = { vpcId: w.vpc, subnetIds: subnets, side: 'the cluster VPC' }
  const vpn = { vpcId: w.vpnVpc, subnetIds: [`subnet-${w.router.slice(2)}`], side: 'the VPN VPC' }
  return {
    buildTgwAttachmentFix: () =>
      (['', 'pendingAcceptance', 'pending', 'rejected'] as const).map((state) =>
        transitGateway.buildTgwAttachmentFix({ tgwId: w.tgw, vpc: state === 'pending' ? vpn : eks, region: w.region, ...(state ? { attachmentId: eksAttach, state } : {}) }),
      ),
    buildTgwSubnetFix: () => transitGateway.buildTgwSubnetFix({ attachmentId: eksAttach, tgwId: w.tgw, vpc: { ...eks, subnetIds: [subnets[0]!] }, add: [{ subnetId: subnets[1]!, az: `${w.region}b`, ips: [w.eniIps[1]!] }], region: w.region }),
    buildTgwRouteFix: () =>
      (['create', 'replace', 'delete'] as const).map((mode) => transitGateway.buildTgwRouteFix({ routeTableId: tgwRtb, destination: w.vpcCidr, attachmentId: eksAttach, region: w.region, mode, side: 'associated with the VPN attachment' })),
    buildTgwPropagationFix: () => transitGateway.buildTgwPropagationFix({ routeTableId: tgwRtb, attachmentId: vpnAttach, destination: w.vpnCidr, region: w.region, side: 'associated with the cluster attachment' }),
    buildTgwAssociationFix: () => transitGateway.buildTgwAssociationFix({ routeTableId: tgwRtb, attachmentId: vpnAttach, region: w.region, side: 'the VPN VPC' }),
    buildTgwReplaceFix: () =>
      (['pending', 'deleted'] as const).map((state) =>
        transitGateway.buildTgwReplaceFix({ tgwId: w.tgw, state, name: `${w.name}-vpn`, vpcs: [vpn, eks], routes: [{ routeTableId: w.rtb, destination: w.vpnCidr }], region: w.region }),
      ),
  }
}

/** Every builder with the arguments a run would give it in world w. */
function buildersFor(w: World): Record<string, () => Fix | Fix[]> {
  const peer = tailscalePeer({ hostName: `${w.name}-router`, tailscaleIPs: ['100.100.7.8'], primaryRoutes: [w.vpcCidr] })
  const source = { cidr: w.vpnCidr, via: 'peering' as const, connectionId: w.pcx, remoteVpcId: w.vpnVpc, why: 'peering' }
  const dnsFacts = (platform: 'linux' | 'darwin' | 'win32', o: { eni?: boolean; tailscale?: boolean } = {}) => ({
    host: w.host,
    cluster: w.name,
    region: w.region,
    ...(o.eni === false ? {} : { eniIps: w.eniIps }),
    vpcId: w.vpc,
    vpcCidr: w.vpcCidr,
    platform,
    ...(o.tailscale ? { tailscale: { acceptDns: false } } : {}),
  })
  const wgPeer = { publicKey: 'Yl2v5c8dKq0TnR7sW1xF4aB6eH9jM3pL0uZ2yV5tN8k=', endpoint: `${w.routerIp}:51820`, allowedIps: [w.vpnCidr], rxBytes: 0, txBytes: 0 }
  const splitRoute = { domain: `${w.region}.eks.amazonaws.com`, resolvers: [w.routerIp] }
  const vpcResolver = w.vpcCidr.replace(/\.0\.0\/16$/, '.0.2')
  return {
    buildAccessEntryFix: () => access.buildAccessEntryFix({ cluster: w.name, region: w.region, principalArn: w.role, partition: 'aws' }),
    buildAwsAuthFix: () => access.buildAwsAuthFix({ cluster: w.name, region: w.region, roleArnWithoutPath: w.role.replace(/role\/.*\//, 'role/'), username: 'operator:{{SessionName}}' }),
    buildAssociatePolicyFix: () => [
      access.buildAssociatePolicyFix({ cluster: w.name, region: w.region, principalArn: w.role, partition: 'aws' }),
      access.buildAssociatePolicyFix({ cluster: w.name, region: w.region, principalArn: w.role, partition: 'aws', namespace: 'shop' }),
    ],
    buildGroupBindingFix: () => [access.buildGroupBindingFix(['ledger-ops'], 'list', 'pods', 'default'), access.buildGroupBindingFix(['viewers', 'ops'], 'get', 'nodes')],
    buildSecurityGroupRuleFix: () => awsNetwork.buildSecurityGroupRuleFix(w.sg, w.vpnCidr, w.region),
    buildRouteFix: () => [
      awsNetwork.buildRouteFix({ routeTableId: w.rtb, destination: w.vpnCidr, connectionId: w.pcx, region: w.region, replace: false, side: 'the endpoint subnet' }),
      awsNetwork.buildRouteFix({ routeTableId: w.rtb, destination: w.vpnCidr, connectionId: w.tgw, region: w.region, replace: true, side: 'the endpoint subnet' }),
      awsNetwork.buildRouteFix({ routeTableId: w.rtb, destination: w.vpnCidr, connectionId: w.pcx, region: w.region, replace: true, side: 'the endpoint subnet', replacedPeering: { requesterVpc: w.vpc, accepterVpc: w.vpnVpc } }),
    ],
    buildPeeringActiveFix: () => [awsNetwork.buildPeeringActiveFix(w.pcx, 'pending-acceptance', w.region, w.vpc, w.vpnVpc), awsNetwork.buildPeeringActiveFix(w.pcx, 'deleted', w.region, w.vpc, w.vpnVpc)],
    buildPeeringDnsFix: () => awsNetwork.buildPeeringDnsFix(w.pcx, w.region),
    buildNaclFix: () => [
      awsNetwork.buildNaclFix({ naclId: w.nacl, ingress: true, ruleNumber: 49, source: w.vpnCidr, region: w.region, denyRule: 50 }),
      awsNetwork.buildNaclFix({ naclId: w.nacl, ingress: false, ruleNumber: 100, source: w.vpnCidr, region: w.region }),
    ],
    buildSourceDestCheckFix: () => awsNetwork.buildSourceDestCheckFix(w.router, w.region),
    buildRouterForwardingFixes: () => [
      ...awsNetwork.buildRouterForwardingFixes([source], { id: w.router, ip: w.routerIp }, w.region),
      ...awsNetwork.buildRouterForwardingFixes([source], { ip: w.routerIp }, w.region),
      ...awsNetwork.buildRouterForwardingFixes([source], undefined, w.region, w.vpnVpc),
      ...awsNetwork.buildRouterForwardingFixes([source], { id: w.router, ip: w.routerIp }, w.region, undefined, { kind: 'wireguard', iface: 'wg0', tunnelAddress: '10.250.0.2/32' }),
      ...awsNetwork.buildRouterForwardingFixes([source], undefined, w.region, w.vpnVpc, { kind: 'tunnel', iface: 'utun5' }),
    ],
    ...clientVpnBuilders(w),
    ...transitGatewayBuilders(w),
    buildPrivateOnlyFix: () => [cluster.buildPrivateOnlyFix(w.name, w.region, true), cluster.buildPrivateOnlyFix(w.name, w.region, false)],
    buildClusterNameFix: () => [cluster.buildClusterNameFix(`${w.name}x`, [w.name], w.region, w.profile), cluster.buildClusterNameFix('gone', [], w.region)],
    buildVpcDnsFix: () => cluster.buildVpcDnsFix(w.vpc, w.region, ['enableDnsSupport', 'enableDnsHostnames']),
    buildNoCredentialsFix: () => [credentials.buildNoCredentialsFix(w.profile), credentials.buildNoCredentialsFix(undefined)],
    buildSsoLoginFix: () => [credentials.buildSsoLoginFix(w.profile), credentials.buildSsoLoginFix(undefined)],
    buildExpiredTokenFix: () => credentials.buildExpiredTokenFix(w.profile),
    buildUnknownProfileFix: () => [credentials.buildUnknownProfileFix(`${w.profile}x`, [w.profile], ['/home/op/.aws/config']), credentials.buildUnknownProfileFix('gone', [], ['/home/op/.aws/config'])],
    buildClockFix: () => [credentials.buildClockFix(-420_000), credentials.buildClockFix()],
    buildAccessDeniedFix: () => credentials.buildAccessDeniedFix('ec2:DescribeSecurityGroups'),
    buildNoAnswerFix: () => [dns.buildNoAnswerFix(dnsFacts('linux')), dns.buildNoAnswerFix(dnsFacts('darwin', { tailscale: true })), dns.buildNoAnswerFix(dnsFacts('win32', { eni: false }), { sinkhole: ['0.0.0.0'] })],
    buildPublicAnswerFix: () => [dns.buildPublicAnswerFix(dnsFacts('linux'), ['203.0.113.10'], { hostsFile: true }), dns.buildPublicAnswerFix(dnsFacts('darwin'), ['203.0.113.10'], { hostsFile: false })],
    buildStaleAnswerFix: () => [dns.buildStaleAnswerFix(dnsFacts('linux'), ['10.40.9.9']), dns.buildStaleAnswerFix(dnsFacts('win32'), ['10.40.9.9'])],
    buildAcceptDnsFix: () => [dns.buildAcceptDnsFix('linux', splitRoute), dns.buildAcceptDnsFix('win32', splitRoute)],
    buildResolverUnreachableFix: () => [
      dns.buildResolverUnreachableFix({ resolver: '100.100.100.100', domain: splitRoute.domain, tailscale: true, platform: 'linux' }),
      dns.buildResolverUnreachableFix({ resolver: vpcResolver, domain: splitRoute.domain, tailscale: false, vpcResolverOf: w.vpc, platform: 'darwin' }),
      dns.buildResolverUnreachableFix({ resolver: w.routerIp, tailscale: false, platform: 'win32' }),
    ],
    buildRouteDomainFix: () => [
      dns.buildRouteDomainFix({ domain: splitRoute.domain, resolver: splitRoute.resolvers[0]!, platform: 'linux', tailscale: { acceptDns: false, route: splitRoute } }),
      ...(['linux', 'darwin', 'win32'] as const).map((platform) =>
        dns.buildRouteDomainFix({ domain: splitRoute.domain, resolver: splitRoute.resolvers[0]!, platform, tailscale: { acceptDns: true, route: splitRoute }, inUseVia: '192.0.2.53: the first nameserver in /etc/resolv.conf' }),
      ),
      dns.buildRouteDomainFix({ domain: splitRoute.domain, resolver: w.routerIp, platform: 'darwin' }),
      dns.buildRouteDomainFix({ domain: splitRoute.domain, resolver: w.routerIp, platform: 'win32' }),
      dns.buildRouteDomainFix({ domain: splitRoute.domain, resolver: w.routerIp, platform: 'linux' }),
    ],
    buildRewriteEntryFix: () => [
      kubeconfig.buildRewriteEntryFix({ cluster: w.name, region: w.region, profile: w.profile, context: 'prod', why: 'its server is stale.' }),
      kubeconfig.buildRewriteEntryFix({ region: w.region, context: 'prod', why: 'its server is stale.' }),
    ],
    buildWriteEntryFix: () => kubeconfig.buildWriteEntryFix({ cluster: w.name, region: w.region, profile: w.profile }),
    buildUpgradeAwsCliFix: () => kubeconfig.buildUpgradeAwsCliFix('1.22.3'),
    buildExecCommandLineFix: () => [
      kubeconfig.buildExecCommandLineFix({ file: `/home/op/.kube/${w.name}`, user: w.profile, command: '/usr/local/bin/aws', args: ['eks', 'get-token', '--cluster-name', w.name, '--region', w.region], written: `aws eks get-token --cluster-name ${w.name}`, platform: 'linux' }),
      kubeconfig.buildExecCommandLineFix({ file: `C:\\Users\\op\\.kube\\${w.name}`, user: w.profile, command: 'C:\\Program Files\\Amazon\\AWSCLIV2\\aws.exe', args: ['eks', 'get-token', '--cluster-name', w.name], written: `C:\\Program Files\\Amazon\\AWSCLIV2\\aws.exe eks get-token --cluster-name ${w.name}`, platform: 'win32' }),
    ],
    buildGuiPathFix: () => [
      kubeconfig.buildGuiPathFix({ file: '/Users/op/.kube/config', user: w.profile, command: '/opt/homebrew/bin/aws', found: 'aws', guiPath: '/usr/bin:/bin:/usr/sbin:/sbin', platform: 'darwin' }),
      kubeconfig.buildGuiPathFix({ file: '/home/op/.kube/config', user: w.profile, command: '/home/op/.nvm/versions/node/v22.11.0/bin/node', args: ['/home/op/.nvm/versions/node/v22.11.0/bin/eksdoctor', 'token', '--cluster', w.name, '--region', w.region], found: 'node', guiPath: '/usr/bin:/bin', platform: 'linux' }),
    ],
    buildExecOutputFix: () =>
      (['config', 'exec-env', 'env', 'args'] as const).map((from) =>
        kubeconfig.buildExecOutputFix({ file: '/home/op/.kube/config', user: w.profile, args: ['--region', w.region, 'eks', 'get-token', '--cluster-name', w.name, '--output', 'json'], output: 'text', from, profile: w.profile, configFile: '/home/op/.aws/config', platform: from === 'env' ? 'win32' : 'linux' }),
      ),
    buildExecProfileFix: () => [
      kubeconfig.buildExecProfileFix({ file: '/home/op/.kube/config', user: w.name, profile: `${w.profile}x`, from: 'exec-env', variable: 'AWS_PROFILE', args: [], suggestion: w.profile, files: ['/home/op/.aws/config'], platform: 'linux' }),
      kubeconfig.buildExecProfileFix({ file: '/home/op/.kube/config', user: w.name, profile: `${w.profile}x`, from: 'args', variable: 'AWS_PROFILE', args: ['eks', 'get-token', '--profile', `${w.profile}x`], suggestion: w.profile, files: ['/home/op/.aws/config'], platform: 'darwin' }),
      kubeconfig.buildExecProfileFix({ file: 'C:\\Users\\op\\.kube\\config', user: w.name, profile: 'gone', from: 'env', variable: 'AWS_PROFILE', args: [], files: ['C:\\Users\\op\\.aws\\config'], platform: 'win32' }),
    ],
    buildKubeconfigPathFix: () => [
      kubeconfig.buildKubeconfigPathFix({ paths: [`/home/op/.kube/${w.name}`, '/home/op/.kube/config'], platform: 'linux' }),
      kubeconfig.buildKubeconfigPathFix({ paths: [], platform: 'darwin' }),
      kubeconfig.buildKubeconfigPathFix({ paths: [`C:\\Users\\op\\.kube\\${w.name}`], platform: 'win32' }),
    ],
    buildStaleLockFix: () => [kubeconfig.buildStaleLockFix({ lock: `/home/op/.kube/${w.name}.lock`, platform: 'linux' }), kubeconfig.buildStaleLockFix({ lock: `C:\\Users\\op\\.kube\\${w.name}.lock`, platform: 'win32' })],
    buildUnwritableKubeconfigFix: () => [
      kubeconfig.buildUnwritableKubeconfigFix({ blocked: '/home/op/.kube', file: '/home/op/.kube/config', fileExists: true, home: '/home/op', user: 'op', platform: 'linux' }),
      kubeconfig.buildUnwritableKubeconfigFix({ blocked: '/home/op/.kube', file: '/home/op/.kube/config', fileExists: true, home: '/home/op', platform: 'darwin' }),
      kubeconfig.buildUnwritableKubeconfigFix({ blocked: `/etc/${w.name}`, file: `/etc/${w.name}/admin.conf`, fileExists: true, home: '/home/op', user: 'op', kubeconfigPaths: [`/etc/${w.name}/admin.conf`, '/home/op/.kube/config'], platform: 'linux' }),
      kubeconfig.buildUnwritableKubeconfigFix({ blocked: 'C:\\Users\\op\\.kube', file: 'C:\\Users\\op\\.kube\\config', fileExists: true, home: 'C:\\Users\\op', user: 'op', platform: 'win32' }),
    ],
    buildShadowedEntryFix: () => {
      const base = { name: 'kubernetes', usedFile: '/home/op/.kube/config', ignoredFile: `/home/op/.kube/${w.name}.yaml`, newName: `kubernetes-${w.name}`, referencedBy: ['aws'], platform: 'linux' as const }
      return [
        kubeconfig.buildShadowedEntryFix({ ...base, kind: 'clusters', orphan: true, value: { server: `https://${w.host}` } }),
        kubeconfig.buildShadowedEntryFix({ ...base, kind: 'clusters', orphan: false, value: { server: `https://${w.host}`, 'certificate-authority-data': 'LS0tLS1CRUdJTg==' } }),
        kubeconfig.buildShadowedEntryFix({ ...base, kind: 'users', orphan: false, value: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token', '--cluster-name', w.name], env: [{ name: 'AWS_PROFILE', value: w.profile }] } } }),
        kubeconfig.buildShadowedEntryFix({ ...base, kind: 'users', orphan: false, value: { token: 'never-printed' } }),
        kubeconfig.buildShadowedEntryFix({ ...base, kind: 'contexts', orphan: false, referencedBy: [], value: { cluster: 'kubernetes', user: 'aws' } }),
      ]
    },
    buildSettleWithAwsFix: () => [network.buildSettleWithAwsFix(w.name, w.region, w.profile), network.buildSettleWithAwsFix(undefined, undefined)],
    buildNoProxyFix: () => [proxy.buildNoProxyFix(w.host, 'http://proxy.corp:3128', false), proxy.buildNoProxyFix(w.host, 'http://proxy.corp:3128', true)],
    buildConnectVpnFix: () => routing.buildConnectVpnFix(w.eniIps, 'en0'),
    buildTailscaleUpFix: () => routing.buildTailscaleUpFix('Stopped'),
    buildAcceptRoutesFix: () => [routing.buildAcceptRoutesFix(peer, w.vpcCidr, 'linux'), routing.buildAcceptRoutesFix(peer, w.vpcCidr, 'win32')],
    buildAdvertiseRouteFix: () => [routing.buildAdvertiseRouteFix(w.eniIps, w.vpcCidr, peer.hostName), routing.buildAdvertiseRouteFix(w.eniIps, undefined, undefined)],
    buildPeerOfflineFix: () => routing.buildPeerOfflineFix(peer, w.vpcCidr),
    buildWireguardAllowedIpsFix: () =>
      (['linux', 'darwin', 'win32'] as const).map((platform) => routing.buildWireguardAllowedIpsFix({ iface: 'wg0', peer: wgPeer, cidr: w.vpcCidr, platform })),
    buildWireguardPeerDownFix: () => [routing.buildWireguardPeerDownFix({ iface: 'wg0', peer: wgPeer }), routing.buildWireguardPeerDownFix({ iface: 'wg0', peer: { ...wgPeer, endpoint: undefined } })],
    buildOverlapFix: () => [routing.buildOverlapFix(w.eniIps[0]!, 'en0', w.vpcCidr, 'utun7'), routing.buildOverlapFix(w.eniIps[0]!, 'en0', undefined, undefined)],
    buildStaleCaFix: () => [tls.buildStaleCaFix({ cluster: w.name, region: w.region, profile: w.profile, caSource: 'kubeconfig' }), tls.buildStaleCaFix({})],
    buildForeignCertificateFix: () => [tls.buildForeignCertificateFix(w.host, 'Corp TLS Inspection CA', 'http://proxy.corp:3128'), tls.buildForeignCertificateFix(w.host, 'Corp TLS Inspection CA', undefined)],
    buildVpnMtuFix: () => [
      tls.buildVpnMtuFix({ iface: 'tailscale0', mtu: 1280, platform: 'linux' }),
      tls.buildVpnMtuFix({ iface: 'utun7', mtu: 1500, platform: 'darwin' }),
      tls.buildVpnMtuFix({ iface: 'wg0', platform: 'linux' }),
      tls.buildVpnMtuFix({ iface: 'OpenVPN Data Channel Offload', mtu: 1400, platform: 'win32' }),
    ],
    buildMssClampFix: () => [tls.buildMssClampFix({ router: `${w.router} (${w.name}-router)` }), tls.buildMssClampFix({})],
    buildSmallHelloFix: () => [tls.buildSmallHelloFix({ kubectl: 'v1.34.1', goVersion: 'go1.24.6' }), tls.buildSmallHelloFix({ kubectl: 'v1.32.4', goVersion: 'go1.23.8' }), tls.buildSmallHelloFix({})],
  }
}

const MODULES = { access, awsNetwork, clientVpn, cluster, credentials, dns, kubeconfig, network, proxy, routing, tls, transitGateway }
const PLACEHOLDER = /<[A-Za-z][^>]*>|\bTODO\b|\bXXX\b|\bundefined\b|\bnull\b|\[object Object\]/

function terraformFmtCheck(snippet: string): { ok: boolean; detail: string } {
  const run = spawnSync('terraform', ['fmt', '-check', '-'], { input: `${snippet}\n`, encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' }, timeout: 20_000 })
  if (run.error) throw new Error(`terraform is needed for this test (it is installed on the CI machine): ${run.error.message}`)
  if (run.status === 0) return { ok: true, detail: '' }
  const formatted = spawnSync('terraform', ['fmt', '-'], { input: `${snippet}\n`, encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' }, timeout: 20_000 })
  return { ok: false, detail: `terraform fmt would write:\n${formatted.stdout}` }
}

describe('fix builders', () => {
  it('every exported build* function of src/fixes has a case here', () => {
    const exported = Object.values(MODULES).flatMap((m) => Object.keys(m).filter((k) => k.startsWith('build')))
    expect(exported.sort()).toEqual(Object.keys(buildersFor(WORLDS[0]!)).sort())
  })

  describe.each(WORLDS)('$name in $region', (w) => {
    const other = WORLDS.find((x) => x !== w)!
    const all = Object.entries(buildersFor(w)).flatMap(([name, build]) => [build()].flat().map((fix, i) => ({ name: `${name}#${i}`, fix })))

    it.each(all)('$name: real values only, in every command, title and why', ({ fix }) => {
      expect(fix.title.trim()).not.toBe('')
      expect(fix.why.trim()).not.toBe('')
      for (const text of [fix.title, fix.why, ...fix.commands]) expect(text).not.toMatch(PLACEHOLDER)
      for (const command of fix.commands) {
        expect(command.trim()).not.toBe('')
        // No value of the other world leaks into this one: everything came from the arguments.
        for (const foreign of [other.name, other.region, other.vpc, other.sg, other.rtb, other.pcx, other.router]) expect(command).not.toContain(foreign)
      }
    })

    const snippets = all.filter((f) => f.fix.terraform)
    it.each(snippets)('$name: its Terraform passes terraform fmt -check', ({ fix }) => {
      const result = terraformFmtCheck(fix.terraform!)
      expect(result.ok, result.detail).toBe(true)
    })
  })
})
