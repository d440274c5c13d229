/**
 * Parses systemd-resolved's own view of DNS on Linux, where /etc/resolv.conf only shows the stub
 * 127.0.0.53: `resolvectl status` (and `systemd-resolve --status`, same layout), `resolvectl query
 * <host>`, and whether a resolv.conf points at the stub. routeQuery() then predicts which links a
 * query is sent to, following systemd-resolved(8) "Protocols and Routing" and
 * dns_scope_good_domain() in src/resolve/resolved-dns-scope.c.
 *
 * Layouts seen in the recorded outputs (test/fixtures/resolvectl):
 * - systemd 245 and older: one `… setting:` line per setting (`DefaultRoute setting: yes`,
 *   `DNSOverTLS setting: no`, `DNSSEC setting: no`), list values one per line on indented
 *   continuation lines, every value space-padded to the widest one of its block. 239 and older
 *   have no DefaultRoute line at all.
 * - Later (255 recorded; the table layout appears between 245 and 247): `Protocols: +DefaultRoute
 *   -LLMNR -mDNS -DNSOverTLS DNSSEC=no/unsupported`, lists wrapped several to a line,
 *   `resolv.conf mode:` in Global. 257 adds a `Default Route: yes` line, 258 `Delegate …` blocks.
 * - Labels are right-aligned per block, so the label column moves between blocks; nothing here
 *   relies on columns.
 * - Servers may carry `#name` (DNS-over-TLS server name), `:port` (`[v6]:port` for IPv6) and,
 *   since systemd PR #40595 (2026), `%ifindex` on link-local addresses. They are returned as bare
 *   addresses: the name, port and ifindex are not needed to match or query them from the link.
 * - On a terminal resolvectl wraps headers and addresses in ANSI colour codes; they are removed.
 */
import { isIP } from 'node:net'
import { parseResolvConf } from './resolv-conf.js'

/** One `Link N (ifname)` block of `resolvectl status`. */
export interface ResolvedLink {
  ifIndex?: number
  ifName: string
  scopes: string[]
  defaultRoute?: boolean
  currentServer?: string
  servers: string[]
  domains: { name: string; routingOnly: boolean }[]
  dnsOverTls?: string
  dnssec?: string
}

/** The `Global` block and every link block of `resolvectl status`. */
export interface ResolvedStatus {
  global: Omit<ResolvedLink, 'ifIndex' | 'ifName'> & { resolvConfMode?: string; fallbackServers: string[] }
  links: ResolvedLink[]
}

/** A parsed `resolvectl query <host>`: the addresses with the link each came from, or the error line. */
export type ResolvectlQueryResult =
  | { ok: true; addresses: { address: string; link?: string }[]; protocolNote?: string }
  | { ok: false; error: string }

/** The links routeQuery() expects a query to go to, the winning domain (`.` for `~.`) and why. */
export interface ResolvedRoute {
  links: ResolvedLink[]
  matchedDomain?: string
  why: string
}

type GlobalBlock = ResolvedStatus['global']
type Block = { kind: 'global'; data: GlobalBlock } | { kind: 'link'; data: ResolvedLink } | { kind: 'ignored' }

// ESC [ … final byte: the colour sequences resolvectl writes on a terminal.
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]/g
const LINK_HEADER = /^Link (\d+) \((.*)\)$/
// Labels are words of letters (`resolv.conf mode`, `DNSSEC NTA`); values that merely contain a
// colon (IPv6 addresses on continuation lines) never have a colon followed by a blank.
const FIELD_LINE = /^([A-Za-z][A-Za-z./]*(?: [A-Za-z][A-Za-z./]*)*):(?:\s+(.*))?$/
const STUB_ADDRESSES = new Set(['127.0.0.53', '127.0.0.54'])

