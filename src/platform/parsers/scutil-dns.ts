/**
 * Parses macOS `scutil --dns` (_dns_configuration_log() in configd dnsinfo/dnsinfo_logging.h) and
 * the files in /etc/resolver (dnsinfo_flatfile.c), and picks the resolver an unscoped query uses.
 *
 * Kept per resolver: section, `resolver #N`, domain, search domains, nameservers, port, timeout,
 * if_index and its name, flag words, reach words, order and options. Dropped: sortaddr,
 * service_identifier and the `-d` config id, which do not decide where a query goes.
 *
 * Quirks of the output:
 * - Lines are printed only when set: no `domain` means a default (domainless) resolver, no `order`
 *   means search_order 0, no `flags` (OS X 10.8 to 10.12) means none were set.
 * - Up to macOS 13 the port was printed with %hd, so ports above 32767 show negative
 *   (`port : -11272` is 54264); configd-1345 switched to %hu.
 * - Before macOS 10.13 `reach` is only words (`Reachable,Transient Connection`); later it is
 *   `0x00000003 (Reachable,Transient Connection)`. `-d` prints flags as `0x00000006 (...)`.
 * - Resolvers read from /etc/resolver files are appended to the default section without
 *   if_index, Supplemental flag or order, unless the file sets them.
 */
import { isIP } from 'node:net'

/** One resolver as `scutil --dns` prints it, or as an /etc/resolver file configures it. */
export interface DarwinResolver {
  section: 'default' | 'scoped' | 'service'
  index: number
  domain?: string
  searchDomains: string[]
  nameservers: string[]
  port?: number
  timeout?: number
  ifIndex?: number
  ifName?: string
  flags: string[]
  reach?: string
  reachable?: boolean
  order?: number
  options?: string
  source: 'scutil' | 'resolver-file'
}

/** The resolver chooseDarwinResolver picked, the domain that matched it, and a sentence saying why. */
export interface DarwinResolverChoice {
  resolver: DarwinResolver
  matchedDomain?: string
  why: string
}

const SECTION_HEADERS: ReadonlyArray<readonly [string, DarwinResolver['section']]> = [
  ['DNS configuration (for scoped queries)', 'scoped'],
  ['DNS configuration (for service-specific queries)', 'service'],
  ['DNS configuration', 'default'],
]

// kSCNetworkReachabilityFlagsReachable
const REACHABLE_BIT = 0x2
// mdns_dns_service.c skips resolvers on the mDNS port as well as mdns-option ones.
const MDNS_PORT = 5353

/** Every resolver of every section, in printed order; lines it does not know are skipped. */
export function parseScutilDns(text: string): DarwinResolver[] {
  const resolvers: DarwinResolver[] = []
  // Pasted excerpts may start at a resolver; configd always prints the default section first.
  let section: DarwinResolver['section'] = 'default'
  let current: DarwinResolver | undefined
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    const header = SECTION_HEADERS.find(([title]) => line === title)
    if (header !== undefined) {
      section = header[1]
      current = undefined
      continue
    }
    const start = /^resolver #(\d+)$/.exec(line)
    if (start !== null) {
      current = { section, index: Number(start[1]), searchDomains: [], nameservers: [], flags: [], source: 'scutil' }
      resolvers.push(current)
      continue
    }
    if (current !== undefined) readScutilField(current, line)
  }
  return resolvers
}

function readScutilField(resolver: DarwinResolver, line: string): void {
  const colon = line.indexOf(':')
  if (colon <= 0) return
  const key = line.slice(0, colon).trim().replace(/\[\d+\]$/, '')
  const value = line.slice(colon + 1).trim()
  switch (key) {
    case 'domain':
      if (value !== '') resolver.domain = value
      break
    case 'search domain':
      if (value !== '') resolver.searchDomains.push(value)
      break
    case 'nameserver':
      if (value !== '') resolver.nameservers.push(value)
      break
    case 'options':
      if (value !== '') resolver.options = value
      break
    case 'port': {
      const port = readInteger(value)
      // Printed as a signed short before configd-1345.
      if (port !== undefined && port !== 0) resolver.port = port < 0 ? port + 65536 : port
      break
    }
    case 'timeout':
      setNumber(resolver, 'timeout', value)
      break
    case 'order':
      setNumber(resolver, 'order', value)
      break
    case 'if_index': {
      const match = /^(\d+)(?:\s+\((.*)\))?$/.exec(value)
      if (match === null) break
      resolver.ifIndex = Number(match[1])
      // if_indextoname() failing prints "?".
      if (match[2] !== undefined && match[2] !== '' && match[2] !== '?') resolver.ifName = match[2]
      break
    }
    case 'flags':
      resolver.flags = splitWords(stripHexPrefix(value).words)
      break
    case 'reach': {
      const { hex, words } = stripHexPrefix(value)
      if (words !== '') resolver.reach = words
      const reachable = hex !== undefined ? (hex & REACHABLE_BIT) !== 0 : readReachableWords(words)
      if (reachable !== undefined) resolver.reachable = reachable
      break
    }
  }
}

