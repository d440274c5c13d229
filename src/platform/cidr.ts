/** Small IPv4/IPv6 prefix arithmetic on top of node:net's BlockList (no DNS, no sockets). */
import { BlockList, isIP, isIPv4 } from 'node:net'

export type AddressClass = 'loopback' | 'link-local' | 'private' | 'cgnat' | 'reserved' | 'public'

const RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']
const CGNAT = '100.64.0.0/10'

export function isValidCidr(cidr: string): boolean {
  const [addr, len, ...rest] = cidr.split('/')
  if (rest.length > 0 || addr === undefined || len === undefined || !/^\d{1,3}$/.test(len)) return false
  const family = isIP(addr)
  const n = Number(len)
  return (family === 4 && n <= 32) || (family === 6 && n <= 128)
}

/** True when `ip` is inside any of `cidrs` (invalid prefixes are ignored). */
export function cidrContains(cidrs: string | readonly string[], ip: string): boolean {
  const family = isIP(ip)
  if (family === 0) return false
  const list = new BlockList()
  for (const cidr of typeof cidrs === 'string' ? [cidrs] : cidrs) {
    if (!isValidCidr(cidr)) continue
    const [addr, len] = cidr.split('/') as [string, string]
    list.addSubnet(addr, Number(len), isIPv4(addr) ? 'ipv4' : 'ipv6')
  }
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6')
}

/** True when prefix `inner` lies entirely inside prefix `outer`. */
export function cidrCovers(outer: string, inner: string): boolean {
  if (!isValidCidr(outer) || !isValidCidr(inner)) return false
  const [innerAddr, innerLen] = inner.split('/') as [string, string]
  const [, outerLen] = outer.split('/') as [string, string]
  return Number(outerLen) <= Number(innerLen) && cidrContains(outer, innerAddr)
}

export function classifyAddress(ip: string): AddressClass {
  if (cidrContains(['127.0.0.0/8', '::1/128'], ip)) return 'loopback'
  if (cidrContains(['169.254.0.0/16', 'fe80::/10'], ip)) return 'link-local'
  if (cidrContains([...RFC1918, 'fc00::/7'], ip)) return 'private'
  if (cidrContains(CGNAT, ip)) return 'cgnat'
  // "This network", multicast and class E (netmasks like 255.255.255.0 and 0.0.0.0/0 in text) identify no one.
  if (cidrContains(['0.0.0.0/8', '224.0.0.0/3', '::/128', 'ff00::/8'], ip)) return 'reserved'
  return 'public'
}

export function isPublicAddress(ip: string): boolean {
  return isIP(ip) !== 0 && classifyAddress(ip) === 'public'
}

export function isIpAddress(value: string): boolean {
  return isIP(value) !== 0
}

/** 4 or 6 for an address, 0 for anything else. */
export function ipFamily(value: string): 0 | 4 | 6 {
  return isIP(value) as 0 | 4 | 6
}

/** The network address of an IPv4 prefix (10.20.5.0 for 10.20.5.7/22 is 10.20.4.0). */
export function cidrBase(cidr: string): string | undefined {
  if (!isValidCidr(cidr) || !isIPv4(cidr.split('/')[0] ?? '')) return undefined
  const [addr, len] = cidr.split('/') as [string, string]
  const value = addr.split('.').reduce((n, octet) => n * 256 + Number(octet), 0)
  const size = 2 ** (32 - Number(len))
  const base = Math.floor(value / size) * size
  return [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join('.')
}
