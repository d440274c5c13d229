/**
 * network.client-vpn — the AWS Client VPN endpoint the path enters AWS by: it is available; a
 * subnet of the cluster VPC (or of a VPC connected to it) is associated with it; an active route
 * sends each endpoint IP through an associated subnet (with split tunnel on, these routes are all
 * the client gets); an active authorization rule, the most specific one that covers the IP,
 * admits every client or the user's group. When the workstation's route to the endpoint leaves
 * outside any VPN, it says which route the endpoint should push and why the client lacks it.
 * Evidence: the endpoint (status, split tunnel, groups, authentication), its associations, and
 * per endpoint IP the route and the rules that decide it.
 * Fix: associate-client-vpn-target-network, create-client-vpn-route, authorize-client-vpn-ingress,
 * connecting the client; aws_ec2_client_vpn_network_association, _route, _authorization_rule.
 */
import type { ClientVpnRouteInfo, ClientVpnRuleInfo } from '../../aws/client-vpn.js'
import { defineProbe, type Alternative, type Category, type FailureCode, type Fix, type ProbeOutcome } from '../../engine/types.js'
import {
  buildClientVpnAssociateFix,
  buildClientVpnAuthorizeFix,
  buildClientVpnConnectFix,
  buildClientVpnEndpointFix,
  buildClientVpnGroupCheckFix,
  buildClientVpnRouteFix,
} from '../../fixes/client-vpn.js'
import { cidrContains, cidrCovers, isValidCidr } from '../../platform/cidr.js'
import { awsCallOptions, awsSkip } from '../aws-call.js'
import { listIps } from '../shared.js'
import { routeReachesEndpoint } from '../routing/local-route.js'
import type { AwsPath, ClientVpnReach } from './aws-path.js'
import { whenAwsPathMatters } from './aws-path.js'

/** One broken link of the endpoint, in the order a client's packet meets them. */
interface Problem {
  code: FailureCode
  category: Category
  text: string
  confirmed?: boolean
  alternatives?: Alternative[]
  fixes: Fix[]
  /** It also keeps the client from routing the cluster into the tunnel. */
  explainsRoute?: boolean
}

const GONE = new Set(['disassociating', 'disassociated'])

const lengthOf = (cidr: string) => Number(cidr.split('/')[1] ?? -1)
const covers = (cidr: string, target: string) => isValidCidr(cidr) && (isValidCidr(target) ? cidrCovers(cidr, target) : cidrContains(cidr, target))

/** The entries with the longest destination covering `target`: Client VPN decides routes and rules that way. */
function mostSpecific<T extends { destinationCidr: string }>(list: T[], target: string): T[] {
  const covering = list.filter((e) => covers(e.destinationCidr, target))
  const best = Math.max(-1, ...covering.map((e) => lengthOf(e.destinationCidr)))
  return covering.filter((e) => lengthOf(e.destinationCidr) === best)
}

const describeRule = (r: ClientVpnRuleInfo) => `${r.destinationCidr} for ${r.accessAll ? 'all clients' : (r.groupId ?? 'no group')} (${r.status})`
const describeCvpnRoute = (r: ClientVpnRouteInfo) => `${r.destinationCidr} → ${r.targetSubnet ?? r.transitGatewayAttachmentId ?? 'nowhere'} (${r.status})`

/** The endpoint to judge: the named one, else the one most likely in use. */
function choose(endpoints: ClientVpnReach[], clusterVpcId: string, named?: string): ClientVpnReach {
  const score = (r: ClientVpnReach) =>
    Number(r.endpoint.id === named) * 8 +
    Number(r.endpoint.status === 'available') * 4 +
    Number(r.associations.some((a) => a.status === 'associated' && (a.vpcId === clusterVpcId || a.connectionId))) * 2
  return [...endpoints].sort((a, b) => score(b) - score(a))[0] as ClientVpnReach
}

/** The cluster VPC CIDR an address lies in: what a route or a rule for the cluster should name. */
function clusterCidrOf(path: AwsPath, target: string): string {
  return path.clusterCidrs.find((c) => covers(c, target)) ?? (isValidCidr(target) ? target : `${target}/32`)
}

