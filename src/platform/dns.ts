/** System lookups (getaddrinfo) and direct questions to one server (c-ares), both bounded. */
import { Resolver, lookup as dnsLookup } from 'node:dns'
import type { DnsApi, LookupResult } from './env.js'
import { dnsFailureCode, errorCode, errorMessage } from './errors.js'

function elapsed(started: number): number {
  return Math.round(performance.now() - started)
}

/** getaddrinfo cannot be cancelled; the race bounds our wait, the thread finishes on its own. */
function systemLookup(host: string, timeoutMs: number): Promise<LookupResult> {
  const started = performance.now()
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve({ ok: false, code: 'DNS_NO_REPLY', message: `no answer within ${timeoutMs} ms`, ms: elapsed(started) }),
      timeoutMs,
    )
    timer.unref()
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => {
      clearTimeout(timer)
      if (error) {
        resolve({ ok: false, code: dnsFailureCode(errorCode(error)), message: errorMessage(error), ms: elapsed(started) })
        return
      }
      resolve({
        ok: true,
        addresses: addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })),
        ms: elapsed(started),
      })
    })
  })
}

async function serverLookup(host: string, server: string, timeoutMs: number): Promise<LookupResult> {
  const started = performance.now()
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 })
  resolver.setServers([server])
  const ask = (fn: 'resolve4' | 'resolve6') =>
    new Promise<string[]>((resolve, reject) => resolver[fn](host, (error, list) => (error ? reject(error) : resolve(list))))
  const [v4, v6] = await Promise.allSettled([ask('resolve4'), ask('resolve6')])
  resolver.cancel()
  const addresses = [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
  ]
  if (addresses.length > 0) return { ok: true, addresses, ms: elapsed(started) }
  const error = v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : undefined
  const code = dnsFailureCode(errorCode(error))
  // NODATA on both families is an empty answer, not a failure to reach the server.
  if (code === 'DNS_NO_ANSWER') return { ok: true, addresses: [], ms: elapsed(started) }
  return { ok: false, code, message: errorMessage(error), ms: elapsed(started) }
}

export function createDns(): DnsApi {
  return {
    lookup: (host, o) => systemLookup(host, o.timeoutMs),
    resolve: (host, server, o) => serverLookup(host, server, o.timeoutMs),
  }
}
