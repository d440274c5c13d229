/** Judging a route table: the route that carries traffic for a destination, by longest prefix. */
import type { RouteInfo, RouteTableInfo } from '../../aws/ec2.js'
import { cidrContains, cidrCovers, isValidCidr } from '../../platform/cidr.js'

export type RouteJudgement =
  | { ok: true; route: RouteInfo }
  | { ok: false; problem: 'missing' | 'blackhole' | 'wrong-target'; route?: RouteInfo }

/** The most specific route covering `destination` (a CIDR or an IP), as the VPC router picks it. */
export function routeFor(table: RouteTableInfo, destination: string): RouteInfo | undefined {
  const matches = table.routes.filter((r) =>
    isValidCidr(r.destination) && (isValidCidr(destination) ? cidrCovers(r.destination, destination) : cidrContains(r.destination, destination)),
  )
  return matches.sort((a, b) => Number(b.destination.split('/')[1]) - Number(a.destination.split('/')[1]))[0]
}

/**
 * `deadTarget` tells a route whose target is gone (a deleted peering): AWS marks those blackhole,
 * but only eventually, and emulators never do.
 */
export function judgeRoute(
  table: RouteTableInfo,
  destination: string,
  connectionId: string | undefined,
  deadTarget: (route: RouteInfo) => boolean = () => false,
): RouteJudgement {
  const route = routeFor(table, destination)
  // A source inside the VPC itself (a Client VPN association there) comes back over the local route.
  if (route?.targetType === 'local' && !connectionId && isValidCidr(destination) && cidrCovers(route.destination, destination)) return { ok: true, route }
  if (!route || route.targetType === 'local' || route.targetType === 'igw' || route.targetType === 'nat') {
    return { ok: false, problem: 'missing', route }
  }
  if (route.state === 'blackhole' || deadTarget(route)) return { ok: false, problem: 'blackhole', route }
  if (connectionId && route.targetId !== connectionId && route.targetType !== 'eni' && route.targetType !== 'instance') {
    return { ok: false, problem: 'wrong-target', route }
  }
  return { ok: true, route }
}

export function describeRoute(route: RouteInfo | undefined): string {
  return route ? `${route.destination} → ${route.targetId} (${route.state})` : 'none'
}
