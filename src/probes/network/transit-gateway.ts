/**
 * network.transit-gateway — the transit gateway the VPN traffic crosses is available; the
 * attachments of both sides exist and are available, the cluster VPC's with a subnet in the
 * Availability Zone of every endpoint ENI (and the VPN VPC's in the VPN router's); the TGW route
 * table associated with each attachment routes to the other side, by a static or a propagated
 * route, not into a blackhole. Associations are read from the route tables (the attachment's own
 * field lags in emulators); a propagation that is on stands for the route it propagates when the
 * route itself is not listed (emulators list none).
 * Evidence: the gateway, each side's attachment (state, subnets and zones, route table), each
 * table's route to the other side and how it was found, and what could not be read.
 * Fix: create/accept/modify-transit-gateway-vpc-attachment, associate-transit-gateway-route-table,
 * enable-transit-gateway-route-table-propagation, create/replace/delete-transit-gateway-route, a
 * replacement gateway; their Terraform.
 */
import type { AwsFailure } from '../../aws/call.js'
import type { SubnetInfo } from '../../aws/client-vpn.js'
import type { TgwAttachmentInfo, TgwRouteInfo, TgwTableLink, TransitGatewayInfo } from '../../aws/transit-gateway.js'
import { defineProbe, type Evidence, type EvidenceValue, type FailureCode, type Fix, type ProbeContext, type ProbeOutcome } from '../../engine/types.js'
import { buildTgwAssociationFix, buildTgwAttachmentFix, buildTgwPropagationFix, buildTgwReplaceFix, buildTgwRouteFix, buildTgwSubnetFix, type TgwVpcSide } from '../../fixes/transit-gateway.js'
import { cidrContains, cidrCovers, isValidCidr } from '../../platform/cidr.js'
import { awsCallOptions, awsSkip } from '../aws-call.js'
import { type AwsPath, type SourceNetwork, TGW_WORKING, type TgwView, whenAwsPathMatters } from './aws-path.js'
import { attachedVpcsFor, unique } from './tgw-path.js'

type Ctx = ProbeContext<'network.source-cidr', 'cluster.endpoint-enis' | 'network.tcp-connect' | 'routing.local-route'>

/** One broken link; `order` is where a packet from the VPN meets it. */
interface Finding {
  order: number
  code: FailureCode
  text: string
  fixes: Fix[]
  confirmed?: boolean
}

/** A place on one side that the TGW must reach: an endpoint ENI's subnet, or the VPN router's. */
interface Spot {
  subnetId: string
  ips: string[]
  az?: string
}

/** One side of the TGW: its attachment and what the other side's table must route to it. */
interface Side {
  name: string
  attachment?: TgwAttachmentInfo
  vpcId?: string
  /** What the other side's table must route here: endpoint IPs, or a source CIDR. */
  destinations: string[]
  /** The CIDR a fix routes: the VPC CIDR around the endpoint IPs, or the source CIDR. */
  fixCidr: string
  spots: Spot[]
  /** The order of this side's links: the VPN side's come before the cluster side's. */
  base: number
}

type RouteView = TgwRouteInfo & { propagatedFrom?: string; unlisted?: boolean }
type Judged = { ok: true; route: RouteView } | { ok: false; problem: 'missing' | 'blackhole' | 'wrong-target'; route?: RouteView }

function describeRoute(route: RouteView | undefined): string {
  if (!route) return 'none'
  if (route.state === 'blackhole' && route.attachments.length === 0) return `${route.destination} → blackhole (${route.type})`
  const to = route.attachments.map((a) => a.id).join(', ') || (route.state === 'blackhole' ? 'blackhole' : 'an attachment it does not list')
  return `${route.destination} → ${to} (${route.unlisted ? `propagated from ${route.propagatedFrom}, not listed` : route.type}, ${route.state})`
}

/**
 * The route that carries `destination` in a TGW route table, by longest prefix (static before
 * propagated at the same prefix), with the propagations that are on standing for the routes they
 * make when the table does not list them.
 */
