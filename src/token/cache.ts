/**
 * The token cache under ~/.kube/cache/eksdoctor/: one 0600 file per cluster, region, profile and
 * role; an entry is used only while it has more than a safety margin of validity left. This file
 * is on kubectl's path for every command, so it imports nothing heavy.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

export const SAFETY_MARGIN_MS = 2 * 60_000

/** What identifies a token: the same four always give the same file. */
export interface TokenKey {
  cluster: string
  region: string
  profile?: string
  roleArn?: string
}

export interface CachedToken {
  token: string
  expiresAt: string
}

export function tokenCacheDir(vars: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(vars.HOME ?? homedir(), '.kube', 'cache', 'eksdoctor')
}

export function tokenCachePath(key: TokenKey, dir: string): string {
  const id = createHash('sha256').update(JSON.stringify([key.cluster, key.region, key.profile ?? '', key.roleArn ?? ''])).digest('hex').slice(0, 32)
  return join(dir, `${id}.json`)
}

export async function readCachedToken(key: TokenKey, dir: string, now = Date.now()): Promise<CachedToken | undefined> {
  try {
    const entry = JSON.parse(await readFile(tokenCachePath(key, dir), 'utf8')) as CachedToken
    if (typeof entry.token !== 'string' || Date.parse(entry.expiresAt) - now <= SAFETY_MARGIN_MS) return undefined
    return entry
  } catch {
    return undefined
  }
}

export async function writeCachedToken(key: TokenKey, dir: string, entry: CachedToken): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const path = tokenCachePath(key, dir)
    const temp = `${path}.${process.pid}.tmp`
    await writeFile(temp, JSON.stringify(entry), { mode: 0o600 })
    await rename(temp, path)
  } catch {
    // A cache that cannot be written only costs the next call some time.
  }
}
