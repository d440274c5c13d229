/**
 * Parses `ip -j route get <ip>` (iproute2 >= 4.17): a JSON array holding one route object.
 *
 * Quirks, all seen in the recorded captures:
 * - `type` is only printed when not unicast; `table` only when not main, and it is a string ("52").
 * - `dst` is the address asked about, not the matched prefix; only `route get fibmatch` prints the
 *   prefix (or "default"), so `matched` is filled only when `dst` is a prefix.
 * - A missing route and, on current kernels (6.x), every reject route come back as exit 2 with one
 *   `RTNETLINK answers: <strerror>` line on stderr and no JSON. The errno names the route type
 *   (the kernel's fib_props table): EHOSTUNREACH = unreachable, EINVAL = blackhole,
 *   EACCES = prohibit; ENETUNREACH = no route at all or a throw route, which look alike.
 * - A reject route returned as an object (older kernels, IPv6) carries `"type":"unreachable"` etc.
 */
import { isIPv6 } from 'node:net'
import type { RouteLookup } from './route.js'

const REJECT_TYPES = new Set(['unreachable', 'blackhole', 'prohibit', 'throw'])

// strerror() text of the errno the kernel returns for each reject route type.
const ERRNO_ROUTE_TYPES: ReadonlyArray<readonly [string, string]> = [
  ['No route to host', 'unreachable'],
  ['Invalid argument', 'blackhole'],
  ['Permission denied', 'prohibit'],
]

/** One route object as print_route() writes it; only the keys read here. */
interface IpRouteJson {
  type?: unknown
  dst?: unknown
  gateway?: unknown
  via?: unknown
  dev?: unknown
  prefsrc?: unknown
  table?: unknown
}

/** Turns the stdout, stderr and exit code of `ip -j route get <ip>` into a RouteLookup. */
export function parseLinuxRouteGet(ip: string, stdout: string, stderr: string, exitCode: number): RouteLookup {
  const errorLine = readFirstLine(stderr)
  if (exitCode !== 0 || stdout.trim() === '') {
    const error = errorLine ?? `ip exited with status ${exitCode} and printed nothing`
    const type = ERRNO_ROUTE_TYPES.find(([text]) => error.includes(text))?.[1]
    return { destination: ip, ok: false, error, ...(type ? { type } : {}) }
  }

  const route = readFirstRoute(stdout)
  if (route === undefined) {
    return { destination: ip, ok: false, error: errorLine ?? `unexpected ip -j output: ${readFirstLine(stdout) ?? ''}` }
  }

  const type = readString(route.type) ?? 'unicast'
  const lookup: RouteLookup = { destination: ip, ok: !REJECT_TYPES.has(type), type }
  const dev = readString(route.dev)
  // Reject routes are attached to lo by the kernel; that is not an egress interface.
  if (dev !== undefined && lookup.ok) lookup.interface = dev
  const gateway = readString(route.gateway) ?? readViaHost(route.via)
  if (gateway !== undefined) lookup.gateway = gateway
  const source = readString(route.prefsrc)
  if (source !== undefined) lookup.source = source
  const table = readString(route.table) ?? readNumberAsString(route.table)
  if (table !== undefined && table !== 'main') lookup.table = table
  const matched = findMatchedPrefix(ip, readString(route.dst))
  if (matched !== undefined) lookup.matched = matched
  if (!lookup.ok) lookup.error = errorLine ?? `${type} route`
  return lookup
}

function readFirstRoute(stdout: string): IpRouteJson | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(stdout)
  } catch {
    return undefined
  }
  const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed
  return typeof first === 'object' && first !== null ? (first as IpRouteJson) : undefined
}

/** The prefix `dst` names, when it is one: "default" or "a.b.c.d/n" (fibmatch), not a bare address. */
function findMatchedPrefix(ip: string, dst: string | undefined): string | undefined {
  if (dst === undefined) return undefined
  if (dst === 'default') return isIPv6(ip) ? '::/0' : '0.0.0.0/0'
  return dst.includes('/') ? dst : undefined
}

function readViaHost(via: unknown): string | undefined {
  if (typeof via !== 'object' || via === null) return undefined
  return readString((via as { host?: unknown }).host)
}

function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function readNumberAsString(value: unknown): string | undefined {
  return typeof value === 'number' ? String(value) : undefined
}

function readFirstLine(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== '')
}
