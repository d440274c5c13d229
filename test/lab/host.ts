/**
 * The host side of the network lab: bounded commands, the network namespaces and processes this
 * run created, and a teardown that removes exactly those, also when a test fails, the run is
 * interrupted (SIGINT, SIGTERM) or the process exits without running its hooks.
 *
 * Safety: every namespace name starts with this run's prefix (`edl<pid>`), veth pairs are created
 * from one lab namespace straight into another (never in the root namespace), and processes are
 * stopped by the PID this run got when it spawned them, never by name.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Every namespace of this run starts with it; a second run (another pid) cannot collide. */
export const RUN_PREFIX = `edl${process.pid}`

const COMMAND_TIMEOUT_MS = 10_000
const KILL_GRACE_MS = 2_000
const NETNS_ETC = '/etc/netns'
const STALE_NAMESPACE = /^edl(\d+)[a-z]?-[a-z]+$/

/** Runs a command with an argument array and a time bound; throws with its stderr unless `allowFail`. */
export function run(file: string, args: string[], o: { timeoutMs?: number; allowFail?: boolean } = {}): string {
  try {
    return execFileSync(file, args, { timeout: o.timeoutMs ?? COMMAND_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  } catch (error) {
    if (o.allowFail) return ''
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim()
    throw new Error(`${file} ${args.join(' ')} failed: ${stderr || (error as Error).message}`)
  }
}

/** Runs `file args` inside namespace `ns`. */
export function runIn(ns: string, file: string, args: string[], o: { allowFail?: boolean } = {}): string {
  assertOurs(ns)
  return run('ip', ['netns', 'exec', ns, file, ...args], o)
}

function assertOurs(ns: string): void {
  if (!ns.startsWith(`${RUN_PREFIX}`)) throw new Error(`refusing to touch namespace ${ns}: not created by this run (${RUN_PREFIX})`)
}

const namespaces = new Set<string>()
const children = new Map<number, ChildProcess>()
const dirs = new Set<string>()
let hooksInstalled = false

function installHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  // Only synchronous work runs in 'exit': SIGKILL what is left, delete the namespaces.
  process.on('exit', teardownSync)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      teardownSync()
      process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 129)
    })
  }
}

/** Creates namespace `name` (which must carry RUN_PREFIX) with its loopback up. */
export function addNamespace(name: string): void {
  assertOurs(name)
  installHooks()
  run('ip', ['netns', 'add', name])
  namespaces.add(name)
  run('ip', ['-n', name, 'link', 'set', 'lo', 'up'])
  // New namespaces start with rp_filter 0 on this kernel; say so explicitly: asymmetric paths are the point.
  runIn(name, 'sysctl', ['-q', '-w', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0'])
}

let createdNetnsEtc = false

/** Creates /etc/netns/<ns>, the files `ip netns exec` bind-mounts over /etc (resolv.conf); removed at teardown. */
export function makeNetnsEtcDir(ns: string): string {
  assertOurs(ns)
  installHooks()
  if (!existsSync(NETNS_ETC)) createdNetnsEtc = true
  const dir = join(NETNS_ETC, ns)
  mkdirSync(dir, { recursive: true })
  dirs.add(dir)
  return dir
}

/** A process this run started, stopped by its PID. */
export interface LabProcess {
  pid: number
  child: ChildProcess
  /** stderr so far (the last 4 kB). */
  stderr(): string
  stop(): Promise<void>
}

/**
 * Spawns `file args` inside `ns` (ip netns exec replaces itself with the command, so the PID is the
 * command's). Resolves when `readyLine` appears on stdout, or at once without one; at most `timeoutMs`.
 */
export async function spawnIn(ns: string, file: string, args: string[], o: { readyLine?: string; timeoutMs?: number } = {}): Promise<LabProcess> {
  assertOurs(ns)
  installHooks()
  // stdin stays a pipe: the lab's own scripts exit when it closes, i.e. when this process dies.
  const child = spawn('ip', ['netns', 'exec', ns, file, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))
  if (child.pid === undefined) throw await spawnError
  const pid = child.pid
  children.set(pid, child)
  let stderr = ''
  let stdout = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)))
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-4000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  void exited.then(() => children.delete(pid))

  let stopping: Promise<void> | undefined
  const proc: LabProcess = {
    pid,
    child,
    stderr: () => stderr,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        killPid(pid, 'SIGTERM')
        const gone = await Promise.race([exited.then(() => true), sleep(KILL_GRACE_MS).then(() => false)])
        if (!gone) {
          killPid(pid, 'SIGKILL')
          await Promise.race([exited, sleep(KILL_GRACE_MS)])
        }
        children.delete(pid)
      })()),
  }

  if (o.readyLine) {
    const timeoutMs = o.timeoutMs ?? 10_000
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      const check = () => {
        if (stdout.includes(o.readyLine!)) {
          clearTimeout(timer)
          child.stdout?.off('data', check)
          resolve(true)
        }
      }
      child.stdout?.on('data', check)
      child.once('exit', () => {
        clearTimeout(timer)
        resolve(false)
      })
      check()
    })
    if (!ready) {
      await proc.stop()
      throw new Error(`${file} in ${ns} did not get ready within ${timeoutMs} ms: ${stderr.trim() || stdout.trim() || 'no output'}`)
    }
  }
  return proc
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // ESRCH: already gone.
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `probe` every `everyMs` until it returns true; false after `timeoutMs`. */
export async function waitFor(probe: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await probe()) return true
    if (Date.now() >= deadline) return false
    await sleep(everyMs)
  }
}

