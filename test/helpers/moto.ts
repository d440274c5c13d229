/**
 * moto_server (the AWS emulator) on loopback, one per test file: a free port, its own process
 * group, bounded start and stop, and an 'exit' hook so a crashed run never leaves it behind.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

/** A running moto_server. */
export interface Moto {
  /** `http://127.0.0.1:<port>`: pass it as `endpoint` to every SDK client. */
  url: string
  port: number
  /** PID of moto_server, which is also its process group id. */
  pid: number
  /** Forget every resource in every region and account (POST /moto-api/reset). */
  reset(): Promise<void>
  /** Kill the process group (SIGTERM, SIGKILL after 2 s) and wait for it to exit. Idempotent. */
  stop(): Promise<void>
}

const START_TIMEOUT_MS = 30_000
const POLL_MS = 100
const KILL_GRACE_MS = 2_000
const STDERR_TAIL = 4_000
const PORT_ATTEMPTS = 3

/** Static, obviously fake credentials: moto accepts any. */
export const MOTO_ACCESS_KEY_ID = 'AKIDMOTOLOOPBACK0000'
export const MOTO_SECRET_ACCESS_KEY = 'motoLoopbackOnlySecretKey/0123456789abcdef'

const live = new Set<number>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Only synchronous work is possible here: SIGKILL every group still alive.
  process.on('exit', () => {
    for (const pid of live) killGroup(pid, 'SIGKILL')
  })
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // ESRCH: already gone.
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))))
    })
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolve when the child has exited, or after `ms` (false). */
function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit)
      resolve(false)
    }, ms)
    const onExit = () => {
      clearTimeout(timer)
      resolve(true)
    }
    child.once('exit', onExit)
  })
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1_000) })
    await res.arrayBuffer()
    return true
  } catch {
    return false
  }
}

async function launch(port: number): Promise<Moto> {
  const url = `http://127.0.0.1:${port}`
  // Own process group (detached) so stop() reaches python behind the pyenv shim as well.
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
  })
  // moto logs every request on stderr: keep draining it, or the pipe fills and moto blocks.
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL)
  })
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))
  const pid = child.pid
  if (pid === undefined) throw await spawnError
  live.add(pid)
  installExitHook()
  // A forgotten stop() must not keep the test process alive; the exit hook still kills moto.
  child.unref()
  ;(child.stderr as unknown as { unref?: () => void } | null)?.unref?.()

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      killGroup(pid, 'SIGTERM')
      if (!(await waitExit(child, KILL_GRACE_MS))) {
        killGroup(pid, 'SIGKILL')
        await waitExit(child, KILL_GRACE_MS)
      }
      // Anything left in the group (a stray grandchild) goes too.
      killGroup(pid, 'SIGKILL')
      live.delete(pid)
    })())

  const deadline = Date.now() + START_TIMEOUT_MS
  let exited = false
  child.once('exit', () => (exited = true))
  for (;;) {
    if (exited) {
      live.delete(pid)
      throw new Error(`moto_server exited before answering on ${url} (exit ${child.exitCode ?? child.signalCode}):\n${stderr}`)
    }
    if (await answers(url)) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`moto_server did not answer on ${url} within ${START_TIMEOUT_MS} ms:\n${stderr}`)
    }
    await sleep(POLL_MS)
  }

  return {
    url,
    port,
    pid,
    async reset() {
      const res = await fetch(`${url}/moto-api/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) })
      const body = await res.text()
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status} ${body}`)
    },
    stop,
  }
}

/** Start moto_server on a free loopback port and wait (at most 30 s) until it answers HTTP. */
export async function startMoto(): Promise<Moto> {
  let lastError: unknown
  // The port is free when we look, but another process may take it before moto binds: retry.
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    try {
      return await launch(await freePort())
    } catch (error) {
      lastError = error
      if (!/exited before answering/.test(String(error))) break
    }
  }
  throw lastError
}

/**
 * Environment that points the AWS SDK and the aws CLI at moto for EC2, STS and IAM. EKS is left
 * alone on purpose: the fake EKS serves it (AWS_ENDPOINT_URL_EKS, set by the caller in `extra`).
 */
export function motoEnv(moto: Pick<Moto, 'url'>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_EC2: moto.url,
    AWS_ENDPOINT_URL_STS: moto.url,
    AWS_ENDPOINT_URL_IAM: moto.url,
    AWS_ACCESS_KEY_ID: MOTO_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: MOTO_SECRET_ACCESS_KEY,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  }
}
