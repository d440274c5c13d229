/** Exact AWS CLI commands and Terraform for the links of the AWS network path, from evidence. */
import type { Fix } from '../engine/types.js'
import type { SourceNetwork } from '../probes/network/aws-path.js'
import { hcl, resource, slug } from './hcl.js'

function targetFlag(connectionId: string): string {
  if (connectionId.startsWith('pcx-')) return `--vpc-peering-connection-id ${connectionId}`
  if (connectionId.startsWith('tgw-')) return `--transit-gateway-id ${connectionId}`
  if (connectionId.startsWith('eni-')) return `--network-interface-id ${connectionId}`
  if (connectionId.startsWith('i-')) return `--instance-id ${connectionId}`
  return `--gateway-id ${connectionId}`
}

function targetAttribute(connectionId: string): string {
  if (connectionId.startsWith('pcx-')) return 'vpc_peering_connection_id'
  if (connectionId.startsWith('tgw-')) return 'transit_gateway_id'
  if (connectionId.startsWith('eni-')) return 'network_interface_id'
  return 'gateway_id'
}

export function buildSecurityGroupRuleFix(groupId: string, source: string, region: string): Fix {
  return {
    category: 'security-group',
    title: `Allow TCP 443 from ${source} in ${groupId}`,
    why: `The cluster security group ${groupId} has no ingress rule for TCP 443 (or all traffic) whose source covers ${source}, where VPN traffic comes from; the control plane ENIs drop the SYN.`,
    commands: [
      `aws ec2 authorize-security-group-ingress --group-id ${groupId} --protocol tcp --port 443 --cidr ${source} --region ${region}`,
    ],
    terraform: hcl(
      resource('aws_security_group_rule', `eks_api_from_${slug(source)}`, [
        ['type', 'ingress'],
        ['security_group_id', groupId],
        ['protocol', 'tcp'],
        ['from_port', 443],
        ['to_port', 443],
        ['cidr_blocks', [source]],
        ['description', 'EKS API from the VPN'],
      ]),
    ),
  }
}

export function buildRouteFix(o: {
  routeTableId: string
  destination: string
  connectionId: string
  region: string
  replace: boolean
  side: string
  /** The connection is a peering that no longer works: point the route at the active one that replaces it. */
  replacedPeering?: { requesterVpc: string; accepterVpc: string }
}): Fix {
  const verb = o.replace ? 'replace-route' : 'create-route'
  const p = o.replacedPeering
  // The replacement's id exists only once it is created: the shell looks it up when the command runs.
  const target = p
    ? `--vpc-peering-connection-id "$(aws ec2 describe-vpc-peering-connections --region ${o.region} --query "VpcPeeringConnections[?Status.Code=='active' && RequesterVpcInfo.VpcId=='${p.requesterVpc}' && AccepterVpcInfo.VpcId=='${p.accepterVpc}'].VpcPeeringConnectionId | [0]" --output text)"`
    : targetFlag(o.connectionId)
  return {
    category: 'routing',
    title: `${o.replace ? 'Repair' : 'Add'} the route to ${o.destination} in ${o.routeTableId}`,
    why: p
      ? `${o.routeTableId} (${o.side}) sends ${o.destination} to the peering ${o.connectionId}, which no longer carries traffic: point it at the active peering between ${p.requesterVpc} and ${p.accepterVpc} that replaces it.`
      : o.replace
      ? `${o.routeTableId} (${o.side}) sends ${o.destination} into a blackhole: its target no longer exists. Point it at ${o.connectionId}.`
      : `${o.routeTableId} (${o.side}) has no route to ${o.destination}, so packets for it never reach ${o.connectionId}.`,
    commands: [
      `aws ec2 ${verb} --route-table-id ${o.routeTableId} --destination-cidr-block ${o.destination} ${target} --region ${o.region}`,
    ],
    terraform: hcl(
      resource('aws_route', slug(`${o.routeTableId}_${o.destination}`), [
        ['route_table_id', o.routeTableId],
        ['destination_cidr_block', o.destination],
        [targetAttribute(o.connectionId), p ? { ref: 'aws_vpc_peering_connection.vpn_to_eks.id' } : o.connectionId],
      ]),
    ),
  }
}

