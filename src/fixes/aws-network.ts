/** Exact AWS CLI commands and Terraform for the links of the AWS network path, from evidence. */
import type { Fix } from '../engine/types.js'
import type { SourceNetwork } from '../probes/network/aws-path.js'

function targetFlag(connectionId: string): string {
  if (connectionId.startsWith('pcx-')) return `--vpc-peering-connection-id ${connectionId}`
  if (connectionId.startsWith('tgw-')) return `--transit-gateway-id ${connectionId}`
  if (connectionId.startsWith('eni-')) return `--network-interface-id ${connectionId}`
  if (connectionId.startsWith('i-')) return `--instance-id ${connectionId}`
  return `--gateway-id ${connectionId}`
}

function targetAttribute(connectionId: string): string {
  if (connectionId.startsWith('pcx-')) return `vpc_peering_connection_id = "${connectionId}"`
  if (connectionId.startsWith('tgw-')) return `transit_gateway_id        = "${connectionId}"`
  if (connectionId.startsWith('eni-')) return `network_interface_id      = "${connectionId}"`
  return `gateway_id                = "${connectionId}"`
}

const slug = (text: string) => text.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').toLowerCase()

export function buildSecurityGroupRuleFix(groupId: string, source: string, region: string): Fix {
  return {
    category: 'security-group',
    title: `Allow TCP 443 from ${source} in ${groupId}`,
    why: `The cluster security group ${groupId} has no ingress rule for TCP 443 (or all traffic) whose source covers ${source}, where VPN traffic comes from; the control plane ENIs drop the SYN.`,
    commands: [
      `aws ec2 authorize-security-group-ingress --group-id ${groupId} --protocol tcp --port 443 --cidr ${source} --region ${region}`,
    ],
    terraform: [
      `resource "aws_security_group_rule" "eks_api_from_${slug(source)}" {`,
      '  type              = "ingress"',
      `  security_group_id = "${groupId}"`,
      '  protocol          = "tcp"',
      '  from_port         = 443',
      '  to_port           = 443',
      `  cidr_blocks       = ["${source}"]`,
      '  description       = "EKS API from the VPN"',
      '}',
    ].join('\n'),
  }
}

export function buildRouteFix(o: {
  routeTableId: string
  destination: string
  connectionId: string
  region: string
  replace: boolean
  side: string
}): Fix {
  const verb = o.replace ? 'replace-route' : 'create-route'
  return {
    category: 'routing',
    title: `${o.replace ? 'Repair' : 'Add'} the route to ${o.destination} in ${o.routeTableId}`,
    why: o.replace
      ? `${o.routeTableId} (${o.side}) sends ${o.destination} into a blackhole: its target no longer exists. Point it at ${o.connectionId}.`
      : `${o.routeTableId} (${o.side}) has no route to ${o.destination}, so packets for it never reach ${o.connectionId}.`,
    commands: [
      `aws ec2 ${verb} --route-table-id ${o.routeTableId} --destination-cidr-block ${o.destination} ${targetFlag(o.connectionId)} --region ${o.region}`,
    ],
    terraform: [
      `resource "aws_route" "${slug(`${o.routeTableId}_${o.destination}`)}" {`,
      `  route_table_id            = "${o.routeTableId}"`,
      `  destination_cidr_block    = "${o.destination}"`,
      `  ${targetAttribute(o.connectionId)}`,
      '}',
    ].join('\n'),
  }
}

export function buildPeeringActiveFix(peeringId: string, status: string, region: string, requesterVpc: string, accepterVpc: string): Fix {
  const pending = status === 'pending-acceptance'
  return {
    category: 'routing',
    title: pending ? `Accept the peering ${peeringId}` : `Replace the peering ${peeringId} (${status})`,
    why: pending
      ? `${peeringId} waits for the accepter side; until it is active no packet crosses it.`
      : `${peeringId} is ${status}: no packet crosses it, and routes that point at it are blackholes.`,
    commands: pending
      ? [`aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id ${peeringId} --region ${region}`]
      : [
          `aws ec2 create-vpc-peering-connection --vpc-id ${requesterVpc} --peer-vpc-id ${accepterVpc} --region ${region}`,
          `aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id <the new pcx id> --region ${region}`,
        ],
    terraform: [
      `resource "aws_vpc_peering_connection" "vpn_to_eks" {`,
      `  vpc_id      = "${requesterVpc}"`,
      `  peer_vpc_id = "${accepterVpc}"`,
      '  auto_accept = true',
      '}',
    ].join('\n'),
  }
}