/** Reads `resolvectl status` output of any systemd version; unknown lines are skipped. */
export function parseResolvectlStatus(text: string): ResolvedStatus {
  const status: ResolvedStatus = { global: emptyGlobal(), links: [] }
  let block: Block = { kind: 'ignored' }
  let field: string | undefined
  // Protocols can wrap over several lines, so its words are read once the whole text is in.
  const protocols = new Map<GlobalBlock | ResolvedLink, string[]>()

  for (const rawLine of text.replace(ANSI_ESCAPE, '').split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === '') {
      field = undefined
      continue
    }
    const header = readHeader(line)
    if (header !== undefined) {
      block = header
      if (header.kind === 'global') status.global = header.data
      if (header.kind === 'link') status.links.push(header.data)
      field = undefined
      continue
    }
    const match = FIELD_LINE.exec(line)
    if (match !== null) {
      field = match[1] as string
      applyField(block, field, splitWords(match[2]), protocols)
    } else if (field !== undefined && /^\s/.test(rawLine)) {
      applyField(block, field, splitWords(line), protocols)
    } else {
      // A prompt, an elision ("...") or other text ends the list a continuation would extend.
      field = undefined
    }
  }

  for (const [target, words] of protocols) applyProtocols(target, words)
  return status
}

/** Reads `resolvectl query <host>` stdout and stderr (in any order); never throws. */
export function parseResolvectlQuery(text: string): ResolvectlQueryResult {
  const addresses: { address: string; link?: string }[] = []
  let protocolNote: string | undefined
  let error: string | undefined

  for (const rawLine of text.replace(ANSI_ESCAPE, '').split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === '') continue
    if (line.startsWith('--')) {
      const note = line.replace(/^--\s*/, '')
      if (protocolNote === undefined && note.startsWith('Information acquired via')) protocolNote = note
      continue
    }
    if (line.startsWith('Failed to')) {
      error ??= line
      continue
    }
    // The first answer line starts with "<name>: "; the others are indented under the first address.
    const named = /^(\S+?):\s+(.*)$/.exec(line)
    const rest = named !== null && !/^\s/.test(rawLine) ? (named[2] as string) : line
    const answer = readAnswer(rest)
    if (answer !== undefined) {
      addresses.push(answer)
    } else if (named !== null && !/^\s/.test(rawLine)) {
      error ??= rest
    }
  }

  if (addresses.length > 0) return { ok: true, addresses, ...(protocolNote !== undefined ? { protocolNote } : {}) }
  return { ok: false, error: error ?? 'resolvectl query printed no address' }
}

/**
 * Whether a resolv.conf sends programs that read it (Go's resolver, dig) to systemd-resolved's
 * stub, so that its per-link routing applies. The first nameserver decides, as glibc and Go ask it
 * first; only a file without nameservers falls back to resolved's stub header. resolved's uplink
 * file (/run/systemd/resolve/resolv.conf) is written by resolved too but lists the upstream
 * servers, which bypasses the per-link routing: that is not the stub.
 */
