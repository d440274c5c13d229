/** The real world: the only ProbeEnv that touches the machine, the network and AWS. */
import { readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { createAwsClients } from '../aws/clients.js'
import type { Platform, ProbeEnv } from './env.js'
import { cacheDir, createFileCache } from './cache.js'
import { createDns } from './dns.js'
import { execFile } from './exec.js'
import { createHttp } from './http.js'
import { createNet } from './net.js'
import { createTls } from './tls.js'
import { findExecutable } from './which.js'

export function currentPlatform(): Platform {
  return process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux'
}

export function createRealEnv(vars: Readonly<Record<string, string | undefined>> = process.env): ProbeEnv {
  const platform = currentPlatform()
  return {
    platform,
    vars,
    exec: execFile,
    which: (name) => findExecutable(name, vars, platform),
    dns: createDns(),
    net: createNet(),
    tls: createTls(),
    http: createHttp(),
    aws: createAwsClients(vars),
    fs: {
      readText: async (path) => {
        try {
          return await readFile(path, 'utf8')
        } catch {
          return undefined
        }
      },
      stat: async (path) => {
        try {
          const info = await stat(path)
          return { size: info.size, mtimeMs: info.mtimeMs }
        } catch {
          return undefined
        }
      },
      writable: (path) => import('node:fs/promises').then((fs) => fs.access(path, fs.constants.W_OK).then(() => true, (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' || e.code === 'ENOTDIR' ? undefined : false))),
      homedir: () => vars.HOME ?? homedir(),
    },
    cache: createFileCache(cacheDir(vars, platform)),
    clock: { now: () => Date.now() },
  }
}
