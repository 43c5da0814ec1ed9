/**
 * A NAT lab from Linux network namespaces (root only): an "Internet" (a bridge, 5.5.5.0/24, in
 * a namespace of its own), hosts with a public address on it, and home routers that masquerade
 * a LAN (192.168.x.0/24) behind their public address with nftables, optionally running
 * miniupnpd. Nothing is connected to the machine's own network namespace, and no namespace has
 * a route anywhere but its own subnets: traffic stays between the namespaces created here.
 *
 * Every name starts with `hl<pid><3 hex>-`: the lab removes what it created on teardown, and
 * at setup removes what an earlier lab left behind if the process that made it is gone.
 */
import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const CMD_TIMEOUT_MS = 10_000
const NAME = /^hl(\d+)[0-9a-f]{3}-/

/** Why the lab cannot run here, or undefined when it can. */
export function labSkipReason (): string | undefined {
  if (process.platform !== 'linux') return 'Linux only'
  if (process.getuid?.() !== 0) return 'needs root'
  for (const tool of ['ip', 'nft', 'miniupnpd']) {
    try { execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore', timeout: CMD_TIMEOUT_MS }) } catch {
      return `needs ${tool} (apt-get install -y iproute2 nftables miniupnpd-nftables)`
    }
  }
  const probe = `hl${process.pid}fff-probe`
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore', timeout: CMD_TIMEOUT_MS })
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore', timeout: CMD_TIMEOUT_MS })
  } catch {
    return 'cannot create network namespaces here (needs CAP_SYS_ADMIN)'
  }
  return undefined
}

export function sh (cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: CMD_TIMEOUT_MS, input, stdio: ['pipe', 'pipe', 'pipe'] })
  } catch (err) {
    const e = err as { stderr?: string, message: string }
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.trim() ?? e.message}`)
  }
}

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true } catch { return false } }

function namespaces (): string[] {
  return sh('ip', ['netns', 'list']).split('\n').map(l => l.split(' ')[0]!).filter(n => n.length > 0)
}

/** Kill what runs in a namespace (only namespaces this lab names) and delete it. */
function destroyNamespace (ns: string): void {
  if (!NAME.test(ns)) throw new Error(`refusing to remove ${ns}: not a lab namespace`)
  for (const pid of sh('ip', ['netns', 'pids', ns]).split('\n').map(Number).filter(p => p > 0)) {
    try { process.kill(pid, 'SIGKILL') } catch {}
  }
  try { sh('ip', ['netns', 'del', ns]) } catch {}
}

/** Namespaces an earlier lab left behind when its process died. */
export function removeStaleLabs (): string[] {
  const stale = namespaces().filter(ns => { const m = ns.match(NAME); return m !== null && !alive(Number(m[1])) })
  for (const ns of stale) destroyNamespace(ns)
  return stale
}

export interface Host { ns: string, ip: string }
export interface Home extends Host { router: Host & { lanIp: string } }

export class NatLab {
  readonly prefix = `hl${process.pid}${randomBytes(2).toString('hex').slice(0, 3)}`
  readonly inet = `${this.prefix}-inet`
  readonly dir: string
  private readonly created: string[] = []
  private readonly children = new Set<ChildProcess>()

  constructor (dir: string) { this.dir = dir }

  private addNs (name: string): string {
    const ns = `${this.prefix}-${name}`
    sh('ip', ['netns', 'add', ns])
    this.created.push(ns)
    sh('ip', ['-n', ns, 'link', 'set', 'dev', 'lo', 'up'])
    return ns
  }

  /** The "Internet": a bridge in a namespace of its own. */
  start (): void {
    this.addNs('inet')
    sh('ip', ['-n', this.inet, 'link', 'add', 'br0', 'type', 'bridge'])
    sh('ip', ['-n', this.inet, 'link', 'set', 'dev', 'br0', 'up'])
  }

  /** A host with a public address on the bridge (5.5.5.x/24). */
  publicHost (name: string, ip: string): Host {
    const ns = this.addNs(name)
    sh('ip', ['-n', ns, 'link', 'add', 'wan0', 'type', 'veth', 'peer', 'name', name, 'netns', this.inet])
    sh('ip', ['-n', this.inet, 'link', 'set', 'dev', name, 'master', 'br0', 'up'])
    sh('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'wan0'])
    sh('ip', ['-n', ns, 'link', 'set', 'dev', 'wan0', 'up'])
    return { ns, ip }
  }

  /**
   * A home: a router with a public address that masquerades its LAN (nftables), and one host
   * on the LAN. The nftables structure miniupnpd adds its port mappings to is there from the
   * start (table inet filter: chains miniupnpd, prerouting_miniupnpd, postrouting_miniupnpd).
   */
  home (name: string, publicIp: string, subnet: number): Home {
    const router = this.publicHost(`r${name}`, publicIp)
    const ns = this.addNs(name)
    const lanIp = `192.168.${subnet}.1`
    const ip = `192.168.${subnet}.10`
    sh('ip', ['-n', router.ns, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns])
    sh('ip', ['-n', router.ns, 'addr', 'add', `${lanIp}/24`, 'dev', 'lan0'])
    sh('ip', ['-n', router.ns, 'link', 'set', 'dev', 'lan0', 'up'])
    sh('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0'])
    sh('ip', ['-n', ns, 'link', 'set', 'dev', 'eth0', 'up'])
    sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', lanIp])
    sh('ip', ['netns', 'exec', router.ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'])
    sh('ip', ['netns', 'exec', router.ns, 'nft', '-f', '-'], `