function judgeTgwRoute(routes: TgwRouteInfo[], propagated: { attachmentId: string; cidrs: string[] }[], destination: string, expected: TgwAttachmentInfo | undefined): Judged {
  const listed: RouteView[] = routes.filter((r) => isValidCidr(r.destination))
  const implied: RouteView[] = propagated.flatMap((p) =>
    p.cidrs
      .filter((cidr) => !listed.some((r) => r.destination === cidr))
      .map((cidr) => ({ destination: cidr, type: 'propagated', state: 'active', attachments: [{ id: p.attachmentId }], propagatedFrom: p.attachmentId, unlisted: true })),
  )
  const covering = [...listed, ...implied].filter((r) => (isValidCidr(destination) ? cidrCovers(r.destination, destination) : cidrContains(r.destination, destination)))
  const prefix = (r: RouteView) => Number(r.destination.split('/')[1])
  const route = covering.sort((a, b) => prefix(b) - prefix(a) || Number(b.type === 'static') - Number(a.type === 'static'))[0]
  if (!route) return { ok: false, problem: 'missing' }
  if (route.state === 'blackhole') return { ok: false, problem: 'blackhole', route }
  if (expected && route.attachments.length > 0 && !route.attachments.some((a) => a.id === expected.id)) return { ok: false, problem: 'wrong-target', route }
  return { ok: true, route }
}

/** One subnet per zone, in zone order: what an attachment needs to reach these spots. */
function subnetPerZone(spots: Spot[]): Spot[] {
  const byZone = new Map<string, Spot>()
  for (const spot of spots) if (spot.az && !byZone.has(spot.az)) byZone.set(spot.az, spot)
  return [...byZone.values()].sort((a, b) => (a.az ?? '').localeCompare(b.az ?? ''))
}

