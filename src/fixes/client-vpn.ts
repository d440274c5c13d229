/** Exact AWS CLI commands and Terraform for the links of an AWS Client VPN path, from evidence. */
import type { Fix } from '../engine/types.js'
import { hcl, resource, slug } from './hcl.js'

/** Associate subnets with the endpoint (after dropping a failed association of the same subnet). */
export function buildClientVpnAssociateFix(o: { endpointId: string; subnetIds: string[]; region: string; vpcId: string; failed?: { associationId: string; status: string } }): Fix {
  const where = o.subnetIds.join(', ')
  return {
    category: 'routing',
    title: o.failed ? `Associate ${where} with ${o.endpointId} again` : `Associate ${where} with the Client VPN endpoint ${o.endpointId}`,
    why: o.failed
      ? `The association ${o.failed.associationId} is ${o.failed.status}: no network interface of ${o.endpointId} carries clients into ${o.vpcId}. Remove it and associate the subnet again.`
      : `Client VPN sends its clients' traffic from a network interface in an associated subnet; ${o.endpointId} has none in ${o.vpcId}, so nothing enters it (and clients cannot connect at all while the endpoint has no association). One subnet per Availability Zone.`,
    commands: [
      ...(o.failed ? [`aws ec2 disassociate-client-vpn-target-network --client-vpn-endpoint-id ${o.endpointId} --association-id ${o.failed.associationId} --region ${o.region}`] : []),
      ...o.subnetIds.map((s) => `aws ec2 associate-client-vpn-target-network --client-vpn-endpoint-id ${o.endpointId} --subnet-id ${s} --region ${o.region}`),
    ],
    terraform: hcl(
      ...o.subnetIds.map((s) =>
        resource('aws_ec2_client_vpn_network_association', slug(s), [
          ['client_vpn_endpoint_id', o.endpointId],
          ['subnet_id', s],
        ]),
      ),
    ),
  }
}

/** A route for the cluster's CIDR through each associated subnet (replacing one that failed). */
export function buildClientVpnRouteFix(o: { endpointId: string; cidr: string; subnetIds: string[]; region: string; splitTunnel: boolean; failed?: string }): Fix {
  return {
    category: 'routing',
    title: `${o.failed ? 'Recreate' : 'Add'} the Client VPN route to ${o.cidr} in ${o.endpointId}`,
    why: `${o.failed ? `The route to ${o.cidr} is ${o.failed}` : `No active route of ${o.endpointId} covers ${o.cidr}`}, so the endpoint drops the clients' packets for the cluster${o.splitTunnel ? `; with split tunnel on it also never pushes ${o.cidr} to the clients, whose traffic for it leaves outside the VPN` : ''}. Add it through every associated subnet (each should carry the same routes)${o.splitTunnel ? ', then reconnect: a split-tunnel client gets new routes only when it connects' : ''}.`,
    commands: o.subnetIds.flatMap((s) => [
      ...(o.failed ? [`aws ec2 delete-client-vpn-route --client-vpn-endpoint-id ${o.endpointId} --destination-cidr-block ${o.cidr} --target-vpc-subnet-id ${s} --region ${o.region}`] : []),
      `aws ec2 create-client-vpn-route --client-vpn-endpoint-id ${o.endpointId} --destination-cidr-block ${o.cidr} --target-vpc-subnet-id ${s} --description "EKS API" --region ${o.region}`,
    ]),
    terraform: hcl(
      ...o.subnetIds.map((s) =>
        resource('aws_ec2_client_vpn_route', slug(`${o.cidr}_${s}`), [
          ['client_vpn_endpoint_id', o.endpointId],
          ['destination_cidr_block', o.cidr],
          ['target_vpc_subnet_id', s],
          ['description', 'EKS API'],
        ]),
      ),
    ),
  }
}

/** An authorization rule for the cluster's CIDR: for the user's group, or for every client. */
export function buildClientVpnAuthorizeFix(o: { endpointId: string; cidr: string; region: string; groupId?: string; why: string }): Fix {
  const who = o.groupId ? `--access-group-id ${o.groupId}` : '--authorize-all-groups'
  return {
    category: 'security-group',
    title: `Authorize ${o.groupId ? `the group ${o.groupId}` : 'all clients'} to reach ${o.cidr} through ${o.endpointId}`,
    why: `${o.why} Client VPN drops traffic no active authorization rule admits; the most specific rule covering an address decides.`,
    commands: [`aws ec2 authorize-client-vpn-ingress --client-vpn-endpoint-id ${o.endpointId} --target-network-cidr ${o.cidr} ${who} --description "EKS API" --region ${o.region}`],
    terraform: hcl(
      resource('aws_ec2_client_vpn_authorization_rule', slug(`${o.cidr}_${o.groupId ?? 'all'}`), [
        ['client_vpn_endpoint_id', o.endpointId],
        ['target_network_cidr', o.cidr],
        o.groupId ? ['access_group_id', o.groupId] : ['authorize_all_groups', true],
        ['description', 'EKS API'],
      ]),
    ),
  }
}

