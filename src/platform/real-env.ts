/** The real world: the only ProbeEnv that touches the machine, the network and AWS. */
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { createAwsClients } from '../aws/clients.js'
import type { Platform, ProbeEnv } from './env.js'
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
      homedir: () => vars.HOME ?? homedir(),
    },
    clock: { now: () => Date.now() },
  }
}