table ip hearthlab {
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    oifname "wan0" masquerade
  }
}
table inet filter {
  chain forward {
    type filter hook forward priority 0; policy accept;
    jump miniupnpd
  }
  chain miniupnpd {
  }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting_miniupnpd {
  }
}
`)
    return { ns, ip, router: { ...router, lanIp } }
  }

  /** Start miniupnpd (UPnP IGD and NAT-PMP) on a home's router; stopped at teardown. */
  async upnp (home: Home): Promise<ChildProcess> {
    const dir = join(this.dir, `${home.router.ns}-miniupnpd`)
    await mkdir(dir, { recursive: true })
    const conf = join(dir, 'miniupnpd.conf')
    await writeFile(conf, [
      'ext_ifname=wan0',
      'listening_ip=lan0',
      'port=0',
      'enable_natpmp=yes',
      'enable_upnp=yes',
      'secure_mode=yes',
      'system_uptime=yes',
      `uuid=${[8, 4, 4, 4, 12].map(n => randomBytes(n / 2).toString('hex')).join('-')}`,
      `lease_file=${join(dir, 'upnp.leases')}`,
      `allow 1024-65535 ${home.router.lanIp.replace(/\.1$/, '.0')}/24 1024-65535`,
      'deny 0-65535 0.0.0.0/0 0-65535',
      ''
    ].join('\n'))
    return this.spawn(home.router, 'miniupnpd', ['-f', conf, '-d', '-P', join(dir, 'miniupnpd.pid')])
  }

  /** Run a command inside a namespace, killed at teardown. */
  spawn (host: Host, cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', host.ns, cmd, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    this.children.add(child)
    child.on('exit', () => { this.children.delete(child) })
    return child
  }

  /** Stop every process, then remove every namespace (and with them every veth). Never throws. */
  async stop (): Promise<void> {
    const exits = [...this.children].map(async c => await new Promise<void>(resolve => {
      if (c.exitCode !== null || c.signalCode !== null) { resolve(); return }
      c.once('exit', () => { resolve() })
      c.kill('SIGTERM')
      setTimeout(() => { c.kill('SIGKILL') }, 3_000).unref()
    }))
    await Promise.race([Promise.all(exits), new Promise(resolve => setTimeout(resolve, 5_000))])
    for (const ns of this.created.splice(0).reverse()) {
      try { destroyNamespace(ns) } catch {}
    }
  }
}