function setNumber(resolver: DarwinResolver, key: 'timeout' | 'order', value: string): void {
  const number = readInteger(value)
  if (number !== undefined) resolver[key] = number
}

function readInteger(value: string): number | undefined {
  return /^-?\d+$/.test(value) ? Number(value) : undefined
}

/** Splits `0x00020002 (Reachable,Directly Reachable Address)` into the number and the words. */
function stripHexPrefix(value: string): { hex?: number; words: string } {
  const match = /^0x([0-9a-fA-F]+)(?:\s*\((.*)\))?$/.exec(value)
  if (match === null) return { words: value }
  return { hex: parseInt(match[1] as string, 16), words: (match[2] ?? '').trim() }
}

function splitWords(words: string): string[] {
  return words
    .split(',')
    .map((word) => word.trim())
    .filter((word) => word !== '')
}

function readReachableWords(words: string): boolean | undefined {
  const list = splitWords(words)
  if (list.includes('Not Reachable')) return false
  if (list.includes('Reachable')) return true
  return undefined
}

// The keyword table of dnsinfo_flatfile.c with its per-file limits (MAXNS is 3).
const FILE_KEYWORDS: Readonly<Record<string, number>> = {
  domain: 1,
  flags: 1,
  interface: 1,
  nameserver: 3,
  options: 1,
  port: 1,
  search: 1,
  search_order: 1,
  sortlist: 1,
  timeout: 1,
}
const MAX_SEARCH_DOMAINS = 6

/**
 * The resolver configd builds from /etc/resolver/<fileName>, read the way dnsinfo_flatfile.c
 * reads it. Without flags the file gets the system's default A/AAAA flags, unknown here, so
 * `flags` is empty; `interface` gives only ifName because the index comes from if_nametoindex().
 * A per-nameserver port (`10.0.0.17.55`) is dropped from the address. Files have no position, so
 * `index` is 0. configd ignores a file with no keyword it knows; this still returns a resolver,
 * without nameservers, which chooseDarwinResolver never picks.
 */
export function parseResolverFile(fileName: string, text: string): DarwinResolver {
  const resolver: DarwinResolver = { section: 'default', index: 0, searchDomains: [], nameservers: [], flags: [], source: 'resolver-file' }
  const counts = new Map<string, number>()
  for (const rawLine of text.split('\n')) {
    // strsep() on " \t": a leading blank makes the keyword empty, so indented lines are ignored,
    // and two blanks in a row make an empty value.
    const words = rawLine.replace(/\r$/, '').split(/[ \t]/)
    const keyword = (words[0] ?? '').toLowerCase()
    if (keyword === '' || keyword.startsWith('#') || keyword.startsWith(';')) continue
    const limit = FILE_KEYWORDS[keyword]
    const values = words.slice(1)
    if (limit === undefined || values.length === 0) continue
    const count = (counts.get(keyword) ?? 0) + 1
    counts.set(keyword, count)
    if (count > limit) continue
    readFileKeyword(resolver, keyword, values)
  }
  // The file name stands in only when no domain line was counted, even one that trimmed to "".
  if (!counts.has('domain')) resolver.domain = fileName.slice(fileName.lastIndexOf('/') + 1)
  if (resolver.flags.includes('Scoped')) resolver.section = 'scoped'
  return resolver
}

function readFileKeyword(resolver: DarwinResolver, keyword: string, values: string[]): void {
  const first = values[0] as string
  switch (keyword) {
    case 'domain': {
      const domain = first.replace(/\.+$/, '')
      if (domain !== '') resolver.domain = domain
      break
    }
    case 'nameserver': {
      const address = readNameserver(first)
      if (address !== undefined) resolver.nameservers.push(address)
      break
    }
    case 'search':
      for (const word of values.slice(0, MAX_SEARCH_DOMAINS)) {
        const domain = word.replace(/\.+$/, '')
        if (domain !== '') resolver.searchDomains.push(domain)
      }
      break
    case 'options': {
      const options = values.filter((word) => word !== '').join(' ')
      if (options !== '') resolver.options = options
      break
    }
    case 'flags': {
      const flags = readFileFlags(values)
      if (flags.length > 0) resolver.flags = flags
      break
    }
    case 'interface':
      if (first !== '') resolver.ifName = first
      break
    case 'port': {
      const port = readCLong(first)
      if (port > 0 && port <= 65535) resolver.port = port
      break
    }
    case 'search_order': {
      const order = readCLong(first)
      if (order >= 0 && order <= 0xffffffff) resolver.order = order
      break
    }
    case 'timeout': {
      const timeout = readCLong(first)
      if (timeout > 0 && timeout <= 0xffffffff) resolver.timeout = timeout
      break
    }
  }
}

function readNameserver(word: string): string | undefined {
  if (isIP(word) !== 0) return word
  // "10.0.0.17.55" means port 55 on 10.0.0.17.
  const dot = word.lastIndexOf('.')
  if (dot <= 0 || !/^\d+$/.test(word.slice(dot + 1)) || Number(word.slice(dot + 1)) > 65535) return undefined
  const address = word.slice(0, dot)
  return isIP(address) !== 0 ? address : undefined
}