export const clientVpnProbe = defineProbe({
  id: 'network.client-vpn',
  layer: 'network',
  title: 'AWS Client VPN endpoint carries the cluster',
  needs: ['cluster.describe'],
  uses: ['network.source-cidr', 'network.tcp-connect', 'routing.local-route'],
  early: ['network.tcp-connect'],
  async run(ctx) {
    let explainsRoute = false
    const localRoutes = ctx.get('routing.local-route') ?? []
    // Only a private endpoint IP that leaves by the default route is missing from the tunnel.
    const outside = ctx.result('routing.local-route')?.status === 'fail' ? localRoutes.filter((v) => v.kind === 'default' && !routeReachesEndpoint(v)) : []
    const outcome = await whenAwsPathMatters(
      ctx,
      async (): Promise<ProbeOutcome<never>> => {
        const path = ctx.get('network.source-cidr')
        const region = ctx.target.region ?? ''
        const named = ctx.target.clientVpnEndpoint
        const view = path?.clientVpn
        if (!path || !view) return { status: 'skip', detail: 'the AWS path was not read (network.source-cidr)' }
        if (view.failure) return awsSkip(view.failure)
        if (view.unread) return { status: 'skip', detail: `not an AWS Client VPN path: ${view.unread}` }
        if (view.endpoints.length === 0) {
          return { status: 'skip', detail: named ? `--client-vpn-endpoint ${named} is not a Client VPN endpoint of ${region}` : `no AWS Client VPN endpoint of ${region} reaches ${path.clusterVpcId}` }
        }
        const reach = choose(view.endpoints, path.clusterVpcId, named)
        const endpoint = reach.endpoint
        const id = endpoint.id
        const call = awsCallOptions(ctx)
        const [rulesRead, routesRead] = await Promise.all([ctx.env.aws.describeClientVpnAuthorizationRules(id, call), ctx.env.aws.describeClientVpnRoutes(id, call)])
        if (!rulesRead.ok) return awsSkip(rulesRead)
        if (!routesRead.ok) return awsSkip(routesRead)
        const rules = rulesRead.value
        const routes = routesRead.value
        const ips = path.endpointSubnets.flatMap((s) => s.ips).filter((ip) => !ip.includes(':'))
        const targets = ips.length ? ips : path.clusterCidrs
        const connected = reach.associations.filter((a) => !GONE.has(a.status) && (a.vpcId === path.clusterVpcId || a.connectionId))
        const associated = connected.filter((a) => a.status === 'associated')
        const pushed = [...new Set(routes.filter((r) => r.status === 'active').map((r) => r.destinationCidr))]
        // SAML sign-in needs the AWS VPN Client; groups come with SAML or Active Directory, never with certificates.
        const federated = endpoint.authentication.includes('federated-authentication')
        const withGroups = endpoint.authentication.some((a) => a !== 'certificate-authentication')
        const problems: Problem[] = []

        const evidence = {
          endpoint: {
            id,
            status: endpoint.status,
            splitTunnel: endpoint.splitTunnel,
            vpc: endpoint.vpcId ?? null,
            securityGroups: endpoint.securityGroupIds,
            authentication: endpoint.authentication,
            found: reach.how,
          },
          associations: reach.associations.map((a) => ({ id: a.id, subnet: a.subnetId, vpc: a.vpcId, cidr: a.cidr ?? null, status: a.status, connection: a.connectionId ?? null })),
          pushedToClient: endpoint.splitTunnel ? pushed : ['0.0.0.0/0 (split tunnel off: everything goes through the tunnel)'],
          routes: targets.map((t) => ({ to: t, route: mostSpecific(routes, t).map(describeCvpnRoute)[0] ?? null })),
          rules: targets.map((t) => ({ to: t, decidedBy: mostSpecific(rules.filter((r) => r.status === 'active'), t).map(describeRule) })),
          localRoute: outside.map((v) => `${v.ip} via ${v.lookup.interface ?? '?'}`),
        }

        // The endpoint itself.
        if (endpoint.status !== 'available' && endpoint.status !== 'pending-associate') {
          const replacement = view.endpoints.find((r) => r.endpoint.id !== id && r.endpoint.status === 'available')?.endpoint.id
          problems.push({
            code: 'CLIENT_VPN_UNAVAILABLE',
            category: 'routing',
            text: `the Client VPN endpoint ${id} is ${endpoint.status}${endpoint.statusMessage ? ` (${endpoint.statusMessage})` : ''}: it accepts no connection`,
            fixes: [buildClientVpnEndpointFix({ endpointId: id, status: endpoint.status, region, platform: ctx.env.platform, federated, ...(replacement ? { replacement } : {}) })],
            explainsRoute: true,
          })
        }

        // The association that lets traffic into the cluster VPC.
        const associationVpc = endpoint.vpcId ?? path.clusterVpcId
        if (problems.length === 0 && connected.length === 0) {
          const elsewhere = [...new Set(reach.associations.filter((a) => !GONE.has(a.status)).map((a) => a.vpcId))]
          const inCluster = associationVpc === path.clusterVpcId
          const connection = path.sources.find((s) => s.remoteVpcId === associationVpc)?.connectionId ?? path.peerings.find((p) => [p.requester.vpcId, p.accepter.vpcId].includes(associationVpc))?.id
          let subnetIds: string[] = []
          if (inCluster) {
            subnetIds = [...new Set(path.endpointSubnets.map((s) => s.subnetId))].slice(0, 2)
          } else if (connection) {
            const subnets = await ctx.env.aws.describeSubnets({ vpcId: associationVpc }, call)
            // One subnet per Availability Zone, as Client VPN allows; the first of each zone.
            const byAz = new Map<string, string>()
            for (const s of subnets.ok ? subnets.value : []) if (!byAz.has(s.az ?? s.id)) byAz.set(s.az ?? s.id, s.id)
            subnetIds = [...byAz.values()].slice(0, 2)
          }
          problems.push({
            code: 'CLIENT_VPN_NOT_ASSOCIATED',
            category: 'routing',
            text: `the Client VPN endpoint ${id} has no subnet associated in ${path.clusterVpcId}${inCluster ? '' : ` or in ${associationVpc}${connection ? `, connected to it by ${connection}` : ', which nothing connects to it'}`}${elsewhere.length ? ` (its associations are in ${elsewhere.join(', ')})` : ''}: no network interface carries its clients' traffic there, and while it has no association at all, clients cannot connect`,
            fixes: subnetIds.length
              ? [
                  buildClientVpnAssociateFix({ endpointId: id, subnetIds, region, vpcId: associationVpc }),
                  // Associating adds a route to the subnet's own VPC only: the cluster needs its own when it lives elsewhere.
                  ...(inCluster ? [] : [buildClientVpnRouteFix({ endpointId: id, cidr: clusterCidrOf(path, targets[0] ?? ''), subnetIds, region, splitTunnel: endpoint.splitTunnel })]),
                ]
              : [],
            explainsRoute: true,
          })
        } else if (problems.length === 0 && associated.length === 0) {
          const waiting = connected.every((a) => a.status === 'associating')
          problems.push({
            code: 'CLIENT_VPN_NOT_ASSOCIATED',
            category: 'routing',
            confirmed: !waiting,
            ...(waiting ? { alternatives: [{ category: 'routing' as const, summary: 'an association takes a few minutes: run the check again once it is associated' }] } : {}),
            text: `no association of the Client VPN endpoint ${id} in ${path.clusterVpcId} or a VPC connected to it is associated: ${connected.map((a) => `${a.id} (${a.subnetId}) is ${a.status}${a.statusMessage ? ` (${a.statusMessage})` : ''}`).join('; ')}`,
            fixes: connected
              .filter((a) => a.status !== 'associating')
              .map((a) => buildClientVpnAssociateFix({ endpointId: id, subnetIds: [a.subnetId], region, vpcId: a.vpcId, failed: { associationId: a.id, status: a.status } })),
            explainsRoute: true,
          })
        }

        // The routes: what the endpoint forwards, and with split tunnel on, all the client gets.
        if (problems.length === 0) {
          const exits = new Set(associated.map((a) => a.subnetId))
          const broken = new Map<string, { failed?: string; targets: string[]; say: (targets: string) => string }>()
          for (const target of targets) {
            const [route] = mostSpecific(routes, target)
            const cidr = clusterCidrOf(path, target)
            const found = broken.get(cidr)
            if (route && route.status === 'active' && (!route.targetSubnet || exits.has(route.targetSubnet))) continue
            if (found) {
              found.targets.push(target)
              continue
            }
            if (!route) broken.set(cidr, { targets: [target], say: (t) => `no route of ${id} covers ${t}` })
            else if (route.status !== 'active') broken.set(cidr, { failed: route.status, targets: [target], say: (t) => `the route ${describeCvpnRoute(route)} of ${id} for ${t} is not active${route.statusMessage ? ` (${route.statusMessage})` : ''}` })
            else broken.set(cidr, { targets: [target], say: (t) => `${id} routes ${t} through ${route.targetSubnet}, which is not an associated subnet in ${path.clusterVpcId} or a VPC connected to it` })
          }
          const subnetIds = [...exits]
          for (const [cidr, b] of broken) {
            const pushes = endpoint.splitTunnel
              ? `; with split tunnel on it pushes only its own routes (${pushed.join(', ') || 'none'}) to the client, so the client's traffic for ${cidr} never enters the tunnel: ${id} should push ${cidr} through ${subnetIds.join(', ')}`
              : ''
            problems.push({
              code: 'CLIENT_VPN_ROUTE_MISSING',
              category: 'routing',
              text: `${b.say(listIps(b.targets))}${pushes}`,
              fixes: [buildClientVpnRouteFix({ endpointId: id, cidr, subnetIds, region, splitTunnel: endpoint.splitTunnel, ...(b.failed ? { failed: b.failed } : {}) })],
              explainsRoute: endpoint.splitTunnel,
            })
          }
        }

        // The authorization rules: the most specific active rule covering an address decides.
        const certificatesOnly = endpoint.authentication.length > 0 && !withGroups
        const group = ctx.target.clientVpnGroup
        const otherGroups = [...new Set(rules.filter((r) => r.status === 'active' && !r.accessAll && r.groupId).map((r) => r.groupId as string))]
        const anyAll = rules.some((r) => r.status === 'active' && r.accessAll)
        // The addresses no rule admits, by the CIDR a rule for them would name.
        const denied = new Map<string, { targets: string[]; deciding: ClientVpnRuleInfo[] }>()
        for (const target of targets) {
          const deciding = mostSpecific(rules.filter((r) => r.status === 'active'), target)
          if (deciding.some((r) => r.accessAll) || (group && deciding.some((r) => r.groupId === group))) continue
          const cidr = deciding[0]?.destinationCidr ?? clusterCidrOf(path, target)
          const found = denied.get(cidr)
          if (found) found.targets.push(target)
          else denied.set(cidr, { targets: [target], deciding })
        }
        const unauthorized = new Map<string, Problem>()
        for (const [cidr, { targets: blocked, deciding }] of denied) {
          const target = listIps(blocked)
          if (deciding.length === 0) {
            const inactive = mostSpecific(rules, blocked[0] ?? '')
            const guess = group ?? (!certificatesOnly && !anyAll && otherGroups.length === 1 ? otherGroups[0] : undefined)
            const why = `No active authorization rule of ${id} covers ${target}${inactive.length ? ` (${inactive.map(describeRule).join(', ')})` : ''}.`
            unauthorized.set(cidr, {
              code: 'CLIENT_VPN_NOT_AUTHORIZED',
              category: 'security-group',
              text: `no active authorization rule of ${id} admits anyone to ${target}${inactive.length ? ` (${inactive.map(describeRule).join(', ')})` : rules.length ? ` (its rules cover ${[...new Set(rules.map((r) => r.destinationCidr))].join(', ')})` : ''}`,
              fixes: [buildClientVpnAuthorizeFix({ endpointId: id, cidr, region, ...(guess ? { groupId: guess } : {}), why: guess && !group ? `${why} ${guess} is the group the endpoint's other rules admit.` : why })],
            })
            continue
          }
          const groups = deciding.map((r) => r.groupId).filter((g): g is string => Boolean(g))
          if (certificatesOnly) {
            unauthorized.set(cidr, {
              code: 'CLIENT_VPN_NOT_AUTHORIZED',
              category: 'security-group',
              text: `the rule that decides ${target} on ${id} (${deciding.map(describeRule).join(', ')}) admits only ${groups.join(', ')}, and ${id} authenticates with certificates alone, which carry no group: no client matches`,
              fixes: [buildClientVpnAuthorizeFix({ endpointId: id, cidr, region, why: `With certificate authentication only, a rule for a group admits nobody.` })],
            })
          } else if (group) {
            unauthorized.set(cidr, {
              code: 'CLIENT_VPN_NOT_AUTHORIZED',
              category: 'security-group',
              text: `the rule that decides ${target} on ${id} (${deciding.map(describeRule).join(', ')}) admits ${groups.join(', ')}, not your group ${group}`,
              fixes: [buildClientVpnAuthorizeFix({ endpointId: id, cidr, region, groupId: group, why: `The most specific rule for ${target} admits only ${groups.join(', ')}.` })],
            })
          } else {
            unauthorized.set(cidr, {
              code: 'CLIENT_VPN_NOT_AUTHORIZED',
              category: 'security-group',
              confirmed: false,
              alternatives: [{ category: 'security-group', summary: `you are a member of ${groups.join(' or ')}, and the drop is elsewhere (pass --client-vpn-group to settle it)` }],
              text: `only members of ${groups.join(', ')} may reach ${target} through ${id} (${deciding.map(describeRule).join(', ')}): if you are not one of them, the endpoint drops your packets`,
              fixes: [buildClientVpnGroupCheckFix({ endpointId: id, cidr, groups, region })],
            })
          }
        }
        // A doubt about group membership adds nothing beside a link already proven broken.
        const proven = problems.some((p) => p.confirmed !== false)
        problems.push(...[...unauthorized.values()].filter((p) => p.confirmed !== false || !proven))

        // The workstation: the route into the tunnel the endpoint should have given it.
        explainsRoute = outside.length > 0 && problems.some((p) => p.explainsRoute)
        if (outside.length > 0 && !explainsRoute && problems.every((p) => p.code === 'CLIENT_VPN_NOT_AUTHORIZED')) {
          const where = outside.map((v) => `${v.ip} leaves through ${v.lookup.interface ?? 'the default route'}`).join('; ')
          const cidr = clusterCidrOf(path, outside[0]?.ip ?? '')
          problems.unshift({
            code: 'CLIENT_VPN_NOT_CONNECTED',
            category: 'routing',
            confirmed: false,
            alternatives: [{ category: 'routing', summary: 'another VPN client, or a more specific route of this workstation, takes the traffic for the cluster' }],
            text: endpoint.splitTunnel
              ? `${where}, not the VPN, though ${id} (split tunnel on) pushes ${mostSpecific(routes.filter((r) => r.status === 'active'), outside[0]?.ip ?? '')[0]?.destinationCidr ?? cidr} to its clients: the AWS VPN Client is not connected to ${id}, or connected before that route existed (a split-tunnel client gets routes only when it connects)`
              : `${where}, not the VPN, though ${id} has split tunnel off, so a connected client sends everything through the tunnel: the AWS VPN Client is not connected to ${id}`,
            fixes: [buildClientVpnConnectFix({ endpointId: id, region, platform: ctx.env.platform, federated, reconnect: endpoint.splitTunnel })],
          })
          explainsRoute = true
        }

        if (problems.length === 0) {
          const rule = targets.flatMap((t) => mostSpecific(rules.filter((r) => r.status === 'active'), t).map(describeRule))[0]
          const route = targets.flatMap((t) => mostSpecific(routes, t).map(describeCvpnRoute))[0]
          return {
            status: 'pass',
            detail: `${id} available (${endpoint.splitTunnel ? `split tunnel on: it pushes ${pushed.join(', ')}` : 'split tunnel off: everything goes through the tunnel'}); ${associated.map((a) => a.subnetId).join(', ')} associated; route ${route}; rule ${rule}`,
            evidence,
          }
        }
        const [first] = problems as [Problem]
        const headline = outside.length && explainsRoute ? `${outside.map((v) => v.ip).join(', ')} ${outside.length > 1 ? 'leave' : 'leaves'} outside the VPN: ` : ''
        // Who is in a group is not AWS's to say: the audit names the risk without blaming it.
        const onlyUnknownGroup = problems.every((p) => p.code === 'CLIENT_VPN_NOT_AUTHORIZED' && p.confirmed === false)
        return {
          status: onlyUnknownGroup && ctx.options.mode === 'audit' ? 'warn' : 'fail',
          code: first.code,
          category: first.category,
          confirmed: first.confirmed ?? true,
          ...(first.alternatives ? { alternatives: first.alternatives } : {}),
          detail: `${headline}${problems.map((p) => p.text).join('; ')}`,
          evidence,
          fixes: problems.flatMap((p) => p.fixes),
        }
      },
      { ifNoTcp: 'read' },
    )
    // What keeps the client from routing the cluster into the tunnel explains the broken local route, not only the dropped SYN.
    return outcome.status === 'fail' && explainsRoute ? { ...outcome, refines: 'routing.local-route' } : outcome
  },
})