const DNS_BOTH_WAYS = '--requester-peering-connection-options AllowDnsResolutionFromRemoteVpc=true --accepter-peering-connection-options AllowDnsResolutionFromRemoteVpc=true'

export function buildPeeringActiveFix(peeringId: string, status: string, region: string, requesterVpc: string, accepterVpc: string): Fix {
  const pending = status === 'pending-acceptance'
  // The new peering's id is known only once it exists: the shell takes it from create's answer.
  const create = `aws ec2 create-vpc-peering-connection --vpc-id ${requesterVpc} --peer-vpc-id ${accepterVpc} --region ${region} --query VpcPeeringConnection.VpcPeeringConnectionId --output text`
  const active = `"$(aws ec2 describe-vpc-peering-connections --region ${region} --query "VpcPeeringConnections[?Status.Code=='active' && RequesterVpcInfo.VpcId=='${requesterVpc}' && AccepterVpcInfo.VpcId=='${accepterVpc}'].VpcPeeringConnectionId | [0]" --output text)"`
  // Resolving DNS across is set only on an active peering; the private endpoint's name needs it.
  const dns = `aws ec2 modify-vpc-peering-connection-options --vpc-peering-connection-id ${pending ? peeringId : active} ${DNS_BOTH_WAYS} --region ${region}`
  return {
    category: 'routing',
    title: pending ? `Accept the peering ${peeringId}` : `Replace the peering ${peeringId} (${status})`,
    why: pending
      ? `${peeringId} waits for the accepter side; until it is active no packet crosses it.`
      : `${peeringId} is ${status}: no packet crosses it, and routes that point at it are blackholes. Create a new peering between ${requesterVpc} and ${accepterVpc}, accept it, and point the routes at it.`,
    commands: pending
      ? [`aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id ${peeringId} --region ${region}`, dns]
      : [`aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id "$(${create})" --region ${region}`, dns],
    terraform: hcl(
      resource('aws_vpc_peering_connection', 'vpn_to_eks', [
        ['vpc_id', requesterVpc],
        ['peer_vpc_id', accepterVpc],
        ['auto_accept', true],
        null,
        { type: 'requester', body: [['allow_remote_vpc_dns_resolution', true]] },
        null,
        { type: 'accepter', body: [['allow_remote_vpc_dns_resolution', true]] },
      ]),
    ),
  }
}

export function buildPeeringDnsFix(peeringId: string, region: string): Fix {
  return {
    category: 'dns',
    title: `Allow DNS resolution across ${peeringId} in both directions`,
    why: 'Without it, each side resolves the other side\'s private host names (and private hosted zones) to nothing or to public addresses.',
    commands: [
      `aws ec2 modify-vpc-peering-connection-options --vpc-peering-connection-id ${peeringId} ${DNS_BOTH_WAYS} --region ${region}`,
    ],
    terraform: hcl(
      resource('aws_vpc_peering_connection_options', slug(peeringId), [
        ['vpc_peering_connection_id', peeringId],
        null,
        { type: 'requester', body: [['allow_remote_vpc_dns_resolution', true]] },
        null,
        { type: 'accepter', body: [['allow_remote_vpc_dns_resolution', true]] },
      ]),
    ),
  }
}

export function buildNaclFix(o: { naclId: string; ingress: boolean; ruleNumber: number; source: string; region: string; denyRule?: number }): Fix {
  const ports = o.ingress ? { from: 443, to: 443 } : { from: 1024, to: 65535 }
  return {
    category: 'security-group',
    title: `Let the network ACL ${o.naclId} pass ${o.ingress ? 'TCP 443 in from' : 'replies (TCP 1024-65535) out to'} ${o.source}`,
    why: o.denyRule !== undefined
      ? `Rule ${o.denyRule} of ${o.naclId} denies it before any allow; network ACLs are stateless and evaluated in rule order.`
      : `No rule of ${o.naclId} allows it, so the final * rule denies it; network ACLs are stateless, so both directions need a rule.`,
    commands: [
      `aws ec2 create-network-acl-entry --network-acl-id ${o.naclId} --${o.ingress ? 'ingress' : 'egress'} --rule-number ${o.ruleNumber} --protocol tcp --port-range From=${ports.from},To=${ports.to} --cidr-block ${o.source} --rule-action allow --region ${o.region}`,
    ],
    terraform: hcl(
      resource('aws_network_acl_rule', slug(`${o.naclId}_${o.ingress ? 'in' : 'out'}_${o.ruleNumber}`), [
        ['network_acl_id', o.naclId],
        ['rule_number', o.ruleNumber],
        ['egress', !o.ingress],
        ['protocol', 'tcp'],
        ['rule_action', 'allow'],
        ['cidr_block', o.source],
        ['from_port', ports.from],
        ['to_port', ports.to],
      ]),
    ),
  }
}

