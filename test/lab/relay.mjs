// A TCP-to-Unix-socket relay for the network lab. It runs inside a lab namespace (ip netns exec)
// and joins a TCP address there to a server of the test process through a Unix socket, a file:
// no network link between the namespace and the host exists or is needed.
//
//   node relay.mjs <host>:<port>=<unix socket path> ...
//
// Prints "ready" once every address listens. Exits when its stdin closes (the test process died)
// or on SIGTERM. Plain JavaScript so that it starts without a TypeScript loader.
import { connect, createServer } from 'node:net'

const maps = process.argv.slice(2).map((arg) => {
  const m = /^(.+):(\d+)=(\/.+)$/.exec(arg)
  if (!m) {
    process.stderr.write(`relay: bad mapping ${arg} (want host:port=/path)\n`)
    process.exit(2)
  }
  return { host: m[1], port: Number(m[2]), path: m[3] }
})

let listening = 0
for (const map of maps) {
  const server = createServer((client) => {
    const upstream = connect(map.path)
    const close = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', close)
    upstream.on('error', close)
    client.on('close', close)
    upstream.on('close', close)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  server.on('error', (error) => {
    process.stderr.write(`relay: ${map.host}:${map.port}: ${error.message}\n`)
    process.exit(1)
  })
  server.listen({ host: map.host, port: map.port }, () => {
    listening += 1
    if (listening === maps.length) process.stdout.write('ready\n')
  })
}

process.stdin.on('end', () => process.exit(0))
process.stdin.on('error', () => process.exit(0))
process.stdin.resume()
process.on('SIGTERM', () => process.exit(0))