/** PIDs of processes still inside `ns` (ours: only this run puts processes there). */
function pidsIn(ns: string): number[] {
  return run('ip', ['netns', 'pids', ns], { allowFail: true })
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 1 && n !== process.pid)
}

function deleteNamespaceSync(ns: string): void {
  for (const pid of pidsIn(ns)) killPid(pid, 'SIGKILL')
  run('ip', ['netns', 'del', ns], { allowFail: true })
  rmSync(join(NETNS_ETC, ns), { recursive: true, force: true })
}

/** Stops every process (SIGTERM, then SIGKILL) and deletes every namespace and directory of this run. */
export async function teardown(): Promise<void> {
  await Promise.all(
    [...children.keys()].map(async (pid) => {
      killPid(pid, 'SIGTERM')
      await waitFor(() => !children.has(pid), KILL_GRACE_MS)
      killPid(pid, 'SIGKILL')
    }),
  )
  teardownSync()
}

/** The synchronous fallback ('exit', signals): SIGKILL by PID, then delete namespaces and files. */
export function teardownSync(): void {
  for (const pid of children.keys()) killPid(pid, 'SIGKILL')
  children.clear()
  for (const ns of namespaces) deleteNamespaceSync(ns)
  namespaces.clear()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  dirs.clear()
  if (createdNetnsEtc) {
    try {
      // Only if empty: another tool may have put its own namespace files there meanwhile.
      rmdirSync(NETNS_ETC)
    } catch {
      // not empty, or already gone
    }
  }
}

/** Deletes one namespace of this run now (its processes first). */
export function removeNamespace(ns: string): void {
  assertOurs(ns)
  deleteNamespaceSync(ns)
  namespaces.delete(ns)
}

/** A temp directory named after this run (edl<pid>-…), removed at teardown, or by the next run if this one is killed. */
export function makeLabDir(): string {
  installHooks()
  const dir = mkdtempSync(join(tmpdir(), `${RUN_PREFIX}-`))
  dirs.add(dir)
  return dir
}

/**
 * Removes what an earlier lab run left behind when it was killed outright (SIGKILL skips every
 * hook): namespaces named edl<pid>… (and their processes) and temp directories edl<pid>-…, whose
 * pid no longer runs. Returns what it removed.
 */
export function removeLeftovers(): string[] {
  const removed: string[] = []
  for (const entry of readdirSync(tmpdir())) {
    const m = /^edl(\d+)-[A-Za-z0-9]{6}$/.exec(entry)
    if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue
    killRecordedHostProcesses(join(tmpdir(), entry))
    rmSync(join(tmpdir(), entry), { recursive: true, force: true })
    removed.push(join(tmpdir(), entry))
  }
  const listed = run('ip', ['netns', 'list'], { allowFail: true })
  for (const line of listed.split('\n')) {
    const name = line.split(/\s+/)[0] ?? ''
    const m = STALE_NAMESPACE.exec(name)
    if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue
    deleteNamespaceSync(name)
    removed.push(name)
  }
  return removed
}

const HOST_PIDS_FILE = 'host-pids'

/**
 * Records a process this run started outside the lab namespaces (moto_server), so that the next
 * run can stop it if this one is killed outright. `command` must appear in its command line.
 */
export function recordHostProcess(labDir: string, pid: number, command: string): void {
  appendFileSync(join(labDir, HOST_PIDS_FILE), `${pid} ${command}\n`)
}

function killRecordedHostProcesses(labDir: string): void {
  let listed = ''
  try {
    listed = readFileSync(join(labDir, HOST_PIDS_FILE), 'utf8')
  } catch {
    return
  }
  for (const line of listed.split('\n')) {
    const [pid, command] = line.split(' ')
    if (!pid || !command) continue
    let cmdline = ''
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    } catch {
      continue
    }
    // The pid may have been reused since: only a process running that command is ours.
    if (cmdline.includes(command)) {
      try {
        process.kill(-Number(pid), 'SIGKILL')
      } catch {
        killPid(Number(pid), 'SIGKILL')
      }
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
