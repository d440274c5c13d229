/**
 * Parses `wg show all dump` and `wg show <interface> dump` (wireguard-tools `dump_print()` in
 * src/show.c), finds the peer whose allowed IPs carry an address, and ages its handshake.
 *
 * Format, all fields tab-separated, one line each:
 * - interface: `[name] private-key public-key listen-port fwmark`; fwmark is `off` or `0x<hex>`.
 * - peer: `[name] public-key preshared-key endpoint allowed-ips latest-handshake rx tx keepalive`.
 * - `all` prefixes every line with the interface name, `<interface>` does not, so the column count
 *   alone (5/9 versus 4/8) tells the two apart and no line has to be guessed.
 * - `(none)` stands for a missing key, endpoint or allowed-ips list; latest-handshake is unix
 *   seconds and 0 when there never was one; keepalive is seconds or `off`.
 * - The dump prints the private key and the preshared keys in clear (the pretty `wg show` masks
 *   them as `(hidden)`); they are secrets, so this parser reads past them and keeps neither.
 */
import { isIP } from 'node:net'
import { cidrContains, isValidCidr } from '../cidr.js'

/**
 * WireGuard's Reject-After-Time (whitepaper section 6.1; `REJECT_AFTER_TIME` in the kernel's
 * messages.h, `RejectAfterTime` in wireguard-go): a session whose handshake is this old no longer
 * encrypts or accepts data, so a peer whose latest handshake is older has no working session.
 */
export const REJECT_AFTER_TIME_SECONDS = 180

/** One peer of a WireGuard interface as the dump lists it; its preshared key is not kept. */
export interface WgPeer {
  publicKey: string
  endpoint?: string
  allowedIps: string[]
  /** Unix seconds of the latest completed handshake; undefined when the dump says 0 (never). */
  latestHandshake?: number
  rxBytes: number
  txBytes: number
  persistentKeepalive?: number
}

/** One WireGuard interface and its peers; its private key is not kept. */
export interface WgInterface {
  name: string
  /** Empty when the interface has no private key yet (the dump prints `(none)`). */
  publicKey: string
  listenPort?: number
  fwmark?: string
  peers: WgPeer[]
}

/** The peer whose allowed IPs cover an address, with the prefix that matched. */
export interface WgPeerMatch {
  iface: WgInterface
  peer: WgPeer
  cidr: string
}

const NONE = '(none)'

/**
 * Reads `wg show all dump` or `wg show <interface> dump`. The second form has no interface
 * column, so its interface is named `o.interface` (empty when not given). Lines that are not dump
 * lines (a shell prompt, an error, a `date` a script printed first) are skipped.
 */
export function parseWgDump(text: string, o: { interface?: string } = {}): WgInterface[] {
  const interfaces: WgInterface[] = []
  const byName = new Map<string, WgInterface>()
  const interfaceNamed = (name: string): WgInterface => {
    let iface = byName.get(name)
    if (iface === undefined) {
      // A peer line can arrive without its interface line when the output was cut.
      iface = { name, publicKey: '', peers: [] }
      byName.set(name, iface)
      interfaces.push(iface)
    }
    return iface
  }

  for (const raw of text.split('\n')) {
    const fields = raw.replace(/\r$/, '').split('\t')
    const withName = fields.length === 5 || fields.length === 9
    if (!withName && fields.length !== 4 && fields.length !== 8) continue
    const name = withName ? (fields.shift() as string) : (o.interface ?? '')
    if (fields.length === 4) {
      const parsed = readInterfaceLine(fields)
      if (parsed === undefined) continue
      Object.assign(interfaceNamed(name), parsed)
    } else {
      const peer = readPeerLine(fields)
      if (peer !== undefined) interfaceNamed(name).peers.push(peer)
    }
  }
  return interfaces
}