async function judgeGateway(ctx: Ctx, path: AwsPath, view: TgwView, tgwId: string, sources: SourceNetwork[]): Promise<{ findings: Finding[]; evidence: Evidence; passed: string[]; unread: string[] }> {
  const call = awsCallOptions(ctx)
  const region = ctx.target.region ?? ''
  const aws = ctx.env.aws
  const findings: Finding[] = []
  const passed: string[] = []
  const unread: string[] = []
  const noteUnread = (f: AwsFailure) => unread.push(f.code === 'AWS_ACCESS_DENIED' ? `not allowed to call ${f.action}` : `${f.action} failed: ${f.message}`)
  const gateway: TransitGatewayInfo | undefined = view.gateways.find((g) => g.id === tgwId)
  const ofGateway = view.attachments.filter((a) => a.transitGatewayId === tgwId)

  // The endpoint ENIs, by subnet, with their zones when DescribeNetworkInterfaces gave them.
  const enis = ctx.get('cluster.endpoint-enis')?.enis ?? []
  const clusterSpots: Spot[] = path.endpointSubnets
    .filter((s) => s.ips.length > 0)
    .map((s) => ({ subnetId: s.subnetId, ips: s.ips, az: enis.find((e) => e.subnetId === s.subnetId && e.az)?.az }))
  const router = path.router

  const cluster: Side = {
    name: `the cluster VPC ${path.clusterVpcId}`,
    attachment: ofGateway.find((a) => a.resourceType === 'vpc' && a.resourceId === path.clusterVpcId),
    vpcId: path.clusterVpcId,
    destinations: clusterSpots.length ? clusterSpots.flatMap((s) => s.ips) : path.clusterCidrs,
    fixCidr: path.clusterCidrs.find((c) => clusterSpots.every((s) => s.ips.every((ip) => cidrContains(c, ip)))) ?? path.clusterCidrs[0] ?? '',
    spots: clusterSpots,
    base: 10,
  }
  const sourceSides: (Side & { source: SourceNetwork })[] = sources.map((source) => {
    const overlapping = attachedVpcsFor(view, tgwId, source.cidr, path.clusterVpcId)
    // The VPC of the source: source-cidr's, the one attached VPC that holds the CIDR, or the VPN router's.
    const routerVpc = router?.privateIp && cidrContains(source.cidr, router.privateIp) ? router.vpcId : undefined
    const vpcId = source.remoteVpcId ?? (overlapping.length === 1 ? overlapping[0]?.resourceId : undefined) ?? routerVpc
    const attachment = vpcId ? ofGateway.find((a) => a.resourceType === 'vpc' && a.resourceId === vpcId) : undefined
    const routerHere = router?.subnetId && router.vpcId === vpcId ? [{ subnetId: router.subnetId, ips: router.privateIp ? [router.privateIp] : [] }] : []
    return { name: vpcId ? `the VPN VPC ${vpcId}` : `the network of ${source.cidr}`, attachment, vpcId, destinations: [source.cidr], fixCidr: source.cidr, spots: routerHere, base: 0, source }
  })

  /** The subnets an attachment of `side` needs: one per zone it must reach, else one per zone of its VPC. */
  const subnetsToAttach = async (side: Side): Promise<string[]> => {
    if (side === cluster) return subnetPerZone(side.spots).map((s) => s.subnetId)
    if (side.spots.length) return side.spots.map((s) => s.subnetId)
    if (!side.vpcId) return []
    const found = await aws.describeSubnets({ vpcId: side.vpcId }, call)
    return found.ok ? subnetPerZone(found.value.map((s) => ({ subnetId: s.id, ips: [], az: s.az }))).map((s) => s.subnetId) : []
  }

  const evidence: Evidence = {
    transitGateway: { id: tgwId, state: gateway?.state ?? (view.gatewaysRead.includes(tgwId) ? 'not listed' : null) },
  }

  // The gateway itself: when it is gone, every link through it is; the rest follows from this one.
  if (view.gatewaysRead.includes(tgwId) && (!gateway || !TGW_WORKING.has(gateway.state))) {
    const state = gateway?.state ?? 'deleted'
    const sides = [...sourceSides.filter((s) => s.vpcId), cluster]
    const subnets = await Promise.all(sides.map(subnetsToAttach))
    const vpcs: TgwVpcSide[] = sides.map((side, i) => ({ vpcId: side.vpcId ?? '', subnetIds: subnets[i] ?? [], side: side.name })).filter((v) => v.subnetIds.length > 0)
    const routes = unique(path.endpointSubnets.flatMap((s) => (s.table?.routes ?? []).filter((r) => r.targetId === tgwId && !r.prefixListId).map((r) => `${s.table?.id} ${r.destination}`))).map((pair) => {
      const [routeTableId, destination] = pair.split(' ') as [string, string]
      return { routeTableId, destination }
    })
    findings.push({
      order: 0,
      code: 'TGW_NOT_AVAILABLE',
      text: `the transit gateway ${tgwId} is ${gateway ? state : 'gone (DescribeTransitGateways no longer lists it)'}: nothing crosses it`,
      fixes: [buildTgwReplaceFix({ tgwId, state, name: `${ctx.target.cluster ?? path.clusterVpcId}-vpn`, vpcs, routes, region })],
    })
    return { findings, evidence, passed, unread }
  }
  if (!gateway) unread.push(`the state of ${tgwId} (DescribeTransitGateways did not answer)`)

  // Each side's attachment: there, and available.
  const sides: Side[] = [...sourceSides, cluster]
  for (const side of sourceSides.filter((s) => !s.attachment)) {
    // A network that is not a VPC of this account (on-premises over VPN or Direct Connect): the only such attachment.
    const others = ofGateway.filter((a) => a.resourceType !== 'vpc' && a.resourceId !== path.clusterVpcId)
    if (!side.vpcId && others.length === 1) side.attachment = others[0]
  }
  for (const side of sides) {
    const a = side.attachment
    if (!a) {
      const subnetIds = await subnetsToAttach(side)
      findings.push({
        order: side.base + 1,
        code: 'TGW_ATTACHMENT_MISSING',
        text: side.vpcId
          ? `${side.name} is not attached to ${tgwId}: the transit gateway has no way ${side === cluster ? 'into the cluster VPC' : 'back to the VPN'}`
          : `no attachment of ${tgwId} holds ${side.destinations.join(', ')} (no attached VPC has that CIDR; name the VPN router with --vpn-instance to settle which VPC it is)`,
        fixes: side.vpcId && subnetIds.length ? [buildTgwAttachmentFix({ tgwId, vpc: { vpcId: side.vpcId, subnetIds, side: side.name.replace(/ vpc-\S+$/, '') }, region })] : [],
        confirmed: Boolean(side.vpcId),
      })
    } else if (!TGW_WORKING.has(a.state)) {
      const subnetIds = side === cluster ? subnetPerZone(side.spots).map((s) => s.subnetId) : side.spots.map((s) => s.subnetId)
      findings.push({
        order: side.base + 1,
        code: 'TGW_ATTACHMENT_NOT_AVAILABLE',
        text: `the attachment ${a.id} of ${side.name} to ${tgwId} is ${a.state}: nothing crosses it`,
        fixes: a.resourceType === 'vpc' && (subnetIds.length || a.state === 'pendingAcceptance') ? [buildTgwAttachmentFix({ tgwId, vpc: { vpcId: a.resourceId, subnetIds, side: side.name.replace(/ vpc-\S+$/, '') }, region, attachmentId: a.id, state: a.state })] : [],
      })
    } else {
      passed.push(`${a.id} (${a.resourceId}) ${a.state}`)
    }
  }

  const working = sides.filter((s) => s.attachment && TGW_WORKING.has(s.attachment.state))
  const vpcAttachments = working.filter((s) => s.attachment?.resourceType === 'vpc').map((s) => s.attachment as TgwAttachmentInfo)

  // Zones: each side's attachment needs a subnet in every zone it must reach.
  const [details, tables] = await Promise.all([
    vpcAttachments.length ? aws.describeTransitGatewayVpcAttachments(vpcAttachments.map((a) => a.id), call) : undefined,
    aws.describeTransitGatewayRouteTables([tgwId], call),
  ])
  if (details && !details.ok) noteUnread(details)
  const attachmentSubnets = new Map((details?.ok ? details.value : []).map((d) => [d.id, d.subnetIds]))
  const zoneless = working.flatMap((s) => s.spots.filter((p) => !p.az).map((p) => p.subnetId))
  const toLocate = unique([...[...attachmentSubnets.values()].flat(), ...zoneless])
  const located = toLocate.length ? await aws.describeSubnets({ ids: toLocate }, call) : undefined
  if (located && !located.ok) noteUnread(located)
  const zoneOf = new Map((located?.ok ? located.value : ([] as SubnetInfo[])).map((s) => [s.id, s.az]))
  const attachmentEvidence: EvidenceValue[] = []
  for (const side of working) {
    const a = side.attachment as TgwAttachmentInfo
    const subnets = attachmentSubnets.get(a.id)
    for (const spot of side.spots) spot.az ??= zoneOf.get(spot.subnetId)
    const zones = subnets ? unique(subnets.map((s) => zoneOf.get(s)).filter((z): z is string => Boolean(z))) : undefined
    attachmentEvidence.push({ side: side.name, attachment: a.id, resource: a.resourceId, type: a.resourceType, state: a.state, subnets: subnets?.map((s) => ({ subnet: s, zone: zoneOf.get(s) ?? null })) ?? null, mustReach: side.spots.map((s) => ({ subnet: s.subnetId, zone: s.az ?? null, ips: s.ips })) })
    if (!subnets || !located?.ok || a.resourceType !== 'vpc') continue
    const outside = side.spots.filter((s) => s.az && !zones?.includes(s.az))
    if (outside.length === 0) continue
    const add = subnetPerZone(outside).map((s) => ({ subnetId: s.subnetId, az: s.az as string, ips: outside.filter((o) => o.az === s.az).flatMap((o) => o.ips) }))
    const lost = outside.flatMap((s) => s.ips)
    const fine = side.spots.filter((s) => !outside.includes(s)).flatMap((s) => s.ips)
    findings.push({
      order: side.base + 2,
      code: 'TGW_AZ_MISSING',
      text:
        `${a.id} of ${side.name} has no subnet in ${add.map((x) => x.az).join(', ')}, where ${side === cluster ? `the endpoint ENI${lost.length > 1 ? 's' : ''}` : 'the VPN router'} ${lost.join(', ')} ${lost.length > 1 ? 'are' : 'is'}: ${tgwId} cannot reach ${lost.length > 1 ? 'them' : 'it'}` +
        (fine.length ? ` (${fine.join(', ')} ${fine.length > 1 ? 'are' : 'is'} reached, so the failure is intermittent)` : ''),
      fixes: [buildTgwSubnetFix({ attachmentId: a.id, tgwId, vpc: { vpcId: a.resourceId, subnetIds: subnets, side: side.name.replace(/ vpc-\S+$/, '') }, add, region })],
    })
  }
  evidence.attachments = attachmentEvidence

  // The TGW route tables: which table each attachment is associated with, and its route to the other side.
  if (!tables.ok) noteUnread(tables)
  const tableIds = tables.ok ? tables.value.map((t) => t.id) : []
  const associations = await Promise.all(tableIds.map(async (id) => ({ id, links: await aws.getTransitGatewayRouteTableAssociations(id, call) })))
  const failedAssociations = associations.find((a) => !a.links.ok)?.links
  if (failedAssociations && !failedAssociations.ok) noteUnread(failedAssociations)
  const tableOf = (a: TgwAttachmentInfo): string | undefined => {
    const linked = associations.find((t) => t.links.ok && t.links.value.some((l) => l.attachmentId === a.id && l.state !== 'disassociated' && l.state !== 'disassociating'))
    if (linked) return linked.id
    // The route tables' own lists are the truth (an attachment's field can lag); without them, the attachment's word.
    return associations.length > 0 && !failedAssociations ? undefined : a.association?.routeTableId
  }
  const tableOfSide = new Map(working.map((s) => [s, tableOf(s.attachment as TgwAttachmentInfo)]))
  const associationKnown = tables.ok && !failedAssociations
  const unassociated = associationKnown ? working.filter((side) => !tableOfSide.get(side)) : []
  // A table for an attachment without one is chosen by what it routes: every table is read then.
  const readTables = unassociated.length ? tableIds : unique([...tableOfSide.values()].filter((t): t is string => Boolean(t)))
  const contents = new Map(
    await Promise.all(
      readTables.map(async (id) => {
        const [routes, propagations] = await Promise.all([aws.searchTransitGatewayRoutes(id, call), aws.getTransitGatewayRouteTablePropagations(id, call)])
        return [id, { routes, propagations }] as const
      }),
    ),
  )
  for (const content of contents.values()) for (const r of [content.routes, content.propagations]) if (!r.ok) noteUnread(r)
  const cidrsOf = (attachmentId: string): string[] => {
    const a = ofGateway.find((x) => x.id === attachmentId)
    if (!a || a.resourceType !== 'vpc') return []
    return a.resourceId === path.clusterVpcId ? path.clusterCidrs : (view.vpcCidrs[a.resourceId] ?? [])
  }
  /** How one table carries `to`'s destinations toward `to`'s attachment; undefined when it cannot be read. */
  const judgeTable = (tableId: string, to: Side) => {
    const content = contents.get(tableId)
    if (!content?.routes.ok) return undefined
    const enabled: TgwTableLink[] = content.propagations.ok ? content.propagations.value.filter((p) => p.state === 'enabled') : []
    const propagated = enabled.map((p) => ({ attachmentId: p.attachmentId, cidrs: cidrsOf(p.attachmentId) }))
    const routes = content.routes.value
    return { content, enabled, results: to.destinations.map((d) => ({ d, j: judgeTgwRoute(routes, propagated, d, to.attachment) })) }
  }
  for (const side of unassociated) {
    const a = side.attachment as TgwAttachmentInfo
    // The table that carries this side's traffic to the other side: the one to associate it with.
    const toward = side === cluster ? working.filter((s) => s !== cluster) : [cluster]
    const carries = (id: string) => toward.length > 0 && toward.every((to) => judgeTable(id, to)?.results.every((r) => r.j.ok))
    const candidate = tableIds.find(carries) ?? (gateway?.associationDefaultRouteTableId && tableIds.includes(gateway.associationDefaultRouteTableId) ? gateway.associationDefaultRouteTableId : undefined)
    findings.push({
      order: side.base + 3,
      code: 'TGW_NOT_ASSOCIATED',
      text: `${a.id} of ${side.name} is associated with no route table of ${tgwId}: what enters the transit gateway through it is dropped${candidate ? '' : ` (and no table of ${tgwId} routes on from it: give one a route, then associate it)`}`,
      fixes: candidate ? [buildTgwAssociationFix({ routeTableId: candidate, attachmentId: a.id, region, side: side.name })] : [],
    })
  }

  const routeEvidence: EvidenceValue[] = []
  // Each side's table routes to every other side: the VPN side's to the cluster, the cluster's back to each source.
  const pairs = working.flatMap((from) => working.filter((to) => to !== from && (from === cluster || to === cluster)).map((to) => ({ from, to })))
  for (const { from, to } of pairs) {
    const tableId = tableOfSide.get(from)
    const judged = tableId ? judgeTable(tableId, to) : undefined
    if (!tableId || !judged) continue
    const { content, enabled, results } = judged
    const expected = to.attachment
    for (const r of results) routeEvidence.push({ routeTable: tableId, of: from.attachment?.id ?? null, to: r.d, toward: expected?.id ?? null, route: describeRoute(r.j.route), verdict: r.j.ok ? 'ok' : r.j.problem })
    const bad = results.find((r) => !r.j.ok)
    if (!bad || bad.j.ok) {
      passed.push(`${tableId} routes ${unique(results.map((r) => describeRoute(r.j.route))).join(', ')}`)
      continue
    }
    const problem = bad.j.problem
    const route = bad.j.route
    const propagatesHere = Boolean(expected && enabled.some((p) => p.attachmentId === expected.id))
    const usesPropagation = content.propagations.ok && (enabled.length > 0 || gateway?.propagationDefaultRouteTableId === tableId)
    const side = `associated with ${from.attachment?.id}, ${from.name}`
    let fix: Fix | undefined
    if (expected) {
      if (problem === 'missing') {
        fix =
          usesPropagation && ['vpc', 'direct-connect-gateway'].includes(expected.resourceType)
            ? buildTgwPropagationFix({ routeTableId: tableId, attachmentId: expected.id, destination: to.fixCidr, region, side })
            : buildTgwRouteFix({ routeTableId: tableId, destination: to.fixCidr, attachmentId: expected.id, region, mode: 'create', side })
      } else if (route?.type === 'static') {
        // A static blackhole over the propagated route to the same place: removing it is enough.
        const hidden = problem === 'blackhole' && propagatesHere && cidrsOf(expected.id).some((c) => cidrCovers(c, route.destination))
        fix = buildTgwRouteFix({ routeTableId: tableId, destination: route.destination, attachmentId: expected.id, region, mode: hidden ? 'delete' : 'replace', side })
      } else if (route) {
        // A propagated route cannot be replaced; a static one of the same prefix takes precedence over it.
        fix = buildTgwRouteFix({ routeTableId: tableId, destination: route.destination, attachmentId: expected.id, region, mode: 'create', side })
      }
    }
    const lost = results.filter((r) => !r.j.ok).map((r) => r.d)
    const direction = to === cluster ? 'the cluster' : 'the VPN'
    findings.push({
      order: from.base + 4,
      code: problem === 'missing' ? 'TGW_ROUTE_MISSING' : problem === 'blackhole' ? 'TGW_ROUTE_BLACKHOLE' : 'TGW_ROUTE_WRONG_TARGET',
      text:
        problem === 'missing'
          ? `the TGW route table ${tableId} (${side}) has no route to ${lost.join(', ')}${expected ? `: ${expected.id} ${propagatesHere ? 'propagates other CIDRs' : 'does not propagate there'}, and no static route covers ${lost.length > 1 ? 'them' : 'it'}` : ''}; packets toward ${direction} are dropped`
          : problem === 'blackhole'
            ? `the TGW route table ${tableId} (${side}) sends ${lost.join(', ')} into a blackhole (${describeRoute(route)})`
            : `the TGW route table ${tableId} (${side}) sends ${lost.join(', ')} to ${route?.attachments.map((a) => a.id).join(', ')}, not ${expected?.id}`,
      fixes: fix ? [fix] : [],
      confirmed: content.propagations.ok || problem !== 'missing',
    })
    if (!content.propagations.ok && problem === 'missing') unread.push(`whether ${tableId} receives a propagated route (its propagations were not read)`)
  }
  evidence.routes = routeEvidence
  return { findings, evidence, passed, unread }
}

