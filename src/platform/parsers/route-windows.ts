/**
 * Builds and parses the Windows route lookup: `Find-NetRoute -RemoteIPAddress <ip>` piped through
 * `Select-Object -Last 1 <route fields> | ConvertTo-Json -Compress`.
 *
 * Quirks:
 * - Find-NetRoute returns two objects, the chosen source address (MSFT_NetIPAddress) and then the
 *   chosen route (MSFT_NetRoute); `-Last 1` keeps the route. Without it ConvertTo-Json prints an
 *   array whose first element has null route fields, so an array is read from its last route.
 * - NextHop 0.0.0.0 or :: means on-link: there is no gateway.
 * - A failed lookup is a PowerShell error record on stderr, exit 1, nothing on stdout.
 * - Windows PowerShell may prefix stdout with a byte-order mark.
 */
import { isIP } from 'node:net'
import type { RouteLookup } from './route.js'

const ON_LINK_NEXT_HOPS = new Set(['0.0.0.0', '::'])

/** The route properties the command selects; ConvertTo-Json keeps PowerShell's names. */
interface NetRouteJson {
  DestinationPrefix?: unknown
  NextHop?: unknown
  InterfaceAlias?: unknown
  InterfaceIndex?: unknown
  RouteMetric?: unknown
}

/**
 * The argv after the `powershell` binary. Throws when `ip` is not an IP address: it is spliced into
 * a PowerShell command line, so anything else would be code.
 */
export function windowsFindNetRouteArgs(ip: string): string[] {
  if (isIP(ip) === 0) throw new Error(`windowsFindNetRouteArgs: not an IP address: ${JSON.stringify(ip)}`)
  return [
    '-NoProfile',
    '-Command',
    `Find-NetRoute -RemoteIPAddress ${ip} | Select-Object -Last 1 DestinationPrefix,NextHop,InterfaceAlias,InterfaceIndex,RouteMetric | ConvertTo-Json -Compress`,
  ]
}

/** Turns the stdout, stderr and exit code of the windowsFindNetRouteArgs() command into a RouteLookup. */
export function parseWindowsFindNetRoute(ip: string, stdout: string, stderr: string, exitCode: number): RouteLookup {
  const text = stdout.replace(/^\uFEFF/, '').trim()
  const errorLine = readFirstLine(stderr)
  if (exitCode !== 0 || text === '') {
    return { destination: ip, ok: false, error: errorLine ?? `powershell exited with status ${exitCode} and printed nothing` }
  }

  const route = readRoute(text)
  const prefix = readString(route?.DestinationPrefix)
  const alias = readString(route?.InterfaceAlias)
  if (route === undefined || prefix === undefined || alias === undefined) {
    return { destination: ip, ok: false, error: errorLine ?? `unexpected Find-NetRoute output: ${readFirstLine(text) ?? ''}` }
  }

  const lookup: RouteLookup = { destination: ip, ok: true, interface: alias, type: 'unicast', matched: prefix }
  const nextHop = readString(route.NextHop)
  if (nextHop !== undefined && !ON_LINK_NEXT_HOPS.has(nextHop)) lookup.gateway = nextHop
  return lookup
}

function readRoute(text: string): NetRouteJson | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  const candidates: unknown[] = Array.isArray(parsed) ? parsed : [parsed]
  return candidates.filter(isNetRoute).at(-1)
}

function isNetRoute(item: unknown): item is NetRouteJson {
  return typeof item === 'object' && item !== null && readString((item as NetRouteJson).DestinationPrefix) !== undefined
}

function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function readFirstLine(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== '')
}