/**
 * The peer whose allowed IPs contain `ip` with the longest prefix, the way WireGuard's
 * cryptokey routing picks it. Equal prefixes on two interfaces go to the one listed first; which
 * interface the kernel really uses is the routing table's business, not the dump's.
 */
export function peerForIp(interfaces: WgInterface[], ip: string): WgPeerMatch | undefined {
  const address = ip.trim().replace(/^\[(.*)\]$/, '$1')
  const family = isIP(address)
  if (family === 0) return undefined
  let best: WgPeerMatch | undefined
  let bestLength = -1
  for (const iface of interfaces) {
    for (const peer of iface.peers) {
      for (const cidr of peer.allowedIps) {
        const [prefix = '', len = ''] = cidr.split('/')
        // BlockList maps IPv4 into ::ffff:0:0/96, so ::/0 would otherwise "cover" 10.0.0.1;
        // WireGuard keeps the two families in separate tries.
        if (isIP(prefix) !== family || !isValidCidr(cidr) || !cidrContains(cidr, address)) continue
        const length = Number(len)
        if (length > bestLength) {
          best = { iface, peer, cidr }
          bestLength = length
        }
      }
    }
  }
  return best
}

/** Seconds since the peer's latest handshake; undefined when it never had one. Never negative. */
export function handshakeAgeSeconds(peer: WgPeer, nowMs: number): number | undefined {
  if (peer.latestHandshake === undefined || !Number.isFinite(nowMs)) return undefined
  // A clock that stepped back would otherwise report a handshake from the future.
  return Math.max(0, Math.floor(nowMs / 1000) - peer.latestHandshake)
}

/**
 * True when the peer has no usable session: it never completed a handshake (or its age cannot be
 * computed), or the latest one is at least REJECT_AFTER_TIME_SECONDS old (the kernel's
 * `wg_birthdate_has_expired` uses >=).
 * An idle tunnel without persistent keepalive is also "stale" by this test until traffic
 * triggers a new handshake, so read it after sending something through the tunnel.
 */
export function isHandshakeStale(peer: WgPeer, nowMs: number): boolean {
  const age = handshakeAgeSeconds(peer, nowMs)
  return age === undefined || age >= REJECT_AFTER_TIME_SECONDS
}

function readInterfaceLine(fields: string[]): Omit<WgInterface, 'name' | 'peers'> | undefined {
  // fields[0] is the private key: deliberately never read.
  const [, publicKey, listenPort, fwmark] = fields as [string, string, string, string]
  const port = readCount(listenPort)
  if (port === undefined) return undefined
  const parsed: Omit<WgInterface, 'name' | 'peers'> = { publicKey: publicKey === NONE ? '' : publicKey }
  // 0 is what an interface that is not listening reports.
  if (port > 0) parsed.listenPort = port
  if (fwmark !== 'off' && fwmark !== '') parsed.fwmark = fwmark
  return parsed
}

function readPeerLine(fields: string[]): WgPeer | undefined {
  // fields[1] is the preshared key: deliberately never read.
  const [publicKey, , endpoint, allowedIps, handshake, rx, tx, keepalive] = fields as [
    string, string, string, string, string, string, string, string,
  ]
  const latestHandshake = readCount(handshake)
  const rxBytes = readCount(rx)
  const txBytes = readCount(tx)
  if (publicKey === '' || latestHandshake === undefined || rxBytes === undefined || txBytes === undefined) {
    return undefined
  }
  const peer: WgPeer = {
    publicKey,
    allowedIps: allowedIps === NONE || allowedIps === '' ? [] : allowedIps.split(','),
    rxBytes,
    txBytes,
  }
  if (endpoint !== NONE && endpoint !== '') peer.endpoint = endpoint
  if (latestHandshake > 0) peer.latestHandshake = latestHandshake
  const interval = readCount(keepalive)
  if (interval !== undefined && interval > 0) peer.persistentKeepalive = interval
  return peer
}

function readCount(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined
}
