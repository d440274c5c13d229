/**
 * Parses macOS `route -n get <ip>` (print_getmsg() in Apple's network_cmds route.c): right-aligned
 * `label: value` lines, then a metrics header (`recvpipe  sendpipe ...`) and one row of numbers.
 *
 * Quirks:
 * - `route get` exits 0 even when the kernel has no route; it then prints only
 *   `route: writing to routing socket: not in table` on stderr. Read the output, not the status.
 * - The gateway line is printed only for RTF_GATEWAY routes, so tunnel (utun) routes have none.
 * - routename() prints the all-zeros address as "default", also when the mask is not zero: OpenVPN
 *   and sing-box split routes read `destination: default` + `mask: 128.0.0.0`, i.e. 0.0.0.0/1.
 *   `mask` is absent for host routes.
 * - Without `-n` the gateway may be a reverse-resolved host name; it is returned as printed.
 */
import { isIP, isIPv6 } from 'node:net'
import type { RouteLookup } from './route.js'

/** Turns the stdout and stderr of `route -n get <ip>` into a RouteLookup. */
export function parseDarwinRouteGet(ip: string, stdout: string, stderr: string): RouteLookup {
  const fields = readFields(stdout)
  const errorLine = readFirstLine(stderr)
  const iface = fields.get('interface')
  if (iface === undefined) {
    return { destination: ip, ok: false, error: errorLine ?? 'route printed no interface' }
  }

  const flags = readFlags(fields.get('flags'))
  const type = readRouteType(flags)
  const lookup: RouteLookup = { destination: ip, ok: type !== 'blackhole' && type !== 'unreachable', interface: iface, type }
  const gateway = fields.get('gateway')
  // An interface route names its link ("link#24") rather than a next hop.
  if (gateway !== undefined && !gateway.startsWith('link#')) lookup.gateway = gateway
  const matched = findMatchedPrefix(ip, fields.get('destination'), fields.get('mask'), flags)
  if (matched !== undefined) lookup.matched = matched
  if (!lookup.ok) lookup.error = errorLine ?? `${type} route`
  return lookup
}

/** The labelled lines above the metrics header, keyed by label ("route to", "mask", ...). */
function readFields(stdout: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const line of stdout.split(/\r?\n/)) {
    if (line.trim().startsWith('recvpipe')) break
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const label = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    if (label !== '' && value !== '' && !fields.has(label)) fields.set(label, value)
  }
  return fields
}

function readFlags(flags: string | undefined): Set<string> {
  if (flags === undefined) return new Set()
  return new Set(flags.replace(/[<>]/g, '').split(',').map((flag) => flag.trim()).filter((flag) => flag !== ''))
}

function readRouteType(flags: Set<string>): string {
  if (flags.has('BLACKHOLE')) return 'blackhole'
  if (flags.has('REJECT')) return 'unreachable'
  return flags.has('LOCAL') ? 'local' : 'unicast'
}

function findMatchedPrefix(
  ip: string,
  destination: string | undefined,
  mask: string | undefined,
  flags: Set<string>,
): string | undefined {
  if (destination === undefined) return undefined
  const v6 = isIPv6(ip)
  const address = destination === 'default' ? (v6 ? '::' : '0.0.0.0') : destination
  if (isIP(address) === 0) return undefined
  if (mask === undefined || mask === 'default') {
    if (mask === 'default' || destination === 'default') return `${address}/0`
    return flags.has('HOST') ? `${address}/${isIPv6(address) ? 128 : 32}` : undefined
  }
  const length = countPrefixLength(mask)
  return length === undefined ? undefined : `${address}/${length}`
}

/** Prefix length of a contiguous netmask written as an address (255.255.0.0, ffff:ffff::); else undefined. */
function countPrefixLength(mask: string): number | undefined {
  const bits = toMaskBits(mask)
  if (bits === undefined) return undefined
  const length = bits.indexOf('0') === -1 ? bits.length : bits.indexOf('0')
  return bits.slice(length).includes('1') ? undefined : length
}

function toMaskBits(mask: string): string | undefined {
  if (isIP(mask) === 4) {
    return mask.split('.').map((octet) => Number(octet).toString(2).padStart(8, '0')).join('')
  }
  if (isIP(mask) !== 6) return undefined
  const [head = '', tail = ''] = mask.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === '' ? [] : tail.split(':')
  const zeros: string[] = Array.from({ length: 8 - headGroups.length - tailGroups.length }, () => '0')
  const groups = mask.includes('::') ? [...headGroups, ...zeros, ...tailGroups] : headGroups
  return groups.map((group) => parseInt(group, 16).toString(2).padStart(16, '0')).join('')
}

function readFirstLine(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== '')
}