export function buildPeeringDnsFix(peeringId: string, region: string): Fix {
  return {
    category: 'dns',
    title: `Allow DNS resolution across ${peeringId} in both directions`,
    why: 'Without it, each side resolves the other side\'s private host names (and private hosted zones) to nothing or to public addresses.',
    commands: [
      `aws ec2 modify-vpc-peering-connection-options --vpc-peering-connection-id ${peeringId} --requester-peering-connection-options AllowDnsResolutionFromRemoteVpc=true --accepter-peering-connection-options AllowDnsResolutionFromRemoteVpc=true --region ${region}`,
    ],
    terraform: [
      `resource "aws_vpc_peering_connection_options" "${slug(peeringId)}" {`,
      `  vpc_peering_connection_id = "${peeringId}"`,
      '  requester {',
      '    allow_remote_vpc_dns_resolution = true',
      '  }',
      '  accepter {',
      '    allow_remote_vpc_dns_resolution = true',
      '  }',
      '}',
    ].join('\n'),
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
    terraform: [
      `resource "aws_network_acl_rule" "${slug(`${o.naclId}_${o.ingress ? 'in' : 'out'}_${o.ruleNumber}`)}" {`,
      `  network_acl_id = "${o.naclId}"`,
      `  rule_number    = ${o.ruleNumber}`,
      `  egress         = ${!o.ingress}`,
      '  protocol       = "tcp"',
      '  rule_action    = "allow"',
      `  cidr_block     = "${o.source}"`,
      `  from_port      = ${ports.from}`,
      `  to_port        = ${ports.to}`,
      '}',
    ].join('\n'),
  }
}

export function buildSourceDestCheckFix(instanceId: string, region: string): Fix {
  return {
    category: 'routing',
    title: `Turn off source/destination check on the VPN router ${instanceId}`,
    why: 'A router forwards packets that are neither from nor to itself; with the check on, EC2 drops them.',
    commands: [`aws ec2 modify-instance-attribute --instance-id ${instanceId} --no-source-dest-check --region ${region}`],
    terraform: ['resource "aws_instance" "vpn_router" {', '  # the existing instance', '  source_dest_check = false', '}'].join('\n'),
  }
}

export function buildRouterForwardingFixes(sources: SourceNetwork[], router: { id?: string; ip?: string } | undefined, region: string): Fix[] {
  const where = router?.id ?? router?.ip ?? 'the VPN router'
  const fixes: Fix[] = [
    {
      category: 'routing',
      title: `Make ${where} source-NAT the VPN traffic`,
      why: `The cluster security group and route tables accept ${sources.map((s) => s.cidr).join(', ')}; without SNAT the cluster sees tailnet addresses (100.64.0.0/10) that nothing allows or routes back.`,
      commands: [`sudo tailscale set --snat-subnet-routes=true   # on ${where}`],
    },
    {
      category: 'routing',
      title: `Turn on IP forwarding on ${where}`,
      why: 'A Linux subnet router forwards only with net.ipv4.ip_forward=1.',
      commands: [
        `echo 'net.ipv4.ip_forward = 1' | sudo tee /etc/sysctl.d/99-tailscale.conf && sudo sysctl -p /etc/sysctl.d/99-tailscale.conf   # on ${where}`,
      ],
    },
  ]
  if (!router?.id) {
    fixes.push({
      category: 'routing',
      title: 'Check source/destination check on the VPN router',
      why: 'EC2 drops forwarded packets while it is on; name the router with --vpn-instance or --vpn-ip and eksdoctor checks it.',
      commands: [`aws ec2 describe-instances --filters Name=private-ip-address,Values=${router?.ip ?? '<router private IP>'} --query 'Reservations[].Instances[].[InstanceId,SourceDestCheck]' --region ${region}`],
    })
  }
  return fixes
}