/** What to look at when only some groups are admitted and the user's group is not known. */
export function buildClientVpnGroupCheckFix(o: { endpointId: string; cidr: string; groups: string[]; region: string }): Fix {
  return {
    category: 'security-group',
    title: `Check that your group is one of ${o.groups.join(', ')} on ${o.endpointId}`,
    why: `Only members of ${o.groups.join(', ')} may reach ${o.cidr} through ${o.endpointId}. Run eksdoctor again with --client-vpn-group and your group's id to settle it.`,
    commands: [`aws ec2 describe-client-vpn-authorization-rules --client-vpn-endpoint-id ${o.endpointId} --region ${o.region} --query "AuthorizationRules[].[DestinationCidr,GroupId,AccessAll,Status.Code]" --output text`],
  }
}

/** Ingress on the cluster security group for the Client VPN traffic: from the endpoint's group, or the association subnet. */
export function buildClientVpnIngressFix(o: { groupId: string; region: string; endpointId: string; sourceGroupId?: string; cidr?: string }): Fix {
  const source = o.sourceGroupId ?? o.cidr ?? ''
  return {
    category: 'security-group',
    title: `Allow TCP 443 from ${o.sourceGroupId ? `the Client VPN group ${o.sourceGroupId}` : o.cidr} in ${o.groupId}`,
    why: o.sourceGroupId
      ? `Client VPN sends its clients' traffic from network interfaces that carry ${o.sourceGroupId}, the security group of ${o.endpointId}; ${o.groupId} admits neither that group nor the associated subnets on TCP 443, so the control plane ENIs drop the SYN.`
      : `Client VPN sends its clients' traffic from its network interface in ${o.cidr}, an associated subnet of ${o.endpointId}; ${o.groupId} has no ingress rule for TCP 443 from it, so the control plane ENIs drop the SYN.`,
    commands: [
      `aws ec2 authorize-security-group-ingress --group-id ${o.groupId} --protocol tcp --port 443 ${o.sourceGroupId ? `--source-group ${o.sourceGroupId}` : `--cidr ${o.cidr}`} --region ${o.region}`,
    ],
    terraform: hcl(
      resource('aws_vpc_security_group_ingress_rule', `eks_api_from_${slug(source)}`, [
        ['security_group_id', o.groupId],
        o.sourceGroupId ? ['referenced_security_group_id', o.sourceGroupId] : ['cidr_ipv4', source],
        ['ip_protocol', 'tcp'],
        ['from_port', 443],
        ['to_port', 443],
        ['description', 'EKS API from AWS Client VPN'],
      ]),
    ),
  }
}

/** Connect (or reconnect) the client with the endpoint's own configuration. */
export function buildClientVpnConnectFix(o: { endpointId: string; region: string; platform: string; federated: boolean; reconnect: boolean }): Fix {
  const file = `${o.endpointId}.ovpn`
  const save = o.platform === 'win32' ? `| Out-File -Encoding ascii ${file}` : `> ${file}`
  // SAML sign-in works only in the AWS VPN Client, never in plain OpenVPN.
  const openvpn = !o.federated && o.platform !== 'win32' ? [`sudo openvpn --config ${file}`] : []
  return {
    category: 'routing',
    title: `${o.reconnect ? 'Reconnect' : 'Connect'} the AWS VPN Client to ${o.endpointId}`,
    why: o.reconnect
      ? `${o.endpointId} routes the cluster, but this workstation has no route for it into the tunnel: the client connected before the route existed, or to another profile. A split-tunnel client gets its routes only when it connects.`
      : `${o.endpointId} would carry the cluster's traffic, but no tunnel of this workstation routes it: the AWS VPN Client (or OpenVPN) is not connected to it. Load its configuration (AWS VPN Client: File, Manage Profiles, Add Profile) and connect.`,
    commands: [`aws ec2 export-client-vpn-client-configuration --client-vpn-endpoint-id ${o.endpointId} --output text --region ${o.region} ${save}`, ...openvpn],
  }
}

/** An endpoint that is being deleted or is gone: find the one that replaces it. */
export function buildClientVpnEndpointFix(o: { endpointId: string; status: string; region: string; replacement?: string; platform: string; federated?: boolean }): Fix {
  if (o.replacement) {
    return {
      ...buildClientVpnConnectFix({ endpointId: o.replacement, region: o.region, platform: o.platform, federated: o.federated ?? false, reconnect: false }),
      title: `Connect through ${o.replacement} instead of ${o.endpointId} (${o.status})`,
      why: `${o.endpointId} is ${o.status}: it accepts no connection. ${o.replacement} is available and reaches the cluster VPC; load its configuration in the AWS VPN Client.`,
    }
  }
  return {
    category: 'routing',
    title: `Find the Client VPN endpoint that replaces ${o.endpointId} (${o.status})`,
    why: `${o.endpointId} is ${o.status}: it accepts no connection, and a profile made for it connects nowhere. Use an available endpoint and its configuration.`,
    commands: [`aws ec2 describe-client-vpn-endpoints --region ${o.region} --query "ClientVpnEndpoints[?Status.Code=='available'].[ClientVpnEndpointId,VpcId,Description]" --output text`],
  }
}
