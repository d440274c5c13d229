/**
 * The one shape the per-OS route parsers (route-linux, route-darwin, route-windows) return, so the
 * routing probe compares an egress route without knowing which tool produced it.
 */

/** The egress route the OS picked for one destination. */
export interface RouteLookup {
  /** The IP asked about. */
  destination: string
  /** False when the OS has no usable route (none at all, or a reject route). */
  ok: boolean
  /** Egress interface, e.g. tailscale0, utun4, en0, eth0, Ethernet. */
  interface?: string
  /** Next hop; absent for on-link and interface (point-to-point) routes. */
  gateway?: string
  /** Preferred source address when the tool says it. */
  source?: string
  /** Linux policy table when not main (e.g. "52", "local"). */
  table?: string
  /** unicast | local | unreachable | blackhole | prohibit | throw. */
  type?: string
  /** The matched route's prefix as a CIDR, when the tool says it. */
  matched?: string
  /** The tool's own error line, e.g. "RTNETLINK answers: Network is unreachable". */
  error?: string
}