function readFileFlags(words: string[]): string[] {
  const flags = new Set<string>()
  for (const word of words.map((value) => value.toLowerCase())) {
    if (word === 'scoped') flags.add('Scoped')
    else if (word === 'a') flags.add('Request A records')
    else if (word === 'aaaa') flags.add('Request AAAA records')
  }
  // In the order scutil prints them.
  return ['Scoped', 'Request A records', 'Request AAAA records'].filter((flag) => flags.has(flag))
}

/** strtol(word, NULL, 0): leading digits in base 16 (0x), 8 (leading 0) or 10; 0 when there are none. */
function readCLong(word: string): number {
  const match = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(word)
  if (match === null) return 0
  const digits = match[2] as string
  const base = /^0[xX]/.test(digits) ? 16 : digits.startsWith('0') ? 8 : 10
  const value = parseInt(base === 16 ? digits.slice(2) : digits, base)
  return match[1] === '-' ? -value : value
}

/**
 * The resolver mDNSResponder uses for an unscoped query of `host`, following
 * _mdns_dns_service_manager_get_service() (mdns_dns_service.c): among default-section resolvers
 * that have a nameserver, are not mDNS and not on port 5353, the one whose domain matches the
 * most labels of the host wins, a domainless resolver matching everything with 0 labels; equal
 * matches go to the lower order (absent is 0), then to the one listed first. A host under an
 * mdns resolver's domain (`local`, 254.169.in-addr.arpa, ...) goes to multicast DNS unless a
 * longer unicast domain matches. Undefined when no resolver can answer.
 */
export function chooseDarwinResolver(resolvers: DarwinResolver[], host: string): DarwinResolverChoice | undefined {
  const name = normalizeDomain(host)
  let best: { resolver: DarwinResolver; labels: number; order: number; rival?: DarwinResolver } | undefined
  let multicast: { resolver: DarwinResolver; labels: number } | undefined
  for (const resolver of resolvers) {
    if (resolver.section !== 'default') continue
    const domain = normalizeDomain(resolver.domain ?? '')
    if (!domainContains(domain, name)) continue
    const labels = countLabels(domain)
    if (isMulticast(resolver)) {
      if (domain !== '' && (multicast === undefined || labels > multicast.labels)) multicast = { resolver, labels }
      continue
    }
    if (resolver.nameservers.length === 0 || resolver.port === MDNS_PORT) continue
    const order = resolver.order ?? 0
    if (best === undefined || labels > best.labels) {
      best = { resolver, labels, order }
    } else if (labels === best.labels && order < best.order) {
      best = { resolver, labels, order, rival: best.resolver }
    } else if (labels === best.labels && best.rival === undefined) {
      best.rival = resolver
    }
  }
  if (multicast !== undefined && (best === undefined || multicast.labels >= best.labels)) {
    const domain = normalizeDomain(multicast.resolver.domain ?? '')
    return {
      resolver: multicast.resolver,
      matchedDomain: domain,
      why: `${describe(multicast.resolver)} is the mdns resolver for "${domain}", so ${name} is looked up with multicast DNS, not a DNS server`,
    }
  }
  if (best === undefined) return undefined
  const domain = normalizeDomain(best.resolver.domain ?? '')
  const tie = best.rival !== undefined ? `; it comes before ${describe(best.rival)}, which matches as well, by ${tieReason(best.resolver, best.rival)}` : ''
  const reach = best.resolver.reachable === false ? '; macOS marks it Not Reachable' : ''
  if (domain === '') {
    return { resolver: best.resolver, why: `no resolver domain matches ${name}, so the default, ${describe(best.resolver)}, answers${tie}${reach}` }
  }
  return {
    resolver: best.resolver,
    matchedDomain: domain,
    why: `${describe(best.resolver)} has the longest matching domain "${domain}" for ${name}${tie}${reach}`,
  }
}

function isMulticast(resolver: DarwinResolver): boolean {
  return (resolver.options ?? '').split(/\s+/).includes('mdns')
}

/** Lower case without trailing dots, as DNS compares names. */
function normalizeDomain(domain: string): string {
  return domain.trim().replace(/\.+$/, '').toLowerCase()
}

function domainContains(domain: string, name: string): boolean {
  return domain === '' || name === domain || name.endsWith(`.${domain}`)
}

function countLabels(domain: string): number {
  return domain === '' ? 0 : domain.split('.').length
}

function describe(resolver: DarwinResolver): string {
  const order = resolver.order !== undefined ? `, order ${resolver.order}` : ''
  const where = resolver.source === 'resolver-file' ? `/etc/resolver file for ${resolver.domain ?? '?'}` : `resolver #${resolver.index}`
  return `${where} (${resolver.nameservers.join(', ') || 'no nameserver'}${order})`
}

function tieReason(winner: DarwinResolver, rival: DarwinResolver): string {
  return (winner.order ?? 0) < (rival.order ?? 0) ? 'its lower order' : 'being listed first with the same order'
}