export function buildSourceDestCheckFix(instanceId: string, region: string): Fix {
  return {
    category: 'routing',
    title: `Turn off source/destination check on the VPN router ${instanceId}`,
    why: 'A router forwards packets that are neither from nor to itself; with the check on, EC2 drops them.',
    commands: [`aws ec2 modify-instance-attribute --instance-id ${instanceId} --no-source-dest-check --region ${region}`],
    terraform: hcl(resource('aws_instance', 'vpn_router', [{ comment: `the existing instance ${instanceId}` }, ['source_dest_check', false]])),
  }
}

/** The VPN that carries the path, as far as the workstation tells: what its router's SNAT is called. */
export type VpnKind = { kind: 'tailscale' } | { kind: 'wireguard' | 'tunnel'; iface?: string; tunnelAddress?: string }

export function buildRouterForwardingFixes(
  sources: SourceNetwork[],
  router: { id?: string; ip?: string } | undefined,
  region: string,
  vpnVpcId?: string,
  vpn: VpnKind = { kind: 'tailscale' },
): Fix[] {
  const where = router?.id ?? router?.ip ?? 'the VPN router'
  const tailscale = vpn.kind === 'tailscale'
  // Without SNAT the cluster sees the client's own tunnel address; the rule names it when the workstation showed it.
  const tunnelSource = vpn.kind === 'tailscale' ? undefined : vpn.tunnelAddress
  const fixes: Fix[] = [
    {
      category: 'routing',
      title: `Make ${where} source-NAT the VPN traffic`,
      why: tailscale
        ? `The cluster security group and route tables accept ${sources.map((s) => s.cidr).join(', ')}; without SNAT the cluster sees tailnet addresses (100.64.0.0/10) that nothing allows or routes back.`
        : `The cluster security group and route tables accept ${sources.map((s) => s.cidr).join(', ')}; without SNAT the cluster sees the VPN client's tunnel address${tunnelSource ? ` (${tunnelSource})` : ''}, which nothing allows or routes back.`,
      commands: tailscale
        ? [`sudo tailscale set --snat-subnet-routes=true   # on ${where}`]
        : [`sudo iptables -t nat -A POSTROUTING ${tunnelSource ? `-s ${tunnelSource} ` : ''}! -o ${vpn.kind === 'wireguard' ? 'wg+' : 'tun+'} -j MASQUERADE   # on ${where}`],
    },
    {
      category: 'routing',
      title: `Turn on IP forwarding on ${where}`,
      why: `A Linux ${tailscale ? 'subnet router' : 'VPN server'} forwards only with net.ipv4.ip_forward=1.`,
      commands: [
        `echo 'net.ipv4.ip_forward = 1' | sudo tee /etc/sysctl.d/99-${tailscale ? 'tailscale' : 'vpn-forwarding'}.conf && sudo sysctl -p /etc/sysctl.d/99-${tailscale ? 'tailscale' : 'vpn-forwarding'}.conf   # on ${where}`,
      ],
    },
  ]
  const filter = router?.ip ? `Name=private-ip-address,Values=${router.ip}` : vpnVpcId ? `Name=vpc-id,Values=${vpnVpcId}` : undefined
  if (!router?.id && filter) {
    fixes.push({
      category: 'routing',
      title: 'Check source/destination check on the VPN router',
      why: `EC2 drops forwarded packets while it is on. eksdoctor could not tell which instance ${router?.ip ? `has ${router.ip}` : `of ${vpnVpcId} is the router`}; name it with --vpn-instance and it checks it.`,
      commands: [`aws ec2 describe-instances --filters ${filter} --query 'Reservations[].Instances[].[InstanceId,Tags[?Key==\`Name\`]|[0].Value,SourceDestCheck]' --output text --region ${region}`],
    })
  }
  return fixes
}
