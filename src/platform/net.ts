/** A bounded TCP connect that reports why it failed instead of throwing. */
import { connect as netConnect } from 'node:net'
import type { ConnectResult, NetApi } from './env.js'
import { errorCode, errorMessage, tcpFailureCode } from './errors.js'

export function connectTcp(ip: string, port: number, o: { timeoutMs: number; signal?: AbortSignal }): Promise<ConnectResult> {
  const started = performance.now()
  return new Promise((resolve) => {
    const socket = netConnect({ host: ip, port })
    let settled = false
    const finish = (result: Omit<ConnectResult, 'ms'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      o.signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve({ ...result, ms: Math.round(performance.now() - started) })
    }
    // A dropped SYN would otherwise wait for the OS's 75-130 s connect timeout.
    const timer = setTimeout(
      () => finish({ ok: false, code: 'TCP_TIMEOUT', message: `no answer to SYN within ${o.timeoutMs} ms` }),
      o.timeoutMs,
    )
    const onAbort = () => finish({ ok: false, code: 'TCP_TIMEOUT', message: 'cancelled' })
    o.signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => finish({ ok: true, localAddress: socket.localAddress }))
    socket.once('error', (error) =>
      finish({ ok: false, code: tcpFailureCode(errorCode(error)), message: `${errorCode(error) ?? ''} ${errorMessage(error)}`.trim() }),
    )
  })
}

export function createNet(): NetApi {
  return { connect: connectTcp }
}
