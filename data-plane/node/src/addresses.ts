/** host:port addresses as given on the command line and stored in membership records. */

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses "host:port" (IPv6 as "[::1]:port"); returns null when it is not one. */
export function parseHostPort(text: string): HostPort | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host, port };
}

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