export function isResolvedStub(resolvConfText: string): boolean {
  const first = parseResolvConf(resolvConfText).nameservers[0]
  if (first !== undefined) return STUB_ADDRESSES.has(first)
  const comments = resolvConfText
    .split(/\r?\n/)
    .filter((line) => /^\s*[#;]/.test(line))
    .join('\n')
  // Both the stub file's and the static file's header mention the stub; the uplink file's does not.
  return /systemd-resolved/.test(comments) && /\bstub\b/.test(comments)
}

/**
 * Which links systemd-resolved sends a unicast DNS query for `host` to (systemd >= 240 rules).
 *
 * Every link with a DNS scope and servers, and the global scope, is scored by the longest of its
 * search or routing-only domains that equals the name or is a suffix of it (`~.` matches every
 * name with zero labels); the query goes to all scopes sharing the best score. With no match it
 * goes to the links whose DefaultRoute is on, plus the global servers; the fallback servers only
 * when nothing else can take it. `.local` names go to multicast DNS unless a DNS domain longer than
 * `~.` matches. Not modelled: single-label names (LLMNR and search-domain expansion), reverse
 * lookups, DNS delegates (258), and the LLMNR/mDNS settings beyond the scopes listed.
 */
export function routeQuery(status: ResolvedStatus, host: string): ResolvedRoute {
  const name = host.trim().toLowerCase().replace(/\.$/, '')
  if (name === '') return { links: [], why: 'no host name was given' }
  if (isLocalhost(name)) {
    return { links: [], why: `${name} is answered by systemd-resolved itself (localhost is never sent to a DNS server)` }
  }
  if (name === 'invalid' || name.endsWith('.invalid')) {
    return { links: [], why: `${name} is under .invalid, which systemd-resolved never resolves (RFC 6761)` }
  }
  if (!name.includes('.')) {
    return {
      links: [],
      why: `${name} is a single-label name: systemd-resolved sends it to LLMNR and tries it with search domains appended, and only sends it to DNS as is with ResolveUnicastSingleLabel=yes; that is not modelled here`,
    }
  }

  const globalServers = pickGlobalServers(status)
  const scopes: Scope[] = [
    ...status.links.filter(hasDnsScope).map((link): Scope => ({ link, servers: link.servers, domains: link.domains })),
    ...(globalServers.servers.length > 0
      ? [{ servers: globalServers.servers, domains: status.global.domains, fallback: globalServers.fallback }]
      : []),
  ]
  const legacy = legacyNote(status)

  let best: { labels: number; domain: string } | undefined
  const scored = scopes.map((scope) => {
    const match = bestDomainMatch(name, scope.domains)
    if (match !== undefined && (best === undefined || match.labels > best.labels)) best = match
    return { scope, match }
  })

  // The mDNS scope claims .local names with one label matched (resolved-dns-scope.c), so it beats
  // `~.` and ties with a DNS domain `local`; only a longer DNS domain keeps them on unicast DNS.
  const isLocal = name.endsWith('.local')
  const mdnsLinks = isLocal ? status.links.filter((link) => link.scopes.some((scope) => scope.startsWith('mDNS/'))) : []
  const mdnsWho = mdnsLinks.map((link) => link.ifName).join(', ')
  if (mdnsLinks.length > 0 && (best === undefined || best.labels < 1)) {
    return { links: [], why: `${name} is a .local name and ${mdnsWho} ${mdnsLinks.length > 1 ? 'have' : 'has'} an mDNS scope, so it is resolved with multicast DNS, not sent to a DNS server` }
  }

  if (best !== undefined) {
    const winner = best
    const chosen = scored.filter((entry) => entry.match?.labels === winner.labels).map((entry) => entry.scope)
    const links = chosen.flatMap((scope) => (scope.link !== undefined ? [scope.link] : []))
    const who = describeScopes(chosen)
    const shown = winner.domain === '.' ? '~.' : winner.domain
    const why =
      winner.domain === '.'
        ? `no longer domain matches ${name}, so the catch-all routing domain ~. sends it to ${who}`
        : `${who} ${chosen.length > 1 ? 'share' : 'has'} the longest matching domain ${shown} (${winner.labels} label${winner.labels === 1 ? '' : 's'}) for ${name}, so only ${chosen.length > 1 ? 'their' : 'its'} servers are asked`
    const mdns = mdnsLinks.length > 0 && winner.labels === 1 ? `; multicast DNS on ${mdnsWho} is asked too, as it matches .local equally` : ''
    return { links, matchedDomain: winner.domain, why: why + parallelNote(chosen) + mdns + legacy }
  }

  if (isLocal) {
    return {
      links: [],
      why: `no link has a domain matching ${name}, and .local names are then resolved with multicast DNS, not sent to a DNS server`,
    }
  }

  const defaultLinks = scopes.flatMap((scope) => (scope.link !== undefined && isDefaultRoute(scope.link) ? [scope.link] : []))
  const useGlobal = globalServers.servers.length > 0 && (!globalServers.fallback || defaultLinks.length === 0)
  const chosen: Scope[] = [
    ...defaultLinks.map((link): Scope => ({ link, servers: link.servers, domains: link.domains })),
    ...(useGlobal ? [{ servers: globalServers.servers, domains: status.global.domains, fallback: globalServers.fallback }] : []),
  ]
  if (chosen.length === 0) {
    return {
      links: [],
      why: `no domain matches ${name} and no link with DNS servers is a DNS default route, so systemd-resolved fails the query ("No appropriate name servers or networks for name found")${legacy}`,
    }
  }
  const who = describeScopes(chosen)
  const why =
    defaultLinks.length === 0
      ? `no domain matches ${name} and no link is a DNS default route, so ${who} ${globalServers.fallback ? 'is used as the last resort' : 'answers'}`
      : `no domain matches ${name}, so it goes to the DNS default route${chosen.length > 1 ? 's' : ''}: ${who}`
  return { links: defaultLinks, why: why + parallelNote(chosen) + legacy }
}

interface Scope {
  link?: ResolvedLink
  servers: string[]
  domains: { name: string; routingOnly: boolean }[]
  fallback?: boolean
}

function emptyGlobal(): GlobalBlock {
  return { scopes: [], servers: [], domains: [], fallbackServers: [] }
}

function readHeader(line: string): Block | undefined {
  if (line === 'Global') return { kind: 'global', data: emptyGlobal() }
  const link = LINK_HEADER.exec(line)
  if (link !== null) {
    return { kind: 'link', data: { ifIndex: Number(link[1]), ifName: link[2] as string, scopes: [], servers: [], domains: [] } }
  }
  // Delegates (systemd 258) are routing scopes without a link; their lines must not land on the
  // link printed before them.
  if (/^Delegate \S+$/.test(line)) return { kind: 'ignored' }
  return undefined
}

function applyField(block: Block, label: string, words: string[], protocols: Map<GlobalBlock | ResolvedLink, string[]>): void {
  if (block.kind === 'ignored') return
  const target: GlobalBlock | ResolvedLink = block.data
  switch (label) {
    case 'Current Scopes':
      target.scopes.push(...words.filter((word) => word !== 'none'))
      break
    case 'Protocols': {
      const list = protocols.get(target) ?? []
      list.push(...words)
      protocols.set(target, list)
      break
    }
    case 'DefaultRoute setting':
    case 'Default Route': {
      const value = readYesNo(words[0])
      if (value !== undefined) target.defaultRoute = value
      break
    }
    case 'DNSOverTLS setting':
      if (words[0] !== undefined) target.dnsOverTls = words[0]
      break
    case 'DNSSEC setting':
      if (words[0] !== undefined) target.dnssec = words[0]
      break
    case 'Current DNS Server':
      if (words[0] !== undefined) target.currentServer = bareServer(words[0])
      break
    case 'DNS Servers':
      target.servers.push(...words.map(bareServer))
      break
    case 'Fallback DNS Servers':
      if (block.kind === 'global') block.data.fallbackServers.push(...words.map(bareServer))
      break
    case 'DNS Domain':
      target.domains.push(...words.map(readDomain))
      break
    case 'resolv.conf mode':
      if (block.kind === 'global' && words[0] !== undefined) block.data.resolvConfMode = words[0]
      break
  }
}

// `+DefaultRoute`, `-DNSOverTLS`, `LLMNR=resolve`, `DNSSEC=allow-downgrade/unsupported`: a
// plus or minus is resolvectl's way of printing a boolean mode, anything else is printed as name=value.
function applyProtocols(target: GlobalBlock | ResolvedLink, words: string[]): void {
  for (const word of words) {
    const flag = /^([+-])(\w+)$/.exec(word)
    const pair = /^(\w+)=(.*)$/.exec(word)
    const key = flag?.[2] ?? pair?.[1]
    const value = flag !== null ? (flag[1] === '+' ? 'yes' : 'no') : pair?.[2]
    if (key === undefined || value === undefined) continue
    if (key === 'DefaultRoute' && target.defaultRoute === undefined) target.defaultRoute = value === 'yes'
    if (key === 'DNSOverTLS') target.dnsOverTls = value
    if (key === 'DNSSEC') target.dnssec = value.split('/')[0] as string
  }
}

function splitWords(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter((word) => word !== '')
}

function readYesNo(word: string | undefined): boolean | undefined {
  if (word === 'yes') return true
  if (word === 'no') return false
  return undefined
}

function readDomain(word: string): { name: string; routingOnly: boolean } {
  const routingOnly = word.startsWith('~')
  // DNS names compare case-insensitively (resolvectl prints them as configured, e.g. `EXAMPLE`).
  const name = (routingOnly ? word.slice(1) : word).toLowerCase()
  return { name: name === '' || name === '.' ? '.' : name.replace(/\.$/, ''), routingOnly }
}

/** `1.1.1.1#cloudflare-dns.com`, `[fe80::1%2]:5353`, `10.0.0.1:5353`, `fe80::1%2` → the address. */
function bareServer(word: string): string {
  let server = word.replace(/#.*$/, '')
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(server)
  if (bracketed !== null) server = bracketed[1] as string
  else if (/^[^:]+:\d+$/.test(server)) server = server.replace(/:\d+$/, '')
  const scoped = server.replace(/%[^%]*$/, '')
  return isIP(scoped) === 6 ? scoped : server
}

function readAnswer(text: string): { address: string; link?: string } | undefined {
  const match = /^(\S+)(?:\s+--\s+link:\s+(\S+))?$/.exec(text)
  if (match === null) return undefined
  const address = match[1] as string
  if (isIP(address.replace(/%[^%]*$/, '')) === 0) return undefined
  return match[2] !== undefined ? { address, link: match[2] } : { address }
}

function isLocalhost(name: string): boolean {
  return /(^|\.)localhost(\.localdomain)?$/.test(name)
}

function hasDnsScope(link: ResolvedLink): boolean {
  // dns_scope_good_domain() never routes to a scope without servers; a link whose scopes do not
  // include DNS (e.g. `Current Scopes: none` while its servers are listed) has no unicast scope.
  return link.servers.length > 0 && link.scopes.includes('DNS')
}

/** DefaultRoute as printed, or resolved's own rule when it is not: off if any routing-only domain other than `~.`. */
function isDefaultRoute(link: ResolvedLink): boolean {
  if (link.defaultRoute !== undefined) return link.defaultRoute
  const routingOnly = link.domains.filter((domain) => domain.routingOnly)
  return routingOnly.length === 0 || link.domains.some((domain) => domain.name === '.')
}

function bestDomainMatch(name: string, domains: { name: string }[]): { labels: number; domain: string } | undefined {
  let best: { labels: number; domain: string } | undefined
  for (const { name: domain } of domains) {
    const matches = domain === '.' || name === domain || name.endsWith(`.${domain}`)
    if (!matches) continue
    const labels = domain === '.' ? 0 : domain.split('.').length
    if (best === undefined || labels > best.labels) best = { labels, domain }
  }
  return best
}

// Fallback servers stand in for the global ones only when no global server is configured and no
// DNS default-route link has servers (systemd-resolved(8), 257 and later; before 257: when no link
// has servers at all). From 257 on they are also the last resort (DNS_SCOPE_LAST_RESORT).
function pickGlobalServers(status: ResolvedStatus): { servers: string[]; fallback: boolean } {
  if (status.global.servers.length > 0) return { servers: status.global.servers, fallback: false }
  const linkCanAnswer = status.links.some((link) => link.servers.length > 0 && isDefaultRoute(link))
  if (linkCanAnswer || status.global.fallbackServers.length === 0) return { servers: [], fallback: false }
  return { servers: status.global.fallbackServers, fallback: true }
}

function describeScopes(scopes: Scope[]): string {
  return scopes
    .map((scope) =>
      scope.link !== undefined
        ? `${scope.link.ifName} (${scope.link.servers.join(', ')})`
        : `the ${scope.fallback === true ? 'fallback' : 'global'} DNS servers (${scope.servers.join(', ')})`,
    )
    .join(' and ')
}

function parallelNote(scopes: Scope[]): string {
  return scopes.length > 1 ? '; they are asked in parallel and the first successful answer wins' : ''
}

function legacyNote(status: ResolvedStatus): string {
  const dnsLinks = status.links.filter(hasDnsScope)
  if (dnsLinks.length === 0 || dnsLinks.some((link) => link.defaultRoute !== undefined)) return ''
  return ' (no DefaultRoute is printed, so this is systemd 239 or older, which sends a query to every link with a matching domain, not only the longest match)'
}