export const transitGatewayProbe = defineProbe({
  id: 'network.transit-gateway',
  layer: 'network',
  title: 'Transit gateway attached and routing both ways',
  needs: ['network.source-cidr'],
  uses: ['cluster.endpoint-enis', 'network.tcp-connect', 'routing.local-route'],
  early: ['network.tcp-connect'],
  timeoutMs: 20_000,
  run(ctx) {
    return whenAwsPathMatters(
      ctx,
      async (): Promise<ProbeOutcome<never>> => {
        const path = ctx.need('network.source-cidr')
        const routed = path.sources.filter((s) => s.connectionId?.startsWith('tgw-'))
        if (routed.length === 0) return { status: 'skip', detail: 'the VPN traffic does not cross a transit gateway' }
        const view = path.transitGateways
        const denied = view?.failures.find((f) => f.action === 'ec2:DescribeTransitGatewayAttachments')
        if (!view || (denied && view.attachments.length === 0)) return denied ? awsSkip(denied) : { status: 'skip', detail: 'the transit gateways of the path were not read' }
        const unread = view.failures.filter((f) => f !== denied).map((f) => (f.code === 'AWS_ACCESS_DENIED' ? `not allowed to call ${f.action}` : `${f.action} failed: ${f.message}`))
        const results = await Promise.all(unique(routed.map((s) => s.connectionId as string)).map((id) => judgeGateway(ctx, path, view, id, routed.filter((s) => s.connectionId === id))))
        const findings = results.flatMap((r) => r.findings).sort((a, b) => a.order - b.order)
        unread.push(...results.flatMap((r) => r.unread))
        const evidence = { gateways: results.map((r) => r.evidence), unread: unique(unread) }
        const notRead = unread.length ? `; not read: ${unique(unread).join('; ')}` : ''
        const first = findings[0]
        if (!first) return { status: 'pass', detail: `${results.flatMap((r) => r.passed).join('; ')}${notRead}`, evidence }
        return {
          status: 'fail',
          code: first.code,
          category: 'routing',
          confirmed: first.confirmed ?? true,
          detail: `${findings.map((f) => f.text).join('; ')}${notRead}`,
          evidence,
          fixes: findings.flatMap((f) => f.fixes),
        }
      },
      { ifNoTcp: 'read' },
    )
  },
})
